"""What release notes say to users: en and zh templates by code (``shared.messages.Catalogue``, plain data)."""

from __future__ import annotations

from shared.messages import Catalogue

EN: dict[str, str] = {
    "release_note.change": "Change: one of {changes}.",
    "release_note.model": "Model: name the model this note is about.",
    "release_note.title": "Title: 2 to {most} characters (now {now}).",
    "release_note.body": "Details: at most {most} characters (now {now}).",
    "release_note.not_found": "No such release note: reload the page.",
}

ZH: dict[str, str] = {
    "release_note.change": "变更类型：须为 {changes} 之一。",
    "release_note.model": "模型：请写明这条说明针对的模型。",
    "release_note.title": "标题：须为 2 到 {most} 个字符（现在 {now} 个）。",
    "release_note.body": "详情：最多 {most} 个字符（现在 {now} 个）。",
    "release_note.not_found": "没有这条发布说明：请刷新页面。",
}

MESSAGES = Catalogue(EN, ZH)
