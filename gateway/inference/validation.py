"""Request validation for the /v1 routes: each failure is a 400 naming the parameter.

Known parameters are type- and range-checked; unknown ones pass through to the model
server (vLLM's ``top_k``, ``min_p``, ``chat_template_kwargs`` ...), as LiteLLM does.
"""

from __future__ import annotations

from gateway.errors import InvalidRequest

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
IMAGE_PARTS = ("image_url", "input_image", "image")     # content part types that carry an image
_NUMBER = (int, float)


def _is_num(v) -> bool:
    return isinstance(v, _NUMBER) and not isinstance(v, bool)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _bad(param: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid '{param}': {message}", param=param)


def _range(body: dict, name: str, lo: float | None, hi: float | None, *, integer: bool = False) -> None:
    if name not in body or body[name] is None:
        return
    v = body[name]
    if not (_is_int(v) if integer else _is_num(v)):
        raise _bad(name, f"expected {'an integer' if integer else 'a number'}, got {type(v).__name__}.")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        bounds = f"between {lo} and {hi}" if lo is not None and hi is not None else (
            f"at least {lo}" if lo is not None else f"at most {hi}")
        raise _bad(name, f"must be {bounds}, got {v}.")


def require_model(body: dict) -> str:
    model = body.get("model")
    if model is None:
        raise InvalidRequest("Missing required parameter: 'model'.", param="model", code="missing_required_parameter")
    if not isinstance(model, str) or not model:
        raise _bad("model", "expected a non-empty string.")
    return model


def _messages(messages) -> None:
    if messages is None:
        raise InvalidRequest("Missing required parameter: 'messages'.", param="messages",
                             code="missing_required_parameter")
    if not isinstance(messages, list) or not messages:
        raise _bad("messages", "expected a non-empty array of message objects.")
    for i, m in enumerate(messages):
        p = f"messages[{i}]"
        if not isinstance(m, dict):
            raise _bad(p, "expected an object with 'role' and 'content'.")
        role = m.get("role")
        if role not in ROLES:
            raise _bad(f"{p}.role", f"expected one of {', '.join(ROLES)}, got {role!r}.")
        content = m.get("content")
        if content is None:
            if role == "assistant" and (m.get("tool_calls") or m.get("function_call")):
                continue
            if role in ("user", "system", "developer", "tool"):
                raise InvalidRequest(f"Missing required parameter: '{p}.content'.", param=f"{p}.content",
                                     code="missing_required_parameter")
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                    raise _bad(f"{p}.content[{j}]", "expected a content part object with a 'type'.")
                if part["type"] == "image_url":
                    image = part.get("image_url")
                    url = image.get("url") if isinstance(image, dict) else image
                    if not isinstance(url, str) or not url:
                        raise _bad(f"{p}.content[{j}].image_url",
                                   'expected {"url": "https://..." or "data:image/png;base64,..."}.')
        elif not isinstance(content, str):
            raise _bad(f"{p}.content", f"expected a string or an array of content parts, got {type(content).__name__}.")


def first_image_part(messages: list) -> str | None:
    """Where the first image content part is (``messages[i].content[j]``), or None."""
    for i, m in enumerate(messages):
        content = m.get("content") if isinstance(m, dict) else None
        if isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, dict) and part.get("type") in IMAGE_PARTS:
                    return f"messages[{i}].content[{j}]"
    return None


def validate_chat(body: dict) -> None:
    """Check a /v1/chat/completions body; raise InvalidRequest naming the first bad parameter."""
    require_model(body)
    _messages(body.get("messages"))
    _range(body, "temperature", 0, 2)
    _range(body, "top_p", 0, 1)
    _range(body, "max_tokens", 1, None, integer=True)
    _range(body, "max_completion_tokens", 1, None, integer=True)
    _range(body, "presence_penalty", -2, 2)
    _range(body, "frequency_penalty", -2, 2)
    _range(body, "repetition_penalty", 0.01, 10)
    _range(body, "seed", None, None, integer=True)
    _range(body, "n", 1, 1, integer=True)
    for flag in ("stream", "logprobs", "parallel_tool_calls"):
        if body.get(flag) is not None and not isinstance(body[flag], bool):
            raise _bad(flag, f"expected a boolean, got {type(body[flag]).__name__}.")
    stop = body.get("stop")
    if stop is not None:
        if isinstance(stop, str):
            pass
        elif not isinstance(stop, list) or len(stop) > 4 or not all(isinstance(s, str) for s in stop):
            raise _bad("stop", "expected a string or an array of up to 4 strings.")
    opts = body.get("stream_options")
    if opts is not None:
        if not isinstance(opts, dict):
            raise _bad("stream_options", "expected an object like {\"include_usage\": true}.")
        if opts.get("include_usage") is not None and not isinstance(opts["include_usage"], bool):
            raise _bad("stream_options.include_usage", "expected a boolean.")
    fmt = body.get("response_format")
    if fmt is not None:
        if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
            raise _bad("response_format", "expected {\"type\": \"text\" | \"json_object\" | \"json_schema\"}.")
        if fmt["type"] == "json_schema" and not isinstance(fmt.get("json_schema"), dict):
            raise _bad("response_format.json_schema", "expected an object with 'name' and 'schema'.")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise _bad("tools", "expected an array of tool objects.")
        for i, t in enumerate(tools):
            fn = t.get("function") if isinstance(t, dict) else None
            if not isinstance(t, dict) or t.get("type") != "function" or not isinstance(fn, dict) \
                    or not isinstance(fn.get("name"), str):
                raise _bad(f"tools[{i}]", "expected {\"type\": \"function\", \"function\": {\"name\": ...}}.")
    choice = body.get("tool_choice")
    if choice is not None and not (choice in ("none", "auto", "required") or isinstance(choice, dict)):
        raise _bad("tool_choice", "expected 'none', 'auto', 'required' or {\"type\": \"function\", ...}.")
    thinking = body.get("thinking")
    if thinking is not None:
        if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled"):
            raise _bad("thinking", 'expected {"type": "enabled", "budget_tokens": N} or {"type": "disabled"}.')
        if thinking["type"] == "enabled":
            budget = thinking.get("budget_tokens", 1024)
            if not _is_int(budget) or not 16 <= budget <= 32768:
                raise _bad("thinking.budget_tokens", "expected an integer between 16 and 32768.")


def validate_embeddings(body: dict) -> list[str] | None:
    """Check a /v1/embeddings body; return the inputs as a list of strings (None for token arrays)."""
    require_model(body)
    if "input" not in body:
        raise InvalidRequest("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    value = body["input"]
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        texts = value
    elif isinstance(value, list) and value and all(_is_int(v) or isinstance(v, list) for v in value):
        texts = None                       # token arrays: only an upstream can embed those
    else:
        raise _bad("input", "expected a string or a non-empty array of strings.")
    if texts is not None and len(texts) > 2048:
        raise _bad("input", f"at most 2048 inputs per request, got {len(texts)}.")
    fmt = body.get("encoding_format")
    if fmt is not None and fmt not in ("float", "base64"):
        raise _bad("encoding_format", f"expected 'float' or 'base64', got {fmt!r}.")
    _range(body, "dimensions", 1, None, integer=True)
    return texts


def validate_rerank(body: dict) -> list[str]:
    """Check a /v1/rerank body; return the document texts."""
    require_model(body)
    query = body.get("query")
    if not isinstance(query, str) or not query:
        raise InvalidRequest("Missing or empty 'query': expected a non-empty string.", param="query")
    docs = body.get("documents")
    if not isinstance(docs, list) or not docs:
        raise _bad("documents", "expected a non-empty array of strings or {\"text\": ...} objects.")
    texts = []
    for i, d in enumerate(docs):
        if isinstance(d, dict) and isinstance(d.get("text"), str):
            d = d["text"]
        if not isinstance(d, str):
            raise _bad(f"documents[{i}]", "expected a string or {\"text\": ...}.")
        texts.append(d)
    if len(texts) > 1000:
        raise _bad("documents", f"at most 1000 documents per request, got {len(texts)}.")
    _range(body, "top_n", 1, None, integer=True)
    if body.get("return_documents") is not None and not isinstance(body["return_documents"], bool):
        raise _bad("return_documents", "expected a boolean.")
    return texts
