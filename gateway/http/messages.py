"""What the gateway's HTTP edge (``gateway.http.edge``) says itself: en and zh templates by code.

Plain data (``shared.messages.Catalogue``), said in the caller's language by the envelope. Both tables have the
same codes and the same fields (tests/gateway/test_admin_api.py checks).
"""

from __future__ import annotations

from shared.messages import Catalogue

EN: dict[str, str] = {
    "internal_error": "Internal error.",
    "internal_error.request": "Internal error; the request id is {request_id}.",
}

ZH: dict[str, str] = {
    "internal_error": "内部错误。",
    "internal_error.request": "内部错误；请求编号为 {request_id}。",
}

MESSAGES = Catalogue(EN, ZH)
