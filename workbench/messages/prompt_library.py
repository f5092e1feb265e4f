"""What the prompt studio's library says (prompts, versions, labels; generating, improving, runs, optimisations):
en and zh by code, plain data. The codes are the ``PromptError`` keys of ``workbench/prompt_studio/``
(``prompt.<code>``); ``prompt.doing.*`` are never raised: they name an action inside ``prompt.forbidden``.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "prompt.not_found": "No such prompt, or it is not shared with you. Check its name; a prompt is seen by its "
                        "team (or its maker) until it is put in the square.",
    "prompt.version_not_found": "The prompt has no version {version}. Pick one from its versions.",
    "prompt.label_not_found": "No version of “{name}” is labelled “{label}”. Label one on the prompt's page, or ask "
                              "for version=N or label=latest.",
    "prompt.forbidden": "You cannot {doing}: it needs the {needed} role in the prompt's team, and {you}.",
    "prompt.doing.read": "read this prompt",
    "prompt.doing.write": "write versions, cases or labels of this prompt",
    "prompt.doing.manage": "rename, publish, move, delete it or move its production label",
    "prompt.team_viewer": "Viewers cannot add prompts to a team; ask its owner or an admin for the member role.",
    "prompt.name": "“{name}” cannot be a prompt's name: use 1 to 80 letters (Chinese too), digits, “_”, “-” and "
                   "“.”, starting with a letter or digit, no spaces (apps fetch it by this name).",
    "prompt.name_taken": "A prompt called “{name}” already exists; choose another name.",
    "prompt.too_long": "Too long: at most {most} characters.",
    "prompt.source": "“{source}” is not a way a version is made.",
    "prompt.label": "“{label}” cannot be a label: use 1 to 32 small letters, digits, “_”, “-” and “.”, e.g. "
                    "production, staging.",
    "prompt.label_latest": "“latest” always means the newest version; it cannot be moved. Use another label.",
    "prompt.too_many_labels": "A prompt has at most {most} labels; take one off first.",
    "prompt.param": "{name} must be a number from {low} to {high}.",
    "prompt.param_model": "The model's name is too long or not text.",
    "prompt_run.unreachable": "The model could not be reached through the workbench's API. Try again in a moment; "
                              "if it stays so, an admin can check the model servers.",
    "prompt_run.model_error": "The model did not answer (HTTP {status}): {reason}",
    "prompt_generate.task": "Describe the task: what the model is given and what it should answer.",
    "prompt_generate.task_long": "The task description is too long: at most {most} characters.",
    "prompt_generate.variable": "“{name}” cannot be a variable's name: use a letter (Chinese too) or “_” first, "
                                "then letters, digits or “_”.",
    "prompt_generate.model_failed": "The model could not do it: {reason}",
    "prompt_generate.count": "Draft from 1 to {most} cases at a time.",
    "prompt_improve.feedback_long": "What you want changed is too long: at most {most} characters.",
    "prompt_improve.no_rewrite": "The model did not write a new version of the prompt. Try again, or with a larger "
                                 "model.",
    "prompt_improve.dropped": "The rewrite drops {count} requirement(s) of the original, e.g. “{first}”. Look at the "
                              "checklist; accept anyway only if you mean to drop them.",
    "prompt_optimise.model_failed": "The model under test did not answer any case, so the optimisation stopped: "
                                    "{reason}",
    "prompt_run.no_cases": "Add test cases first: the table is empty.",
    "prompt_run.no_graders": "Choose how the answers are graded first (Cases, Graders): e.g. exact, or JSON fields.",
    "prompt_run.versions": "Choose 1 to {most} versions to run.",
    "prompt_run.models": "Choose 1 to {most} models to run on.",
    "prompt_optimise.failed": "The optimisation stopped on an unexpected error. Try again; if it stays so, try fewer "
                              "rounds or another model.",
    "prompt_yaml.too_big": "The YAML file is too big: at most {most}.",
    "prompt_yaml.unreadable": "The YAML cannot be read (near line {line}). Check its indentation and quotes.",
    "prompt_yaml.not_config": "This YAML is not a promptfoo configuration: it should have prompts and tests.",
    "prompt_yaml.vars": "A test's vars must be a mapping of variable names to values.",
}

ZH: dict[str, str] = {
    "prompt.not_found": "没有这个提示词，或它没有共享给你。请检查名称；"
                        "提示词在放入广场之前只有所属团队（或创建者）能看到。",
    "prompt.version_not_found": "该提示词没有第 {version} 版，请从版本列表中选择。",
    "prompt.label_not_found": "“{name}”没有标为“{label}”的版本。请在提示词页面给某个版本打上该标签，或改用 version=N "
                              "或 label=latest。",
    "prompt.forbidden": "你不能{doing}：需要在提示词所属团队中担任{needed}，而{you}。",
    "prompt.doing.read": "查看这个提示词",
    "prompt.doing.write": "为这个提示词添加版本、用例或标签",
    "prompt.doing.manage": "重命名、发布、移动、删除它或移动其 production 标签",
    "prompt.team_viewer": "只读成员不能向团队添加提示词；请让团队所有者或管理员把你设为成员。",
    "prompt.name": "“{name}”不能作为提示词名称：请使用 1 到 80 个字母（可用中文）、数字、“_”、“-”和“.”，"
                   "以字母或数字开头，不含空格（应用按此名称获取它）。",
    "prompt.name_taken": "已有名为“{name}”的提示词，请换一个名称。",
    "prompt.too_long": "太长了：最多 {most} 个字符。",
    "prompt.source": "“{source}”不是版本的来源类型。",
    "prompt.label": "“{label}”不能作为标签：请使用 1 到 32 个小写字母、数字、“_”、“-”和“.”，例如 production、staging。",
    "prompt.label_latest": "“latest”始终指最新版本，不能移动。请换一个标签。",
    "prompt.too_many_labels": "一个提示词最多 {most} 个标签，请先移除一个。",
    "prompt.param": "{name} 必须是 {low} 到 {high} 之间的数。",
    "prompt.param_model": "模型名称太长或不是文本。",
    "prompt_run.unreachable": "无法通过工作台的 API 连接到模型。请稍后再试；如果一直如此，请管理员检查模型服务。",
    "prompt_run.model_error": "模型没有回答（HTTP {status}）：{reason}",
    "prompt_generate.task": "请描述任务：模型会得到什么，应当回答什么。",
    "prompt_generate.task_long": "任务描述太长：最多 {most} 个字符。",
    "prompt_generate.variable": "“{name}”不能作为变量名：请以字母（可用中文）或“_”开头，后面是字母、数字或“_”。",
    "prompt_generate.model_failed": "模型未能完成：{reason}",
    "prompt_generate.count": "每次可起草 1 到 {most} 个用例。",
    "prompt_improve.feedback_long": "修改要求太长：最多 {most} 个字符。",
    "prompt_improve.no_rewrite": "模型没有写出新版本的提示词。请重试，或换用更大的模型。",
    "prompt_improve.dropped": "改写丢掉了原提示词的 {count} 项要求，例如“{first}”。"
                              "请查看检查清单；只有确实要去掉它们时才强制接受。",
    "prompt_optimise.model_failed": "被测模型没有回答任何用例，优化已停止：{reason}",
    "prompt_run.no_cases": "请先添加测试用例：用例表是空的。",
    "prompt_run.no_graders": "请先选择评分方式（测试用例 → 评分器），例如完全匹配或 JSON 字段。",
    "prompt_run.versions": "请选择 1 到 {most} 个版本来运行。",
    "prompt_run.models": "请选择 1 到 {most} 个模型来运行。",
    "prompt_optimise.failed": "优化因意外错误而停止。请重试；如果仍然如此，请减少轮数或换一个模型。",
    "prompt_yaml.too_big": "YAML 文件太大：最多 {most}。",
    "prompt_yaml.unreadable": "无法读取该 YAML（约第 {line} 行）。请检查缩进和引号。",
    "prompt_yaml.not_config": "这个 YAML 不是 promptfoo 配置：它应包含 prompts 和 tests。",
    "prompt_yaml.vars": "测试的 vars 必须是“变量名 → 值”的映射。",
}
