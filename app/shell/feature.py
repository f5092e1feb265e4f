"""What the handlers of a feature's page (prompts, papers) share: who is asking, looked up again from the session on
every call (refused readably when signed out or when the feature is not available on this server), and the models
offered (the gateway's chat models, the embedded one first, read afresh: an admin may change them).

    class PapersContext(FeatureContext):
        unavailable = "papers.unavailable"
    caller = ctx.who(lang, request)        # Caller(locale, user_id)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.shell.access import error, locale_of, signed_in
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
