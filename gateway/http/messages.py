"""What the gateway's HTTP edge (``gateway.http.edge``) says itself: en and zh templates by code.

Plain data (``shared.messages.Catalogue``), said in the caller's language by the envelope. Both tables have the
same codes and the same fields (tests/gateway/test_admin_api.py checks).
"""

from __future__ import annotations

from shared.messages import Catalogue

EN: dict[str, str] = {
    "internal_error": "Internal error.",
    "internal_error.request": "Internal error; the request id is {request_id}.",
    "admin.member_key": "The admin API takes the master key or a key of an active administrator; this key belongs to "
                        "a member.",
    "admin.admins_only": "Only administrators can do this.",
    "admin.unknown_field": "Unknown field '{field}': this route takes {fields}.",
    "admin.unknown_field.none": "Unknown field '{field}': this route takes no fields.",
    "admin.required": "{name}: required.",
    "admin.text": "{name}: must be text.",
    "admin.flag": "{name}: must be true or false.",
    "admin.whole": "{name}: a whole number of 1 or more, or null for no limit.",
    "admin.models": "models: a list of model ids, or null for every model.",
    "admin.when": "{name}: an ISO 8601 date-time such as 2026-12-31T23:59:59Z, or null.",
    "admin.day": "{name}: a date as YYYY-MM-DD, e.g. 2026-03-01.",
    "admin.count": "{name}: a whole number from 0 to {high}.",
    "admin.method": "Method {method} is not allowed on {path}; use {allowed}.",
    "admin.unknown_route": "Unknown admin route {method} {path}; the admin API has {prefix}/users, {prefix}/keys, "
                           "{prefix}/applications, {prefix}/usage and {prefix}/audit.",
    "admin.no_user": "No user with id '{id}': list them with GET {prefix}/users.",
    "admin.nothing_sent": "Send at least one of role, disabled, password.",
    "admin.role": "role: one of {roles}.",
    "admin.disable_self": "You cannot disable your own account.",
    "admin.no_key": "No key with id '{id}': list them with GET {prefix}/keys.",
    "admin.no_application": "No key application with id '{id}': list them with GET {prefix}/applications.",
    "admin.status": "status: one of {statuses}.",
    "admin.format": "format: json or csv.",
    "admin.window": "since: the window may span at most {days} days.",
}

ZH: dict[str, str] = {
    "internal_error": "内部错误。",
    "internal_error.request": "内部错误；请求编号为 {request_id}。",
    "admin.member_key": "管理 API 只接受主密钥或在职管理员的密钥；此密钥属于普通成员。",
    "admin.admins_only": "只有管理员可以执行此操作。",
    "admin.unknown_field": "未知字段“{field}”：此接口接受 {fields}。",
    "admin.unknown_field.none": "未知字段“{field}”：此接口不接受任何字段。",
    "admin.required": "{name}：必填。",
    "admin.text": "{name}：必须是文本。",
    "admin.flag": "{name}：必须是 true 或 false。",
    "admin.whole": "{name}：须为不小于 1 的整数，或 null 表示不限。",
    "admin.models": "models：须为模型 id 列表，或 null 表示全部模型。",
    "admin.when": "{name}：须为 ISO 8601 日期时间，如 2026-12-31T23:59:59Z，或 null。",
    "admin.day": "{name}：须为 YYYY-MM-DD 格式的日期，如 2026-03-01。",
    "admin.count": "{name}：须为 0 到 {high} 之间的整数。",
    "admin.method": "{path} 不支持 {method} 方法；请使用 {allowed}。",
    "admin.unknown_route": "未知的管理接口 {method} {path}；管理 API 提供 {prefix}/users、{prefix}/keys、"
                           "{prefix}/applications、{prefix}/usage 和 {prefix}/audit。",
    "admin.no_user": "没有 id 为“{id}”的用户：请用 GET {prefix}/users 列出用户。",
    "admin.nothing_sent": "请至少发送 role、disabled、password 之一。",
    "admin.role": "role：须为 {roles} 之一。",
    "admin.disable_self": "不能停用你自己的账户。",
    "admin.no_key": "没有 id 为“{id}”的密钥：请用 GET {prefix}/keys 列出密钥。",
    "admin.no_application": "没有 id 为“{id}”的密钥申请：请用 GET {prefix}/applications 列出申请。",
    "admin.status": "status：须为 {statuses} 之一。",
    "admin.format": "format：须为 json 或 csv。",
    "admin.window": "since：时间范围最多 {days} 天。",
}

MESSAGES = Catalogue(EN, ZH)
