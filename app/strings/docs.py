"""API docs page: how to call the gateway, other tools, the admin API, model release notes.

No braces other than ``{name}`` fields and no angle brackets: svelte-i18n parses these as ICU
messages (JSON examples live in app/docs.py, which puts them in code blocks).
"""

EN: dict[str, str] = {
    # page
    "docs.title": "# API documentation",
    "docs.intro": (
        "This server speaks the OpenAI API: any OpenAI-compatible client, SDK or tool works with the base URL "
        "below and an API key. This page is written for you: the examples use the models your keys may call."
    ),
    "docs.base_url": "Base URL",
    "docs.base_md": (
        "Use `{base}` wherever a tool asks for the *base URL*, *API base* or *endpoint URL* (it ends in `/v1`). "
        "The health routes and the admin API live at the server root, `{origin}`."
    ),
    # your models
    "docs.models_heading": "## Your models",
    "docs.models_admin": (
        "You are an administrator: every model in the catalogue is listed. A key you call with may still allow "
        "fewer models (see **My account**)."
    ),
    "docs.models_no_key": (
        "**You have no API key yet.** Open **My account → Apply for a key**: an administrator reviews the "
        "application, and once it is approved you show the key once under **My API keys**. Until then the "
        "examples use the first model of each kind in the catalogue below."
    ),
    "docs.models_keys": "Your active API keys may call these models ({count}); the examples below use them.",
    "docs.models_missing": (
        "None of your keys allows a model of this kind: {kinds}. Its examples use a placeholder name; ask for "
        "more models under **My account → Ask for more models**."
    ),
    "docs.no_models": "No models to show.",
    "docs.col_model": "Model",
    "docs.col_kind": "Kind",
    "docs.col_capabilities": "Capabilities",
    "docs.col_description": "Description",
    # basics
    "docs.basics_heading": "## Basics",
    "docs.tab_auth": "Authentication",
    "docs.auth_md": (
        "Every request to `/v1`, `/rerank` and `/health/models` carries an API key in the header "
        "`Authorization: Bearer sk-maas-…`. The examples read it from the environment variable `MAAS_API_KEY`:\n\n"
        "```shell\nexport MAAS_API_KEY=sk-maas-...\n```\n\n"
        "**Getting a key:** open **My account → Apply for a key** and say what it is for and which models you "
        "need. An administrator approves the application, possibly with fewer models, rate limits, a quota or an "
        "expiry date. Then show the key once under **My account → My API keys** and copy it: only its hash is "
        "stored, so it cannot be shown again. Lost it? Revoke it there and apply for a new one.\n\n"
        "A missing, unknown, revoked or expired key, or a key of a disabled account, gets **401**."
    ),
    "docs.tab_errors": "Errors",
    "docs.errors_md": (
        "Errors come back in the OpenAI error envelope (example below): an HTTP status, a `type`, the "
        "offending `param` and a stable `code`; the `message` says what to do next. Every response has an "
        "`x-request-id` header: quote it when you report a problem.\n\n"
        "| Status | Meaning | `code` |\n|---|---|---|\n"
        "| 400 | The request is malformed or a parameter is wrong (`param` names it) | `invalid_value`, "
        "`missing_required_parameter`, `unknown_parameter`, `invalid_json`, `wrong_model_kind`, "
        "`upstream_rejected` |\n"
        "| 401 | Missing, unknown, revoked or expired key | `missing_api_key`, `invalid_api_key` |\n"
        "| 403 | The key may not do this (the admin API with a key that is not an admin's) | `admin_only` |\n"
        "| 404 | Unknown route, or a model that does not exist or your key may not use | `model_not_found`, "
        "`unknown_route` |\n"
        "| 413 | The request body is over the size limit (16 MB unless configured otherwise) | "
        "`request_too_large` |\n"
        "| 429 | A rate limit or quota of your key: wait the seconds in the `Retry-After` header | "
        "`rate_limit_exceeded`, `insufficient_quota` |\n"
        "| 502 | The model server or the search engine failed | `upstream_error`, `search_upstream_error` |\n"
        "| 503 | No deployment of the model can be reached right now, or web search is not configured | "
        "`model_unavailable`, `search_not_configured` |\n"
        "| 504 | The model server or the search engine did not answer in time | `upstream_timeout`, "
        "`search_timeout` |\n\n"
        "In a stream that has already begun, an error arrives as a last `data:` event holding the same envelope."
    ),
    "docs.error_example": "Error envelope (a 429)",
    "docs.tab_limits": "Limits",
    "docs.limits_md": (
        "An administrator can give each key:\n\n"
        "- **rpm**: requests per minute;\n"
        "- **tpm**: tokens per minute (prompt and completion);\n"
        "- **quota**: tokens in total, or per calendar month (UTC).\n\n"
        "Over a limit, a request is refused with **429** before it reaches a model: `rate_limit_exceeded` for "
        "rpm and tpm, `insufficient_quota` for a quota. The `Retry-After` header says how many seconds to wait "
        "(a total quota never resets: ask an administrator to raise it). Minutes are sliding windows. While a request "
        "runs, the most it may use (its prompt plus `max_tokens`, or 1,024 tokens when it sets none) is held against "
        "tpm and the quota, so parallel requests cannot overrun them; a smaller `max_tokens` lets more run at once. "
        "Your keys' "
        "limits are listed under **My account → My API keys**, and what you have used under **Usage**."
    ),
    "docs.tab_usage": "Usage",
    "docs.usage_md": (
        "Every answer reports its tokens in a `usage` object (`prompt_tokens`, `completion_tokens` and "
        "`total_tokens` for chat; `prompt_tokens` and `total_tokens` for embeddings and rerank), and every "
        "request is recorded against your key (see **Usage**).\n\n"
        "- **Streams:** set `stream_options.include_usage` to `true`; the last event before `data: [DONE]` is "
        "then a chunk with empty `choices` and the `usage` of the whole request.\n"
        "- **`estimated: true`** in a chat `usage` means the model server reported no usage and the gateway "
        "counted the tokens itself (about one token per Chinese character or per four other characters).\n"
        "- **`completion_tokens_details.reasoning_tokens`** is the part of `completion_tokens` spent thinking.\n"
        "- A request you abort is still recorded, with the tokens generated until then.\n"
        "- **Web search** calls carry no tokens: each counts as one request. An **AI search** counts the tokens "
        "of the chat model that answered, like a chat completion."
    ),
    "docs.tab_thinking": "Deep thinking",
    "docs.thinking_md": (
        "A model that reasons returns its thinking in **`reasoning_content`**, apart from the answer in "
        "`content`: in `choices[0].message` without streaming, in `choices[0].delta` when streaming (the "
        "gateway moves think blocks and other servers' reasoning fields there too).\n\n"
        "Ask any chat model to think first with the request field **`thinking`** (below): `type` is `enabled` "
        "(or `disabled`), and `budget_tokens` caps the thinking (16 to 32768, default 1024). A model without "
        "native reasoning is made to think within that budget before it answers; a reasoning model thinks as it "
        "always does. The thinking is counted in `completion_tokens_details.reasoning_tokens`. The openai SDK "
        "has no `thinking` argument: pass it in `extra_body`."
    ),
    "docs.thinking_field": "Request field",
    # endpoints
    "docs.endpoints_heading": "## Endpoints",
    "docs.tab_models": "Models",
    "docs.note_models": (
        "`GET /v1/models` lists the models your key may use, with their `kind` (chat, embedding, rerank) and "
        "`capabilities` (`context_length`, `tools`, `reasoning`). `GET /v1/models/MODEL_ID` shows one model "
        "(404 when it does not exist or your key may not use it)."
    ),
    "docs.tab_chat": "Chat",
    "docs.note_chat": (
        "`POST /v1/chat/completions`, as in the OpenAI API: `messages` (roles system, user, assistant, tool) "
        "and optionally `temperature`, `top_p`, `max_tokens`, `stop`, `seed`, `tools` with `tool_choice`, "
        "`response_format` and more; parameters the gateway does not know are passed on to the model server. "
        "Without `stream` the whole answer comes back as one `chat.completion`."
    ),
    "docs.tab_stream": "Chat (streaming)",
    "docs.note_stream": (
        "With `stream` set to `true` the answer arrives as server-sent events: `data:` lines holding "
        "`chat.completion.chunk` objects, then `data: [DONE]`. Set `stream_options.include_usage` to get the "
        "usage in a last chunk. Closing the connection stops the generation (the tokens so far are counted)."
    ),
    "docs.tab_embeddings": "Embeddings",
    "docs.note_embeddings": (
        "`POST /v1/embeddings`: `input` is a string or a list of up to 2048 strings; one vector per input comes "
        "back in `data`, in input order (`index` says which). `encoding_format` may be `float` (the default) or "
        "`base64`. In LangChain set `check_embedding_ctx_length=False`, so that `OpenAIEmbeddings` sends the "
        "text rather than OpenAI token ids. The vectors in the response example are shortened."
    ),
    "docs.tab_rerank": "Rerank",
    "docs.note_rerank": (
        "`POST /v1/rerank` (also at `POST /rerank`), in the Jina/Cohere shape: a `query`, up to 1000 "
        "`documents` (strings, or objects with a `text`), and optionally `top_n` and `return_documents` (true by "
        "default). The `results` come best first, each with the `index` of the document in your list and a "
        "`relevance_score`. Neither the openai SDK nor LangChain has a rerank call: the examples use the SDK's "
        "generic `post` and a small LangChain document compressor."
    ),
    "docs.tab_web_search": "Web search",
    "docs.note_web_search": (
        "`POST /v1/web-search` searches the web and returns numbered `results` (`index`, `title`, `url`, "
        "`snippet`); the top pages are read, and their main text is in `content` (or `fetch_error` says why a "
        "page could not be read). The body: `query` (required, at most 1000 characters), `count` (1 to 20, "
        "default 5), `fetch` (default `true`; `false` gives snippets only, faster) and `language` (such as "
        "`zh-CN` or `en`); any other field is refused with 400 naming it. The gateway fetches the pages itself, "
        "only from public addresses, never from its own network.\n\n"
        "Each call is one request on your key (no tokens) and counts against its requests per minute. Errors: "
        "400 naming the parameter, 503 `search_not_configured`, 502 `search_upstream_error` when the search "
        "engine fails, 504 `search_timeout`. The openai SDK has no search call (the example uses its generic "
        "`post`), and LangChain has no wrapper for it: its example is a small tool built on httpx that an agent "
        "can call."
    ),
    "docs.tab_ai_search": "AI search",
    "docs.note_ai_search": (
        "`POST /v1/ai-search` searches the web, reads the top pages and has a chat model answer from them, "
        "citing the sources by number (`[1]`, `[2]`). The body: `query` and `model` (required: a chat model "
        "your key may use; the examples use yours), and optionally `count`, `language`, `stream`, "
        "`stream_options`, `max_tokens`, `temperature`, `top_p` and `thinking`. The answer is a "
        "`chat.completion` with a top-level `sources` list (`index`, `title`, `url`, `snippet`) that the "
        "numbers refer to. Streaming, the first chunk carries `sources` (before the answer starts), then the "
        "answer's chunks follow as in a chat stream.\n\n"
        "It is metered like a chat completion: one request with the model's tokens, counted against your key's "
        "limits and quota. Errors as for web search, plus 404 `model_not_found` for a model your key may not use "
        "(checked before searching). Neither the openai SDK nor LangChain has an AI search call: the examples "
        "use the SDK's generic `post`, and httpx for the stream."
    ),
    "docs.search_off": (
        "**Web search is not configured on this server.** Until an administrator adds a `search:` block "
        "(SearXNG or Bocha) to the model catalogue, both search routes answer **503** `search_not_configured`. "
        "The examples show the calls as they will work then."
    ),
    "docs.search_off_admin": (
        "You are an administrator: add the block under **Admin → Models**; `config.example.yaml` documents it. "
        "It takes effect without a restart."
    ),
    "docs.search_on": (
        "Web search is on: this server searches with **{provider}** and reads the main text of the top "
        "{pages} results of each search."
    ),
    "docs.search_on_snippets": (
        "Web search is on: this server searches with **{provider}** and returns the results' snippets only "
        "(it reads no pages)."
    ),
    "docs.tab_health": "Health",
    "docs.note_health": (
        "At the server root, not under `/v1`. `GET /health` answers while the process runs; `GET /health/ready` "
        "is 200 once at least one model deployment is healthy (503 before). Both need no key: they are for load "
        "balancers and monitoring. `GET /health/models` (any valid key) shows each model's deployments with "
        "their state, latency and last error."
    ),
    "docs.httpx": "Python (httpx)",
    "docs.langchain": "LangChain",
    "docs.response": "Response",
    # other tools
    "docs.tools_heading": "## Connect other tools",
    "docs.tools_intro": (
        "These tools call this server over the network. If one runs in Docker, `localhost` and `127.0.0.1` "
        "mean the container itself: use an address the container can reach, such as the host's IP address or "
        "`host.docker.internal`. Give each tool a key of its own: everything it does counts against that key."
    ),
    "docs.tab_openwebui": "Open WebUI",
    "docs.tab_dify": "Dify",
    "docs.tab_ragflow": "RAGFlow",
    "docs.tool_openwebui": (
        "**Chat models.** As an Open WebUI administrator open **Admin Panel → Settings → Connections**, and "
        "under **OpenAI API** add a connection (**+**):\n\n"
        "- **URL**: `{base}`\n- **Key**: your API key\n\n"
        "Save: the models the key may use, such as `{chat}`, appear in the model picker.\n\n"
        "**Embeddings for documents.** **Admin Panel → Settings → Documents**: *Embedding Model Engine* "
        "**OpenAI**, URL `{base}`, your key, *Embedding Model* `{embedding}`.\n\n"
        "**Reranking.** On the same page turn on *Hybrid Search*, choose the *Reranking Engine* **External**, "
        "URL `{rerank_url}`, your key, *Reranking Model* `{rerank}`."
    ),
    "docs.tool_dify": (
        "Dify reaches models through the **OpenAI-API-compatible** model provider (a plugin: install it from "
        "the Marketplace if it is not listed). Open **Settings → Model Provider → OpenAI-API-compatible → Add "
        "Model**, once per model:\n\n"
        "| Field | Chat | Embeddings | Rerank |\n|---|---|---|---|\n"
        "| Model Type | LLM | Text Embedding | Rerank |\n"
        "| Model Name | `{chat}` | `{embedding}` | `{rerank}` |\n"
        "| API Key | your key | your key | your key |\n"
        "| API endpoint URL | `{base}` | `{base}` | `{base}` |\n\n"
        "For a chat model also fill in its context size and the upper bound for max tokens (see **Your "
        "models**), and turn on function calling if the model supports tools. Dify calls `/chat/completions`, "
        "`/embeddings` and `/rerank` under the endpoint URL."
    ),
    "docs.tool_ragflow": (
        "In RAGFlow open your **avatar (top right) → Model providers**, find **OpenAI-API-Compatible** and "
        "**Add** it once per model:\n\n"
        "| Field | Chat | Embeddings | Rerank |\n|---|---|---|---|\n"
        "| Model type | chat | embedding | rerank |\n"
        "| Model name | `{chat}` | `{embedding}` | `{rerank}` |\n"
        "| Base url | `{base}` | `{base}` | `{base}` |\n"
        "| API-Key | your key | your key | your key |\n\n"
        "Set the max tokens to the model's context length (see **Your models**), then pick the models under "
        "**System Model Settings** or per knowledge base. Depending on its version RAGFlow sends rerank "
        "requests to `/rerank` at the server root or under `/v1`: both are served."
    ),
    # admin API
    "docs.kb_heading": "## Knowledge base API",
    "docs.kb_md": (
        "Your knowledge bases (the **Knowledge** page) from scripts and apps: create and change them, upload "
        "documents, retrieve passages, chat with numbered sources, publish and share, under `{origin}/kb/v1`. "
        "Send your own API key: its owner is the caller, with the same knowledge bases and roles as in the "
        "workbench, and retrieval and chat are metered on that key. The reference below uses this server's "
        "address."
    ),
    "docs.kb_reference": "Reference: every route with curl, request, answer and errors",
    "docs.kb_missing": "The reference is in docs/kb-api.md in the source.",
    "docs.prompts_heading": "## Prompt library API",
    "docs.prompts_md": (
        "The prompts of the **Prompts** page from your apps, by label: `GET {origin}/prompts/v1/my-prompt?label=production` "
        "gives the version your team labelled `production` (its messages with variables, examples and parameters, with "
        "an ETag to cache it), and `POST {origin}/prompts/v1/my-prompt/render` fills in the variables. Send your own API "
        "key: you get the prompts you see on the page."
    ),
    "docs.prompts_reference": "Reference: every route with curl, answers, the ETag and errors",
    "docs.prompts_missing": "The reference is in docs/prompts-api.md in the source.",
    "docs.papers_heading": "## Paper reading API",
    "docs.papers_md": (
        "The **Papers** page from scripts and apps: `POST {origin}/papers/v1/papers` uploads a PDF, `GET` on it "
        "follows its parse and gives its structure, `POST .../reading` starts a deep reading you poll until it is "
        "done, `POST .../ask` answers a question; every statement and answer has its page and a quote found there. "
        "Send your own API key: you get the papers you see on the page, and the model calls are metered on it."
    ),
    "docs.papers_reference": "Reference: every route with curl, polling, answers and errors",
    "docs.papers_missing": "The reference is in docs/papers-api.md in the source.",
    "docs.admin_heading": "## Admin HTTP API",
    "docs.admin_md": (
        "For automation: users, keys, key applications, usage and the audit log, under `{origin}/admin/v1`. "
        "**It needs an admin key**: the master key, or an API key owned by an active administrator; any other "
        "key gets 403 (`admin_only`), no key 401. Bodies and answers are JSON (times in ISO 8601, UTC), errors "
        "use the same envelope as `/v1`, every change is written to the audit log, and admin calls do not count "
        "against a key's limits. The examples read the key from `MAAS_ADMIN_KEY`.\n\n"
        "A new key's secret is in the answer to `POST /admin/v1/keys`, once. Approving an application returns "
        "no secret: the applicant shows the key once under **My account**."
    ),
    "docs.col_method": "Method",
    "docs.col_path": "Path",
    "docs.col_params": "Body fields or query (? = optional)",
    "docs.col_does": "What it does",
    "docs.admin_users_list": "List every user (never a password hash).",
    "docs.admin_users_create": (
        "Create a user (role member or admin); answers 201 with the user. Without a password the account cannot "
        "sign in with one until a password is set."
    ),
    "docs.admin_users_update": (
        "Change the role, disable or enable the account (a disabled user's keys stop working at once), or "
        "reset the password; at least one field."
    ),
    "docs.admin_keys_list": "List keys (never their secrets), of one user with user_id.",
    "docs.admin_keys_create": (
        "Issue a key to a user directly: models (null for every model), limits, expiry; answers 201 with the "
        "secret, shown in this answer only."
    ),
    "docs.admin_keys_revoke": "Revoke a key: requests with it are refused from then on.",
    "docs.admin_apps_list": "List key applications, optionally only those with a status.",
    "docs.admin_apps_approve": (
        "Approve, optionally with fewer models, limits and an expiry date; the applicant shows the new key once "
        "in the workbench."
    ),
    "docs.admin_apps_reject": "Reject, with a reason the applicant sees.",
    "docs.admin_usage": (
        "Usage over a window of days (default: the last 30 days, UTC) as JSON panels; format=csv gives tokens "
        "per day."
    ),
    "docs.admin_audit": "The audit log, newest first (limit at most 1000).",
    # release notes
    "docs.notes_heading": "## Model release notes",
    "docs.no_notes": "No release notes yet.",
    "docs.col_day": "Day",
    "docs.col_change": "Change",
    "docs.col_note": "Note",
    "docs.change_added": "added",
    "docs.change_updated": "updated",
    "docs.change_retired": "retired",
    "docs.notes_admin": "Write or delete a release note (administrators)",
    "docs.f_change": "Change",
    "docs.f_model": "Model",
    "docs.f_model_info": "A catalogue model, or type the name of a retired one",
    "docs.f_day": "Day",
    "docs.f_day_info": "Empty: today (UTC)",
    "docs.f_title": "Title",
    "docs.f_body": "Details (optional)",
    "docs.add_note": "Add the note",
    "docs.f_pick": "Note to delete",
    "docs.delete_note": "Delete",
    "docs.note_added": "Release note added: it is in the list above.",
    "docs.note_deleted": "Release note deleted.",
    "docs.err_day": "Day: write the date as YYYY-MM-DD, e.g. 2026-03-01, or leave it empty for today.",
    "docs.err_choose_note": "Choose a release note to delete first.",
}

ZH: dict[str, str] = {
    # page
    "docs.title": "# API 文档",
    "docs.intro": (
        "本服务提供 OpenAI 兼容的 API：任何 OpenAI 兼容的客户端、SDK 或工具，填入下面的基础 URL 和 API 密钥即可使用。"
        "本页内容按你的账户生成：示例使用的是你的密钥可以调用的模型。"
    ),
    "docs.base_url": "基础 URL",
    "docs.base_md": (
        "凡是工具要求填写 *Base URL*、*API Base* 或 *Endpoint URL* 的地方，都填 `{base}`（以 `/v1` 结尾）。"
        "健康检查接口和管理 API 位于服务器根路径 `{origin}` 下。"
    ),
    # your models
    "docs.models_heading": "## 你的模型",
    "docs.models_admin": "你是管理员：这里列出目录中的全部模型。你调用时所用的密钥仍可能只允许其中一部分（见 **我的账户**）。",
    "docs.models_no_key": (
        "**你还没有 API 密钥。** 请打开 **我的账户 → 申请密钥**：管理员审核通过后，在 **我的 API 密钥** 中查看一次并复制。"
        "在此之前，示例使用下面目录中每类模型的第一个。"
    ),
    "docs.models_keys": "你的有效 API 密钥可以调用以下模型（{count} 个）；下面的示例使用这些模型。",
    "docs.models_missing": (
        "你的密钥都不允许使用这类模型：{kinds}。相应示例使用占位名称；可在 **我的账户 → 申请更多模型** 中申请。"
    ),
    "docs.no_models": "没有可显示的模型。",
    "docs.col_model": "模型",
    "docs.col_kind": "类型",
    "docs.col_capabilities": "能力",
    "docs.col_description": "说明",
    # basics
    "docs.basics_heading": "## 基础",
    "docs.tab_auth": "认证",
    "docs.auth_md": (
        "对 `/v1`、`/rerank` 和 `/health/models` 的每个请求都要在请求头中携带 API 密钥："
        "`Authorization: Bearer sk-maas-…`。示例从环境变量 `MAAS_API_KEY` 读取密钥：\n\n"
        "```shell\nexport MAAS_API_KEY=sk-maas-...\n```\n\n"
        "**如何获得密钥：** 打开 **我的账户 → 申请密钥**，说明用途和需要的模型。管理员审批时可能只批准部分模型，"
        "或设置速率限制、配额、有效期。审批通过后，在 **我的账户 → 我的 API 密钥** 中查看一次并复制：系统只保存密钥的哈希，"
        "之后无法再次显示。密钥丢失时，请在那里吊销它并重新申请。\n\n"
        "缺少密钥、密钥无效、已吊销或已过期，或密钥所属账户已停用时，返回 **401**。"
    ),
    "docs.tab_errors": "错误",
    "docs.errors_md": (
        "错误以 OpenAI 的错误格式返回（见下方示例）：HTTP 状态码、`type`、出错的参数 `param` 和稳定的 `code`；"
        "`message` 说明下一步该怎么做。每个响应都带有 `x-request-id` 响应头，报告问题时请附上它。\n\n"
        "| 状态码 | 含义 | `code` |\n|---|---|---|\n"
        "| 400 | 请求格式错误或参数有误（`param` 指出是哪个参数） | `invalid_value`、"
        "`missing_required_parameter`、`unknown_parameter`、`invalid_json`、`wrong_model_kind`、"
        "`upstream_rejected` |\n"
        "| 401 | 缺少密钥，或密钥无效、已吊销、已过期 | `missing_api_key`、`invalid_api_key` |\n"
        "| 403 | 该密钥无权执行此操作（用非管理员的密钥调用管理 API） | `admin_only` |\n"
        "| 404 | 路径不存在，或模型不存在、你的密钥无权使用 | `model_not_found`、`unknown_route` |\n"
        "| 413 | 请求体超过大小上限（默认 16 MB） | `request_too_large` |\n"
        "| 429 | 触发了密钥的速率限制或配额：按 `Retry-After` 响应头中的秒数等待后重试 | "
        "`rate_limit_exceeded`、`insufficient_quota` |\n"
        "| 502 | 模型服务或搜索引擎出错 | `upstream_error`、`search_upstream_error` |\n"
        "| 503 | 该模型当前没有可用的部署，或未配置联网搜索 | `model_unavailable`、`search_not_configured` |\n"
        "| 504 | 模型服务或搜索引擎未能及时响应 | `upstream_timeout`、`search_timeout` |\n\n"
        "如果流式响应已经开始，错误会作为最后一个 `data:` 事件返回，内容是同样的错误格式。"
    ),
    "docs.error_example": "错误格式示例（429）",
    "docs.tab_limits": "限制",
    "docs.limits_md": (
        "管理员可以为每个密钥设置：\n\n"
        "- **rpm**：每分钟请求数；\n"
        "- **tpm**：每分钟 token 数（提示与生成合计）；\n"
        "- **配额**：总 token 数，或每个自然月（UTC）的 token 数。\n\n"
        "超出限制时，请求在到达模型之前就被拒绝，返回 **429**：rpm 和 tpm 对应 `rate_limit_exceeded`，配额对应 "
        "`insufficient_quota`。`Retry-After` 响应头给出需要等待的秒数（总配额不会重置：请联系管理员提高）。"
        "“每分钟”按滑动窗口计算。请求进行期间，它最多可能用掉的 token（提示加 `max_tokens`，未设置时按 1024 计）"
        "会先从 tpm 和配额中预留，因此并发请求不会超出限制；把 `max_tokens` 设小一些，可以同时运行更多请求。你的密钥的限制列在 **我的账户 → 我的 API 密钥** 中，已用量见 **用量** 页面。"
    ),
    "docs.tab_usage": "用量",
    "docs.usage_md": (
        "每个响应都在 `usage` 对象中报告 token 数（对话：`prompt_tokens`、`completion_tokens`、`total_tokens`；"
        "向量和重排：`prompt_tokens`、`total_tokens`），每个请求都记在你的密钥名下（见 **用量** 页面）。\n\n"
        "- **流式响应：** 把 `stream_options.include_usage` 设为 `true`，`data: [DONE]` 之前的最后一个事件就是一个 "
        "`choices` 为空、带有整个请求 `usage` 的数据块。\n"
        "- 对话 `usage` 中的 **`estimated: true`** 表示模型服务没有报告用量，由网关自行估算"
        "（大约每个汉字一个 token，其他字符每四个一个 token）。\n"
        "- **`completion_tokens_details.reasoning_tokens`** 是 `completion_tokens` 中用于思考的部分。\n"
        "- 中途取消的请求同样会被记录，计入取消前已生成的 token。\n"
        "- **联网搜索** 调用不消耗 token：每次计为一个请求。**AI 搜索** 与对话补全一样，计入回答所用对话模型的 token。"
    ),
    "docs.tab_thinking": "深度思考",
    "docs.thinking_md": (
        "具备推理能力的模型把思考过程放在 **`reasoning_content`** 中，与 `content` 中的回答分开：非流式时在 "
        "`choices[0].message` 中，流式时在 `choices[0].delta` 中（网关也会把 think 标签块和其他服务器的推理字段统一移到这里）。\n\n"
        "在请求中加入字段 **`thinking`**（见下方），可以让任何对话模型先思考再回答：`type` 为 `enabled`（或 `disabled`），"
        "`budget_tokens` 限制思考的长度（16 到 32768，默认 1024）。没有原生推理能力的模型会在这个预算内先思考再回答；"
        "推理模型照常思考。思考消耗的 token 计入 `completion_tokens_details.reasoning_tokens`。"
        "openai SDK 没有 `thinking` 参数：请通过 `extra_body` 传入。"
    ),
    "docs.thinking_field": "请求字段",
    # endpoints
    "docs.endpoints_heading": "## 接口",
    "docs.tab_models": "模型列表",
    "docs.note_models": (
        "`GET /v1/models` 列出你的密钥可以使用的模型，包括 `kind`（chat、embedding、rerank）和 `capabilities`"
        "（`context_length`、`tools`、`reasoning`）。`GET /v1/models/MODEL_ID` 返回单个模型"
        "（模型不存在或你的密钥无权使用时返回 404）。"
    ),
    "docs.tab_chat": "对话",
    "docs.note_chat": (
        "`POST /v1/chat/completions`，与 OpenAI API 相同：`messages`（角色 system、user、assistant、tool），"
        "以及可选的 `temperature`、`top_p`、`max_tokens`、`stop`、`seed`、`tools` 和 `tool_choice`、"
        "`response_format` 等；网关不认识的参数会原样传给模型服务。不设置 `stream` 时，完整回答作为一个 "
        "`chat.completion` 返回。"
    ),
    "docs.tab_stream": "对话（流式）",
    "docs.note_stream": (
        "把 `stream` 设为 `true` 后，回答以服务器发送事件（SSE）返回：若干 `data:` 行，每行一个 "
        "`chat.completion.chunk` 对象，最后是 `data: [DONE]`。设置 `stream_options.include_usage` 可在最后一个数据块中"
        "得到用量。断开连接会停止生成（已生成的 token 照常计入）。"
    ),
    "docs.tab_embeddings": "向量",
    "docs.note_embeddings": (
        "`POST /v1/embeddings`：`input` 是一个字符串，或最多 2048 个字符串的列表；每个输入对应 `data` 中的一个向量，"
        "按输入顺序排列（`index` 指明对应哪个输入）。`encoding_format` 可以是 `float`（默认）或 `base64`。"
        "在 LangChain 中请设置 `check_embedding_ctx_length=False`，让 `OpenAIEmbeddings` 发送原文而不是 OpenAI 的"
        " token 编号。响应示例中的向量已截短。"
    ),
    "docs.tab_rerank": "重排",
    "docs.note_rerank": (
        "`POST /v1/rerank`（也可用 `POST /rerank`），采用 Jina/Cohere 格式：一个 `query`，最多 1000 个 `documents`"
        "（字符串，或带 `text` 的对象），以及可选的 `top_n` 和 `return_documents`（默认 true）。`results` 按相关度从高到低"
        "排列，每项给出文档在你的列表中的 `index` 和 `relevance_score`。openai SDK 和 LangChain 都没有重排接口："
        "示例使用 SDK 的通用 `post` 方法，以及一个简单的 LangChain 文档压缩器。"
    ),
    "docs.tab_web_search": "联网搜索",
    "docs.note_web_search": (
        "`POST /v1/web-search` 搜索网页，返回编号的 `results`（`index`、`title`、`url`、`snippet`）；排在前面的网页会被读取，"
        "正文放在 `content` 中（无法读取时，`fetch_error` 说明原因）。请求体：`query`（必填，最多 1000 个字符）、"
        "`count`（1 到 20，默认 5）、`fetch`（默认 `true`；设为 `false` 只返回摘要，速度更快）和 `language`"
        "（例如 `zh-CN` 或 `en`）；其他字段一律返回 400，并指出是哪个字段。网页由网关自己抓取，只访问公网地址，"
        "绝不访问网关所在的内部网络。\n\n"
        "每次调用计为密钥的一个请求（不消耗 token），计入每分钟请求数限制。错误：400 指出出错的参数；"
        "503 `search_not_configured`；搜索引擎出错时 502 `search_upstream_error`；超时 504 `search_timeout`。"
        "openai SDK 没有搜索接口（示例使用它的通用 `post` 方法），LangChain 也没有对应的封装："
        "LangChain 示例是一个基于 httpx 的小工具，可供智能体调用。"
    ),
    "docs.tab_ai_search": "AI 搜索",
    "docs.note_ai_search": (
        "`POST /v1/ai-search` 先搜索网页、读取排在前面的网页，再由对话模型根据这些网页作答，并按编号（`[1]`、`[2]`）"
        "注明来源。请求体：`query` 和 `model`（必填：你的密钥可以使用的对话模型，示例使用你的模型），以及可选的 "
        "`count`、`language`、`stream`、`stream_options`、`max_tokens`、`temperature`、`top_p` 和 `thinking`。"
        "返回一个 `chat.completion`，顶层另有 `sources` 列表（`index`、`title`、`url`、`snippet`），即回答中编号所指的来源。"
        "流式响应时，第一个数据块带有 `sources`（在回答开始之前），随后的回答数据块与对话流式响应相同。\n\n"
        "计量方式与对话补全相同：记一个请求和模型消耗的 token，计入密钥的限制和配额。错误与联网搜索相同，"
        "另外，密钥无权使用所选模型时返回 404 `model_not_found`（在搜索之前检查）。openai SDK 和 LangChain 都没有 "
        "AI 搜索接口：示例使用 SDK 的通用 `post` 方法，流式示例使用 httpx。"
    ),
    "docs.search_off": (
        "**本服务器尚未配置联网搜索。** 在管理员向模型目录添加 `search:` 配置块（SearXNG 或博查）之前，"
        "两个搜索接口都返回 **503** `search_not_configured`。下面的示例展示的是配置之后的调用方式。"
    ),
    "docs.search_off_admin": "你是管理员：可在 **管理 → 模型** 中添加该配置块，写法见 `config.example.yaml`。保存后无需重启即可生效。",
    "docs.search_on": "联网搜索已开启：本服务器使用 **{provider}** 搜索，每次搜索读取排名前 {pages} 个结果的网页正文。",
    "docs.search_on_snippets": "联网搜索已开启：本服务器使用 **{provider}** 搜索，只返回结果摘要（不读取网页）。",
    "docs.tab_health": "健康检查",
    "docs.note_health": (
        "位于服务器根路径，而不是 `/v1` 下。`GET /health` 在进程运行时就有响应；`GET /health/ready` 在至少一个模型部署"
        "健康后返回 200（之前返回 503）。这两个接口无需密钥，供负载均衡和监控使用。`GET /health/models`"
        "（任意有效密钥）列出每个模型的部署及其状态、延迟和最近的错误。"
    ),
    "docs.httpx": "Python（httpx）",
    "docs.langchain": "LangChain（Python）",
    "docs.response": "响应示例",
    # other tools
    "docs.tools_heading": "## 接入其他工具",
    "docs.tools_intro": (
        "这些工具通过网络调用本服务。如果工具运行在 Docker 中，`localhost` 和 `127.0.0.1` 指的是容器本身："
        "请使用容器能访问到的地址，例如宿主机的 IP 地址或 `host.docker.internal`。请为每个工具单独申请一个密钥："
        "它的所有调用都计入该密钥。"
    ),
    "docs.tab_openwebui": "Open WebUI 接入",
    "docs.tab_dify": "Dify 接入",
    "docs.tab_ragflow": "RAGFlow 接入",
    "docs.tool_openwebui": (
        "**对话模型。** 以 Open WebUI 管理员身份打开 **管理员面板 → 设置 → 外部连接**，在 **OpenAI API** 下添加连接"
        "（**+**）：\n\n"
        "- **URL**：`{base}`\n- **密钥**：你的 API 密钥\n\n"
        "保存后，该密钥可用的模型（例如 `{chat}`）就会出现在模型选择列表中。\n\n"
        "**文档向量。** **管理员面板 → 设置 → 文档**：*语义向量模型引擎* 选 **OpenAI**，URL 填 `{base}`，填入你的密钥，"
        "*语义向量模型* 填 `{embedding}`。\n\n"
        "**重排。** 在同一页面打开 *混合搜索*，*重排引擎* 选 **External**，URL 填 `{rerank_url}`，填入你的密钥，"
        "*重排模型* 填 `{rerank}`。"
    ),
    "docs.tool_dify": (
        "Dify 通过 **OpenAI-API-compatible** 模型供应商接入（这是一个插件：若列表中没有，请先从插件市场安装）。"
        "打开 **设置 → 模型供应商 → OpenAI-API-compatible → 添加模型**，每个模型添加一次：\n\n"
        "| 字段 | 对话 | 向量 | 重排 |\n|---|---|---|---|\n"
        "| 模型类型 | LLM | Text Embedding | Rerank |\n"
        "| 模型名称 | `{chat}` | `{embedding}` | `{rerank}` |\n"
        "| API Key | 你的密钥 | 你的密钥 | 你的密钥 |\n"
        "| API endpoint URL | `{base}` | `{base}` | `{base}` |\n\n"
        "对话模型还需填写上下文长度和最大 token 数上限（见 **你的模型**），如果模型支持工具调用，请打开函数调用。"
        "Dify 会调用该 URL 下的 `/chat/completions`、`/embeddings` 和 `/rerank`。"
    ),
    "docs.tool_ragflow": (
        "在 RAGFlow 中点击 **右上角头像 → 模型提供商**，找到 **OpenAI-API-Compatible**，每个模型 **添加** 一次：\n\n"
        "| 字段 | 对话 | 向量 | 重排 |\n|---|---|---|---|\n"
        "| 模型类型 | chat | embedding | rerank |\n"
        "| 模型名称 | `{chat}` | `{embedding}` | `{rerank}` |\n"
        "| 基础 Url | `{base}` | `{base}` | `{base}` |\n"
        "| API-Key | 你的密钥 | 你的密钥 | 你的密钥 |\n\n"
        "最大 token 数填模型的上下文长度（见 **你的模型**），然后在 **系统模型设置** 或各个知识库中选择这些模型。"
        "不同版本的 RAGFlow 会把重排请求发到根路径的 `/rerank` 或 `/v1` 下的 `/rerank`：两者本服务都支持。"
    ),
    # admin API
    "docs.kb_heading": "## 知识库 API",
    "docs.kb_md": (
        "在脚本和应用中使用你的知识库（**知识库**页面）：创建和修改知识库、上传文档、检索段落、带编号来源的对话、"
        "公开和分享，接口位于 `{origin}/kb/v1`。请使用你自己的 API 密钥：密钥的所有者就是调用者，知识库和角色与工作台"
        "中相同，检索和对话的用量计入该密钥。下面的参考使用本服务器的地址。"
    ),
    "docs.kb_reference": "参考：所有接口及其 curl 示例、请求、响应和错误",
    "docs.kb_missing": "参考文档位于源代码的 docs/kb-api.md。",
    "docs.prompts_heading": "## 提示词库 API",
    "docs.prompts_md": (
        "在你的应用中按标签获取**提示词**页面上的提示词：`GET {origin}/prompts/v1/我的提示词?label=production` 返回团队标为 "
        "`production` 的版本（带变量的消息、示例和模型参数，并附 ETag 便于缓存），`POST {origin}/prompts/v1/我的提示词/render` "
        "填入变量。请使用你自己的 API 密钥：你拿到的就是你在页面上能看到的提示词。"
    ),
    "docs.prompts_reference": "参考：所有接口及其 curl 示例、响应、ETag 和错误",
    "docs.prompts_missing": "参考文档位于源代码的 docs/prompts-api.md。",
    "docs.papers_heading": "## 论文解读 API",
    "docs.papers_md": (
        "在脚本和应用中使用**论文**页面：`POST {origin}/papers/v1/papers` 上传 PDF，对它 `GET` 可跟踪解析进度并取得论文结构，"
        "`POST .../reading` 开始深度解读并轮询到完成，`POST .../ask` 回答问题；每条陈述和每个回答都带页码和在该页找到的引文。"
        "请使用你自己的 API 密钥：你拿到的就是你在页面上能看到的论文，模型调用的用量计入该密钥。"
    ),
    "docs.papers_reference": "参考：所有接口及其 curl 示例、轮询、响应和错误",
    "docs.papers_missing": "参考文档位于源代码的 docs/papers-api.md。",
    "docs.admin_heading": "## 管理 HTTP API",
    "docs.admin_md": (
        "供自动化使用：用户、密钥、密钥申请、用量和审计日志，位于 `{origin}/admin/v1` 下。**需要管理员密钥**："
        "主密钥，或属于在职管理员的 API 密钥；其他密钥返回 403（`admin_only`），没有密钥返回 401。"
        "请求体和响应均为 JSON（时间为 ISO 8601 格式，UTC），错误格式与 `/v1` 相同，每次修改都写入审计日志，"
        "管理调用不计入密钥的限制。示例从 `MAAS_ADMIN_KEY` 读取密钥。\n\n"
        "新密钥的明文只在 `POST /admin/v1/keys` 的响应中出现一次。批准申请不会返回密钥：由申请人在 **我的账户** 中查看一次。"
    ),
    "docs.col_method": "方法",
    "docs.col_path": "路径",
    "docs.col_params": "请求体字段或查询参数（? 表示可选）",
    "docs.col_does": "作用",
    "docs.admin_users_list": "列出所有用户（不含密码哈希）。",
    "docs.admin_users_create": "创建用户（角色 member 或 admin），返回 201 和该用户。不设密码时，该账户在设置密码之前无法用密码登录。",
    "docs.admin_users_update": "修改角色、停用或启用账户（停用后其密钥立即失效），或重置密码；至少提供一个字段。",
    "docs.admin_keys_list": "列出密钥（从不包含明文），用 user_id 只看某个用户的。",
    "docs.admin_keys_create": "直接为用户签发密钥：模型（null 表示全部模型）、限制、有效期；返回 201，明文只在这次响应中出现。",
    "docs.admin_keys_revoke": "吊销密钥：此后使用它的请求都会被拒绝。",
    "docs.admin_apps_list": "列出密钥申请，可按状态筛选。",
    "docs.admin_apps_approve": "批准申请，可减少模型、设置限制和有效期；申请人在工作台中查看一次新密钥。",
    "docs.admin_apps_reject": "拒绝申请，并附上申请人能看到的理由。",
    "docs.admin_usage": "某段日期内的用量（默认最近 30 天，UTC），以 JSON 返回各项统计；format=csv 返回每天的 token 数。",
    "docs.admin_audit": "审计日志，最新的在前（limit 最大 1000）。",
    # release notes
    "docs.notes_heading": "## 模型更新日志",
    "docs.no_notes": "还没有更新日志。",
    "docs.col_day": "日期",
    "docs.col_change": "变更",
    "docs.col_note": "说明",
    "docs.change_added": "新增",
    "docs.change_updated": "更新",
    "docs.change_retired": "下线",
    "docs.notes_admin": "添加或删除更新日志（管理员）",
    "docs.f_change": "变更类型",
    "docs.f_model": "模型",
    "docs.f_model_info": "目录中的模型，也可以输入已下线模型的名称",
    "docs.f_day": "日期",
    "docs.f_day_info": "留空表示今天（UTC）",
    "docs.f_title": "标题",
    "docs.f_body": "详细说明（可选）",
    "docs.add_note": "添加",
    "docs.f_pick": "要删除的日志",
    "docs.delete_note": "删除",
    "docs.note_added": "已添加更新日志，见上方列表。",
    "docs.note_deleted": "已删除更新日志。",
    "docs.err_day": "日期：请按 YYYY-MM-DD 格式填写，例如 2026-03-01；留空表示今天。",
    "docs.err_choose_note": "请先选择要删除的更新日志。",
}
