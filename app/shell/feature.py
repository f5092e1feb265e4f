"""What the handlers of a feature's page (prompts, papers) share: who is asking, looked up again from the session on
every call (refused readably when signed out or when the feature is not available on this server), and the models
offered (the gateway's chat models, the embedded one first, read afresh: an admin may change them).

    class PapersContext(FeatureContext):
        unavailable = "papers.unavailable"
        parts, outputs = FORMS, OUTPUTS     # the page's app.shell.forms.Form per part, its outputs by name
    caller = ctx.who(lang, request)        # Caller(locale, user_id)
    return ctx.refused("lib", caller, exc) # the part's notice says why, the box it names is marked
    on, quick = wiring(p, OUTPUTS, FIELDS, p["lang"])    # on(button.click, handler, "input", ...) in the page
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.shell.access import WITH_LANG_JS, error, locale_of, signed_in
from app.shell.forms import focus_js, problem_of
from app.shell.i18n import translate
from gateway.routing.catalogue import EMBEDDED_CHAT_ID


@dataclass(frozen=True)
class Caller:
    """The signed-in user of a handler and the page's language."""

    locale: str
    user_id: str


class FeatureContext:
    """The gateway and a feature's service (None: the feature is not available; ``unavailable`` names the words)."""

    unavailable = ""
    parts: dict[str, Any] = {}          # each part's app.shell.forms.Form
    outputs: tuple[str, ...] = ()

    def __init__(self, gateway: Any, service: Any) -> None:
        self.gateway, self.service = gateway, service

    def who(self, lang: str | None, request: gr.Request | None) -> Caller:
        """The signed-in caller (a readable error otherwise), and the service there (else: it is not available)."""
        locale = locale_of(lang, request)
        actor = signed_in(self.gateway.console, request, locale)
        if self.service is None:
            raise error(translate(self.unavailable, locale), locale)
        return Caller(locale, actor.user_id)

    def models(self) -> list[str]:
        """The gateway's chat models, the embedded one first."""
        found = [m.id for m in self.gateway.catalogue.models.values() if m.kind == "chat"]
        return sorted(found, key=lambda m: m != EMBEDDED_CHAT_ID)

    def model_or_default(self, model: str | None) -> str:
        models = self.models()
        return model if model else (models[0] if models else "")

    @staticmethod
    def field_of(field: str | None) -> str | None:
        """A service's field name as the page's parts name it (the same, unless a page says otherwise)."""
        return field

    def refused(self, part: str, caller: Caller, exc: BaseException, **also: Any) -> tuple[Any, ...]:
        """A part's refusal: its notice says it, the box it names is marked, nothing typed is lost."""
        field, message = problem_of(exc, caller.locale)
        return self.accepted_over(self.parts[part].refused([(self.field_of(field), message)], caller.locale), **also)

    def accepted(self, part: str, caller: Caller, **values: Any) -> tuple[Any, ...]:
        return self.parts[part].accepted(caller.locale, **values)

    def accepted_over(self, out: tuple[Any, ...], **values: Any) -> tuple[Any, ...]:
        """``out`` (a handler's answer) with some outputs set as well."""
        changed = list(out)
        for name, value in values.items():
            changed[self.outputs.index(name)] = value
        return tuple(changed)


def wiring(p: dict[str, Any], outputs: Sequence[str], fields: Sequence[str], lang: Any) -> tuple[Any, dict[str, Any]]:
    """How a feature page wires its events: ``on(event, handler, *input names, **options)`` runs the handler with
    those inputs and the page's language, answers every output and puts the focus on a marked field; ``quick`` the
    options of its quiet events (load, timers)."""
    boxes = [p[name] for name in outputs]
    marked = [p[name].elem_id for name in fields]
    quick = {"js": WITH_LANG_JS, "show_progress": "hidden", "concurrency_limit": None, "outputs": boxes}

    def on(event: Any, fn: Any, *inputs: str, **options: Any) -> Any:
        done = event(fn, inputs=[*(p[name] for name in inputs), lang], **{**quick, **options})
        done.then(None, js=focus_js(marked), show_progress="hidden", queue=False)
        return done

    return on, quick
