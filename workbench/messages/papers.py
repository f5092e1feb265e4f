"""What paper deep-reading says (uploads, readings, questions, comparisons): en and zh by code, plain data. The codes
are the ``PaperError`` keys of ``workbench/papers/`` (``paper.<code>``); ``paper.doing.*`` are never raised: they
name an action inside ``paper.forbidden``.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "paper.not_found": "No such paper, or it is not shared with you. Open it from your papers list; a paper is seen "
                       "by its team (or its uploader) only.",
    "paper.forbidden": "You cannot {doing}: it needs the {needed} role in the paper's team, and {you}.",
    "paper.doing.read": "read this paper",
    "paper.doing.write": "read it with a model, ask about it or compare it",
    "paper.doing.manage": "move or delete this paper",
    "paper.team_viewer": "Viewers cannot add papers to a team; ask its owner or an admin for the member role.",
    "paper.not_pdf": "“{filename}” is not a PDF. Paper reading takes PDF files; save the paper as PDF and upload it "
                     "again.",
    "paper.not_ready": "“{title}” is still being read from its PDF ({done} of {total} pages). Try again when it is "
                       "ready.",
    "paper.parse_failed": "“{title}” could not be read: {reason}",
    "paper.page": "The paper has no page {page}; its pages are 1 to {pages}.",
    "paper.lang": "“{lang}” is not a language a reading is written in: choose zh (Chinese) or en (English).",
    "paper.question": "Ask a question about the paper (at most {most} characters).",
    "paper.compare_count": "Choose from 2 to 5 papers to compare; {count} were chosen.",
    "paper.compare_twice": "“{title}” is chosen twice; choose different papers to compare.",
    "paper.model_failed": "The model could not read the paper: {reason}",
    "paper.cancelled": "The reading was stopped. What was read so far is kept; start it again to finish it.",
    "paper.thread": "No such question thread for this paper; start a new one.",
}

ZH: dict[str, str] = {
    "paper.not_found": "没有这篇论文，或它没有共享给你。请从你的论文列表中打开；论文只有所属团队（或上传者）能看到。",
    "paper.forbidden": "你不能{doing}：这需要论文所在团队的{needed}角色，而{you}。",
    "paper.doing.read": "阅读这篇论文",
    "paper.doing.write": "用模型解读、提问或比较这篇论文",
    "paper.doing.manage": "移动或删除这篇论文",
    "paper.team_viewer": "查看者不能向团队添加论文；请向团队所有者或管理员申请成员角色。",
    "paper.not_pdf": "“{filename}”不是 PDF 文件。论文解读只接受 PDF，请将论文另存为 PDF 后重新上传。",
    "paper.not_ready": "“{title}”的 PDF 还在读取中（已读 {done}/{total} 页），请在读取完成后再试。",
    "paper.parse_failed": "无法读取“{title}”：{reason}",
    "paper.page": "论文没有第 {page} 页；它的页码是 1 到 {pages}。",
    "paper.lang": "“{lang}”不是可用的解读语言：请选择 zh（中文）或 en（英文）。",
    "paper.question": "请输入关于这篇论文的问题（最多 {most} 个字符）。",
    "paper.compare_count": "请选择 2 到 5 篇论文进行比较；当前选择了 {count} 篇。",
    "paper.compare_twice": "“{title}”被选择了两次；请选择不同的论文进行比较。",
    "paper.model_failed": "模型无法解读这篇论文：{reason}",
    "paper.cancelled": "解读已停止。已读出的内容会保留；重新开始即可继续完成。",
    "paper.thread": "这篇论文没有这个问答记录；请开始新的提问。",
}
