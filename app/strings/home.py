"""Home page strings (and the shared words: model kinds, states, capabilities)."""

EN: dict[str, str] = {
    # home: static
    "home.title": "# MaaS Workbench",
    "home.intro": (
        "A self-hosted model-as-a-service gateway and workbench in one process. "
        "Chat, embedding and rerank models, from the built-in offline models or from upstream "
        "servers, are served through one OpenAI-compatible API with API keys, health checks, "
        "failover and usage metering; the workbench pages use that same API."
    ),
    "home.models_heading": "## Models",
    "home.refresh": "Refresh",
    "home.loading": "Loading the model status…",
    "home.api_heading": "## How to call the API",
    "home.api_intro": (
        "Point any OpenAI-compatible client at the base URL below and send an API key in the "
        "`Authorization: Bearer …` header. The examples read the key from the `MAAS_API_KEY` "
        "environment variable and use the first model of each kind listed above."
    ),
    "home.base_url": "Base URL",
    "home.tab_chat": "Chat",
    "home.tab_embeddings": "Embeddings",
    "home.tab_rerank": "Rerank",
    "home.tab_thinking": "Deep thinking",
    "home.curl": "curl",
    "home.python": "Python (openai SDK)",
    "home.chat_note": (
        "Streams the answer as server-sent events. With `stream_options.include_usage` set to "
        "true, the last chunk carries the token usage."
    ),
    "home.embeddings_note": "Returns one vector per input text.",
    "home.rerank_note": (
        "`POST /rerank` (Jina/Cohere shape): scores each document against the query and returns "
        "`results` with `index` and `relevance_score`, best first. The openai SDK has no rerank "
        "method, so the Python example uses its generic `post`."
    ),
    "home.thinking_note": (
        "**Deep thinking extension.** Add the request field `thinking` with `type` set to "
        "`enabled` and a `budget_tokens` limit, as in the examples, and any chat model thinks "
        "before it answers, even one without native reasoning. The reasoning comes back in "
        "`reasoning_content`, separate from the answer in `content`."
    ),
    # home: rendered by handlers
    "home.col_model": "Model",
    "home.col_kind": "Kind",
    "home.col_capabilities": "Capabilities",
    "home.col_deployments": "Deployments",
    "home.no_models": "No models are configured.",
    "home.no_deployments": "no deployments",
    "home.updated": "Models: {count} · updated at {time} · refreshes every 10 seconds",
    "home.status_error": (
        "⚠️ The model status could not be read ({error}). The page tries again every 10 "
        "seconds; the API examples below still work."
    ),
    "home.models_unavailable": "The model status is unavailable right now.",
    "home.in_flight": "{count} in flight",
    "home.key_env": "The master key is set by the `MAAS_MASTER_KEY` environment variable.",
    "home.key_generated": (
        "The master key was generated at first start and printed once in the server log."
    ),
    "home.key_other": "Master key: {hint}",
    "kind.chat": "chat",
    "kind.embedding": "embedding",
    "kind.rerank": "rerank",
    "state.healthy": "healthy",
    "backend.embedded": "built in",
    "model.builtin_chat": "Qwen2.5-Coder-0.5B-Instruct Q4_K_M on the embedded llama.cpp server",
    "model.builtin_embedding": "Multilingual Universal Sentence Encoder v3, 512 dimensions, in-process",
    "model.builtin_embedding_e5": "multilingual-e5-small, 4-bit, 384 dimensions, in-process: finds passages better "
                                  "than USE v3, also across languages, ~7x slower to embed; questions start with "
                                  "\"query: \"",
    "model.builtin_rerank": "Embedding similarity blended with BM25 (not a cross-encoder)",
    "state.unhealthy": "unhealthy",
    "state.cooling": "cooling down",
    "state.starting": "starting",
    "state.unknown": "unknown",
    "cap.tools": "tools",
    "cap.reasoning": "reasoning",
    "cap.vision": "vision",
    "cap.context": "{size} context",
    "cap.none": "—",
    "quirk.merge_system_into_user": "system prompt merged into the user message",
}

ZH: dict[str, str] = {
    # home: static
    "home.title": "# MaaS 工作台",
    "home.intro": (
        "自托管的模型即服务网关与工作台，运行在同一个进程中。对话、向量和重排模型，无论来自内置的离线模型"
        "还是上游服务器，都通过同一个兼容 OpenAI 的 API 提供，带有 API 密钥、健康检查、故障转移和用量计量；"
        "工作台的各个页面也使用这个 API。"
    ),
    "home.models_heading": "## 模型",
    "home.refresh": "刷新",
    "home.loading": "正在读取模型状态…",
    "home.api_heading": "## 如何调用 API",
    "home.api_intro": (
        "把任何兼容 OpenAI 的客户端指向下面的基础地址，并在 `Authorization: Bearer …` 请求头中发送 "
        "API 密钥。示例从环境变量 `MAAS_API_KEY` 读取密钥，并使用上表中每类模型的第一个。"
    ),
    "home.base_url": "基础地址（Base URL）",
    "home.tab_chat": "对话",
    "home.tab_embeddings": "向量",
    "home.tab_rerank": "重排",
    "home.tab_thinking": "深度思考",
    "home.curl": "curl",
    "home.python": "Python（openai SDK）",
    "home.chat_note": (
        "以服务器推送事件（SSE）流式返回回答。把 `stream_options.include_usage` 设为 true 后，"
        "最后一个数据块会带上 token 用量。"
    ),
    "home.embeddings_note": "为每段输入文本返回一个向量。",
    "home.rerank_note": (
        "`POST /rerank`（Jina/Cohere 格式）：按与查询的相关度给每个文档打分，返回按得分从高到低排列的 "
        "`results`，每项含 `index` 和 `relevance_score`。openai SDK 没有重排方法，所以 Python 示例使用它的"
        "通用 `post` 方法。"
    ),
    "home.thinking_note": (
        "**深度思考扩展。** 在请求中加入 `thinking` 字段（`type` 为 `enabled`，并用 `budget_tokens` "
        "限定思考长度，见示例），任何对话模型都会先思考再回答，即使它本身不支持推理。思考过程在 "
        "`reasoning_content` 中返回，与 `content` 中的回答分开。"
    ),
    # home: rendered by handlers
    "home.col_model": "模型",
    "home.col_kind": "类型",
    "home.col_capabilities": "能力",
    "home.col_deployments": "部署",
    "home.no_models": "尚未配置任何模型。",
    "home.no_deployments": "没有部署",
    "home.updated": "模型：{count} 个 · 更新于 {time} · 每 10 秒自动刷新",
    "home.status_error": (
        "⚠️ 无法读取模型状态（{error}）。页面每 10 秒会重试一次；下面的 API 示例仍然可用。"
    ),
    "home.models_unavailable": "暂时无法获取模型状态。",
    "home.in_flight": "处理中 {count}",
    "home.key_env": "主密钥由环境变量 `MAAS_MASTER_KEY` 设置。",
    "home.key_generated": "主密钥在首次启动时生成，并在服务器日志中打印过一次。",
    "home.key_other": "主密钥：{hint}",
    "kind.chat": "对话",
    "kind.embedding": "向量",
    "kind.rerank": "重排",
    "state.healthy": "健康",
    "backend.embedded": "内置",
    "model.builtin_chat": "Qwen2.5-Coder-0.5B-Instruct（Q4_K_M 量化），运行在内置的 llama.cpp 服务器上",
    "model.builtin_embedding": "多语言通用句子编码器（Universal Sentence Encoder）v3，512 维，在本进程内运行",
    "model.builtin_embedding_e5": "multilingual-e5-small（4 位量化），384 维，在本进程内运行：检索比 USE v3 更准，"
                                  "跨语言也是，生成向量慢约 7 倍；问题以 \"query: \" 开头",
    "model.builtin_rerank": "向量相似度与 BM25 混合打分（不是交叉编码器）",
    "state.unhealthy": "异常",
    "state.cooling": "冷却中",
    "state.starting": "启动中",
    "state.unknown": "未知",
    "cap.tools": "工具调用",
    "cap.reasoning": "推理",
    "cap.vision": "图像理解",
    "cap.context": "上下文 {size}",
    "cap.none": "—",
    "quirk.merge_system_into_user": "系统提示合并到用户消息中",
}
