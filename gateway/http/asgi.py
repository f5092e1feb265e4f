"""ASGI helpers of the gateway's hand-rolled ``/v1`` (``gateway.http.api``): a request header, a JSON body within a
size limit (``/admin/v1`` reads its bodies with it too), a JSON response, and work cancelled when the client hangs
up. No framework: these run on the ~0.1 ms request path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson

from gateway.errors import InvalidRequest, PayloadTooLarge

JSON = [(b"content-type", b"application/json")]
SSE = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
       (b"x-accel-buffering", b"no")]


def header(scope: dict, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def send_json(send: Callable, status: int, body: object, request_id: str,
                    extra: dict[str, str] | None = None) -> None:
    payload = orjson.dumps(body)
    headers = [*JSON, (b"content-length", str(len(payload)).encode()), (b"x-request-id", request_id.encode())]
    for k, v in (extra or {}).items():
        headers.append((k.lower().encode(), v.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def read_json(scope: dict, receive: Callable, limit: int) -> dict:
    """The request body as a JSON object; 413 over ``limit`` bytes, 400 when not a JSON object."""
    length = header(scope, b"content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"The request body is {int(length)} bytes; the limit is {limit} bytes.")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise InvalidRequest("The request body is not valid JSON: send a JSON object with 'Content-Type: "
                             "application/json'.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_json")
    return body


async def until_disconnect(receive: Callable, work: Awaitable):
    """Await ``work`` in this task; if the client goes away first, cancel it (and so the upstream call).

    One watcher task per request reads the ASGI receive channel, which says ``http.disconnect``
    when the client hangs up; the caller sees ``asyncio.CancelledError``.
    """
    current = asyncio.current_task()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        current.cancel()

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        return await work
    finally:
        watcher.cancel()
