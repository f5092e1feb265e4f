"""How a refused form answers: the message next to each bad field and in one notice, every field kept as typed.

Gradio marks every output of a handler that raises (``gr.Error``) with an error badge that covers the field
until its × is clicked. A form handler therefore never raises for bad input: it returns, and ``Form`` builds
what it returns — for a refusal, the notice, each bad field's message as its ``info`` (shown under its label,
in red through ``CSS``) and no new value for anything (what was typed stays); for a success, the handler's
values with every field's mark cleared. ``focus_first_bad`` then moves the keyboard focus to the first
marked field. Only the signed-in check still raises (a toast: nothing on the page is usable then).

Usage (a handler's outputs are named; the notice and the fields are among them)::

    APPLY = Form(("notice", "name", "email", "models"), fields={"name": "account.f_name_hint", ...},
                 aliases={"contact_name": "contact"})

    @APPLY.guard                       # FormError / WorkbenchError / Refusal -> APPLY.refused(...)
    def apply(name, email, models, lang, request):
        ...
        return APPLY.accepted(locale, notice="Submitted", name="", email="", models=[])

The event is wired with ``show_progress="hidden"`` (no badges even for an unexpected error) and
``focus_first_bad(event, components)``.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import gradio as gr

from app.shell.access import locale_of, refusal_text
from app.shell.i18n import translate
from gateway.errors import FormError
from workbench.errors import WorkbenchError

INVALID = "maas-invalid"
CSS = f"""
.{INVALID} .info-text {{ color: var(--error-text-color, #b91c1c) !important; font-weight: 600; }}
.{INVALID} input:not([type=checkbox]):not([type=radio]), .{INVALID} textarea,
.{INVALID} .wrap-inner {{ border-color: var(--error-border-color, #b91c1c) !important;
  box-shadow: 0 0 0 1px var(--error-border-color, #b91c1c); }}
.{INVALID} [data-testid=block-info], .{INVALID} legend {{ color: var(--error-text-color, #b91c1c); }}
"""
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~#])")     # what could turn a message into emphasis, a link or markup


class Refusal(Exception):
    """A page's own refusal of a field (nothing chosen, two passwords that differ): ``message`` is translated."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def refuse(field: str | None, key: str, locale: str, /, **fields: Any) -> Refusal:
    """``Refusal`` of ``field`` with the string ``key`` in ``locale``."""
    return Refusal(field, translate(key, locale, **fields))


def literal(text: object) -> str:
    """Text (a message quoting what the user typed) made literal inside Markdown."""
    return _MARKDOWN.sub(r"\\\1", "" if text is None else str(text))


def problem_of(exc: BaseException, locale: str) -> tuple[str | None, str]:
    """(field, message in ``locale``) of a refusal from a service or the page."""
    if isinstance(exc, Refusal):
        return exc.field, exc.message
    if isinstance(exc, FormError | WorkbenchError):
        return exc.field, exc.text(locale)
    return None, refusal_text(exc, locale)


class Form:
    """The outputs of one form's handler, by name: ``notice`` (a Markdown), the ``fields`` that can be marked
    (output name -> the string key of its usual ``info``, or None) and anything else (left alone on a refusal).

    ``aliases`` maps the services' field names (``FormError.field``) to output names."""

    def __init__(self, outputs: Sequence[str], fields: Mapping[str, str | None], *, notice: str = "notice",
                 aliases: Mapping[str, str] | None = None) -> None:
        missing = [name for name in (notice, *fields) if name not in outputs]
        if missing:
            raise ValueError(f"not among the outputs: {missing}")
        self.outputs, self.fields, self.notice = tuple(outputs), dict(fields), notice
        self.aliases = dict(aliases or {})

    def field_of(self, name: str | None) -> str | None:
        """The output a service's field name is shown on (None: the form has no such field)."""
        name = self.aliases.get(name or "", name)
        return name if name in self.fields else None

    def _clear(self, name: str, locale: str, update: Any = None) -> dict[str, Any]:
        """``update`` (a value or ``gr.update``) with the field's usual info and no mark."""
        key = self.fields[name]
        base = dict(update) if isinstance(update, dict) else {} if update is None else {"value": update}
        return {**gr.update(), **base, "info": translate(key, locale) if key else None, "elem_classes": []}

    def refused(self, problems: Iterable[BaseException | tuple[str | None, str]], locale: str) -> tuple[Any, ...]:
        """The outputs for a refusal: the notice, each bad field marked with its message, the other fields
        unmarked, nothing else changed (no field gets a value: what was typed stays)."""
        found = [p if isinstance(p, tuple) else problem_of(p, locale) for p in problems]
        marks: dict[str, list[str]] = {}
        for field, message in found:
            name = self.field_of(field)
            if name is not None:
                marks.setdefault(name, []).append(message)
        out: list[Any] = []
        for name in self.outputs:
            if name == self.notice:
                out.append(notice_text([message for _, message in found], locale))
            elif name in marks:
                out.append(gr.update(info=" ".join(marks[name]), elem_classes=[INVALID]))
            elif name in self.fields:
                out.append(self._clear(name, locale))
            else:
                out.append(gr.skip())
        return tuple(out)

    def accepted(self, locale: str, **values: Any) -> tuple[Any, ...]:
        """The outputs for a success: ``values`` by output name (a field's value or ``gr.update``, its mark
        cleared); an output not given is left as it is."""
        unknown = set(values) - set(self.outputs)
        if unknown:
            raise ValueError(f"not among the outputs: {sorted(unknown)}")
        out: list[Any] = []
        for name in self.outputs:
            if name in self.fields:
                out.append(self._clear(name, locale, values.get(name)))
            else:
                out.append(values[name] if name in values else gr.skip())
        return tuple(out)

    def guard(self, fn: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
        """``fn`` with its refusals (``FormError``, ``WorkbenchError``, ``Refusal``, ``PermissionError``)
        answered by ``refused`` in the language of its ``lang`` and ``request`` arguments."""
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
            try:
                return fn(*args, **kwargs)
            except (FormError, WorkbenchError, Refusal, PermissionError) as exc:
                bound = signature.bind_partial(*args, **kwargs).arguments
                return self.refused([exc], locale_of(bound.get("lang"), bound.get("request")))

        return guarded


def notice_text(messages: Sequence[str], locale: str) -> str:
    """One notice for a refusal (Markdown): the message, or how many fields to correct and each message."""
    if not messages:
        return ""
    if len(messages) == 1:
        return f"⚠️ {literal(messages[0])}"
    lines = "\n".join(f"- {literal(m)}" for m in messages)
    return f"⚠️ **{translate('forms.correct', locale, count=len(messages))}**\n\n{lines}"


def focus_js(elem_ids: Sequence[str]) -> str:
    """Browser code run after a form's handler: its marked fields get ``aria-invalid``, the first gets the focus."""
    return (
        "() => { const ids = " + json.dumps(list(elem_ids)) + "; setTimeout(() => { let first = null;"
        " for (const id of ids) { const block = document.getElementById(id); if (!block) continue;"
        f" const bad = block.classList.contains('{INVALID}');"
        " for (const el of block.querySelectorAll('input, textarea')) {"
        " if (bad) { el.setAttribute('aria-invalid', 'true'); } else { el.removeAttribute('aria-invalid'); } }"
        " if (bad && !first && block.offsetParent !== null) {"
        " first = block.querySelector('input:not([type=hidden]):not([disabled]), textarea:not([disabled])'); } }"
        " if (first) { first.focus(); first.scrollIntoView({block: 'center'}); } }, 80); return []; }")


def focus_first_bad(event: Any, components: Sequence[Any]) -> Any:
    """Chain the focus move after ``event`` (the components need an ``elem_id``); returns the chained event."""
    ids = [c.elem_id for c in components]
    if not all(ids):
        raise ValueError("every field of a form needs an elem_id to be focused")
    return event.then(None, js=focus_js(ids), show_progress="hidden", queue=False)


def wire(button: Any, fn: Any, inputs: list[Any], outputs: list[Any], fields: Sequence[Any], *, lang: Any,
         refresh: dict[str, Any] | None, then_refresh: bool = True, **common: Any) -> Any:
    """A form's button: ``fn`` on click with the page language last; the page's ``refresh`` after it succeeds
    (unless ``then_refresh`` is False); the first bad of ``fields`` focused when refused. Returns the click event."""
    event = button.click(fn, inputs=[*inputs, lang], outputs=outputs, **common)
    if then_refresh and refresh is not None:
        event.success(**refresh)
    focus_first_bad(event, fields)
    return event
