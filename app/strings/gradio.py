"""Words of Gradio's own components (6.31) that a Chinese page would otherwise show in English.

``EN`` / ``ZH``: keys of Gradio's own dictionaries that its zh-CN table lacks; ``gr.I18n`` merges them into the
browser's dictionaries, where a zh-CN page finds them under "zh" (the chat's "Copy message" was English).

``ATTRIBUTES_ZH`` / ``PREFIXES_ZH``: tooltips and labels Gradio writes in English without a dictionary key (the
copy buttons' "Copy", the chat's "Copy conversation", a slider's "range slider for <label>", ...). On a Chinese
page ``app.shell`` swaps them for these as they appear (title, aria-label, alt and placeholder attributes).
"""

EN: dict[str, str] = {
    "chatbot.copy_message": "Copy message",
    "chatbot.copied_message": "Copied message",
    "chatbot.complete": "Complete",
    "common.download_all": "Download All",
    "common.progress": "Progress",
    "common.record": "Record",
    "common.stop_recording": "Stop Recording",
    "common.run": "Run",
    "common.runs": "Runs",
    "common.runs_description": "View runs saved in this browser",
    "common.back_to_app": "App",
    "common.back_to_app_description": "Return to the app",
    "status.queue_position": "In queue: {position} of {size}",
}

ZH: dict[str, str] = {
    "chatbot.copy_message": "复制消息",
    "chatbot.copied_message": "已复制消息",
    "chatbot.complete": "完成",
    "common.download_all": "全部下载",
    "common.progress": "进度",
    "common.record": "录制",
    "common.stop_recording": "停止录制",
    "common.run": "运行",
    "common.runs": "运行记录",
    "common.runs_description": "查看保存在此浏览器中的运行记录",
    "common.back_to_app": "应用",
    "common.back_to_app_description": "返回应用",
    "status.queue_position": "排队中：第 {position} 位，共 {size} 位",
}

# exact English text of an attribute -> its Chinese
ATTRIBUTES_ZH: dict[str, str] = {
    "Copy": "复制",
    "Copied": "已复制",
    "Copied!": "已复制",
    "Copy conversation": "复制整个对话",
    "Copied conversation": "已复制整个对话",
    "More tabs": "更多标签页",
    "Reset to default value": "恢复默认值",
    "chatbot conversation": "对话内容",
    "Click to upload or drop files": "点击上传或拖放文件",
    "File upload": "上传文件",
    "Code input container": "代码输入框",
    "Gradio footer navigation": "Gradio 页脚导航",
    "Fold line": "折叠此行",
    "Unfold line": "展开此行",
    "Vega visualization": "图表",
    "Close": "关闭",
    "copy": "复制",
    "Download": "下载",
}
# a toast's title: Gradio 6.31 shows "Error" whatever title gr.Error was given (its frontend reads a field the
# server never sends), so the title of every refusal is this word on a Chinese page
TOAST_TITLES_ZH: dict[str, str] = {"Error": "无法完成", "Warning": "注意", "Info": "提示"}
# English start of an attribute -> the Chinese that replaces it (the rest, a label or a message, is kept)
PREFIXES_ZH: dict[str, str] = {
    "number input for ": "数字输入：",
    "range slider for ": "滑块：",
    "user's message: ": "你的消息：",
    "bot's message: ": "回答：",
}
