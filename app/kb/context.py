"""What every handler of the Knowledge page shares (``KBContext``): who is asking, the service's refusals as
readable messages (a refused form names its field), and the page's parts (``app.kb.states``) as the handlers
redraw them.

Each part is computed for the signed-in caller through ``workbench.kb.service.KnowledgeService`` (which
checks the permission on every call), never from what the page sent: a KB id from the page is only a
request, and an outsider's id is refused with the same words as a missing one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import gradio as gr

from app.kb import view
from app.kb.states import Choices, Documents, Lists, Opened, SettingsTab, SharingTab, Square, fields_of, kept
from app.shell.access import locale_of, signed_in
from app.shell.i18n import translate
from gateway.accounts.console import Console
from gateway.accounts.users import Accounts
from gateway.routing.catalogue import Catalogue
from workbench.documents import errors as document_errors
from workbench.documents.filetype import extension_kind
from workbench.errors import WorkbenchError
from workbench.kb.bases import PREFERRED_EMBEDDING
from workbench.kb.errors import Invalid, KBError
from workbench.kb.records import KnowledgeBase

if TYPE_CHECKING:
    from workbench.kb.service import KnowledgeService

MANAGERS = ("owner", "admin")
UPLOADERS = ("owner", "admin", "member")
TICK_SECONDS = 1.5                   # how often the documents table refreshes while something is pending
FIELD_LABELS = {"name": "kb.f_name", "description": "kb.f_description", "embedding_model": "kb.f_model",
                "chunk_tokens": "kb.f_chunk_tokens", "chunk_overlap": "kb.f_chunk_overlap", "team_id": "kb.f_team",
                "username": "kb.f_username", "expires_in": "kb.f_expiry", "query": "kb.f_question", "k": "kb.f_top_k",
                "confirm": "kb.f_confirm"}

# a folder's system and hidden files (.DS_Store, .git's files, Thumbs.db): left out of a folder upload, as from a zip
FOLDER_JUNK = re.compile(r"^(\..*|Thumbs\.db|desktop\.ini|Icon\r?)$", re.I)


@dataclass(frozen=True)
class Refused:
    """A file the page refused before reading it (too big, not a document), reported like a refused document."""

    name: str
    error: str
    error_zh: str
    status: str = "failed"


@dataclass(frozen=True)
class Picked:
    """A file of an upload: its name in the KB (unique within the upload), where Gradio put it, or why it is
    refused without being read."""

    name: str
    path: str
    refusal: Refused | None = None


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2).ext``, ``(3)``, … when the upload already has a file of that name (a folder's
    sub-folders can hold several ``index.md``): each stays its own document, told apart in the list."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{ext}"
    taken.add(candidate.lower())
    return candidate


def _named(error: WorkbenchError, name: str) -> Refused:
    return Refused(name, error.message, error.text("zh"))


def refused(key: str, locale: str, **fields: Any) -> gr.Error:
    """A refusal of the page's own (nothing chosen, no files, ...)."""
    return gr.Error(translate(key, locale, **fields), title=translate("shell.cannot_do", locale),
                    print_exception=False)


def field_error(field: str, locale: str, key: str, **fields: Any) -> gr.Error:
    """A form refusal of the page's own, naming the field by its label."""
    message = translate("kb.field_error", locale, field=translate(FIELD_LABELS[field], locale),
                        message=translate(key, locale, **fields))
    return gr.Error(message, title=translate("shell.cannot_do", locale), print_exception=False)


def service_error(exc: WorkbenchError, locale: str) -> gr.Error:
    """The service's refusal in the page's language; a bad form value names its field's label first."""
    text = exc.text(locale)
    label = FIELD_LABELS.get(exc.field or "")
    if label and isinstance(exc, Invalid):
        text = translate("kb.field_error", locale, field=translate(label, locale), message=text)
    return gr.Error(text, title=translate("shell.cannot_do", locale), print_exception=False)


def expiry(days: Any) -> timedelta | None:
    """A share link's lifetime from the expiry choice ("0" or nothing: never)."""
    number = int(days) if days and str(days).isdigit() else 0
    return timedelta(days=number) if number > 0 else None


class KBServices(Protocol):
    """What the Knowledge page uses of the gateway (``gateway.service.Gateway``)."""

    console: Console                    # who is signed in
    catalogue: Catalogue                # the embedding models offered (an admin's edit swaps it, live)
    accounts: Accounts                  # users' names (who made a share link, a team's personal space)


class KBContext:
    """The Knowledge page's services for its handlers (``knowledge`` None: every handler says it is off)."""

    def __init__(self, services: KBServices, knowledge: KnowledgeService | None) -> None:
        self.services, self.kb = services, knowledge

    @property
    def knowledge(self) -> KnowledgeService:
        """The knowledge service (every handler asks ``who`` first, which says so when there is none)."""
        if self.kb is None:
            raise RuntimeError("the knowledge bases are off: ask who() first")
        return self.kb

    # -- who, and refusals -------------------------------------------------------------------------------------
    def who(self, lang: str | None, request: gr.Request | None) -> tuple[str, str]:
        """(locale, user id) of the signed-in caller, looked up again on every call."""
        locale = locale_of(lang, request)
        actor = signed_in(self.services.console, request, locale)
        if self.kb is None:
            raise refused("kb.unavailable", locale)
        return locale, actor.user_id

    def call(self, locale: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``; a knowledge-base refusal becomes the page's readable message."""
        try:
            return fn(*args, **kwargs)
        except KBError as exc:
            raise service_error(exc, locale) from None

    def chosen(self, lang: str | None, request: gr.Request | None, kb_id: str | None) -> tuple[str, str, str]:
        """(locale, user id, KB id) for a handler that needs an open KB."""
        locale, uid = self.who(lang, request)
        if not kb_id:
            raise refused("kb.choose_kb", locale)
        return locale, uid, kb_id

    # -- uploads ---------------------------------------------------------------------------------------------
    def limits(self) -> tuple[int, int]:
        """(largest document, largest zip archive) the ingestion takes, in bytes."""
        ingestion = self.knowledge.ingestion            # read only: its limits, never its methods
        return ingestion.max_bytes, getattr(ingestion, "max_archive_bytes", ingestion.max_bytes)

    def screen(self, paths: Sequence[str], *, folder: bool = False) -> list[Picked]:
        """The files of an upload, named (unique within it) and checked before any is read: a type the ingestion
        does not take, or a size over its limit (read from the disk), is refused with the ingestion's own words.
        A folder's system and hidden files are left out, and its files without an extension are refused (a
        folder holds many files that are not documents); picked files without one are sniffed by the ingestion."""
        max_bytes, max_archive = self.limits()
        taken: set[str] = set()
        picked = []
        for path in paths:
            original = Path(path).name
            if folder and FOLDER_JUNK.match(original):
                continue
            name = unique_name(original, taken)
            suffix, kind = extension_kind(name)
            if (suffix and kind is None and suffix != ".zip") or (folder and not suffix):
                picked.append(Picked(name, path, _named(document_errors.unsupported(name, archives=True), name)))
                continue
            try:
                size = os.path.getsize(path)
                archive = suffix == ".zip"
                if not suffix:                          # a picked file without an extension: a zip by its bytes?
                    with open(path, "rb") as head:
                        archive = head.read(4) == b"PK\x03\x04"
            except OSError:
                picked.append(Picked(name, path, Refused(name, translate("kb.upload_unreadable", "en", name=name),
                                                         translate("kb.upload_unreadable", "zh", name=name))))
                continue
            limit = max_archive if archive else max_bytes
            too_large = document_errors.too_large(name, size, limit) if size > limit else None
            picked.append(Picked(name, path, _named(too_large, name) if too_large else None))
        return picked

    # -- choices ---------------------------------------------------------------------------------------------
    def embedding_models(self) -> list[str]:
        """The catalogue's embedding models, the preferred one for a new KB first (``workbench.kb.bases``)."""
        found = [m.id for m in self.services.catalogue.models.values() if m.kind == "embedding"]
        return sorted(found, key=lambda m: m != PREFERRED_EMBEDDING)

    def team_choices(self, uid: str, locale: str, roles: tuple[str, ...] = MANAGERS) -> list[tuple[str, str]]:
        """The caller's teams with one of ``roles`` (the personal space first, named as such)."""
        return [(view.t(locale, "kb.personal_space") if team.personal_of else team.name, team.id)
                for team in self.knowledge.teams.list_for(uid) if team.role in roles]

    def name_of(self, user_id: str) -> str:
        """A user's name (the gateway's accounts), or the id of one since deleted."""
        user = self.services.accounts.get(user_id)
        return user.username if user is not None else user_id

    def names(self, user_ids: set[str]) -> dict[str, str]:
        """user id -> username (the gateway's accounts)."""
        return {uid: self.name_of(uid) for uid in user_ids}

    # -- the lists -------------------------------------------------------------------------------------------
    def lists(self, uid: str, locale: str, query: str | None, current: str | None = None) -> Lists:
        """My KBs (table, picker) and the square (table, picker); ``current`` stays picked where listed."""
        mine = view.named_spaces(self.knowledge.bases.list_visible(uid), uid, locale, self.name_of)
        q = (query or "").strip() if isinstance(query, str) else ""
        square = view.named_spaces(self.knowledge.sharing.square(uid, q), uid, locale, self.name_of)
        mine_ids = {v.kb.id for v in mine}
        square_ids = {e.kb.id for e in square}
        return Lists(mine_html=view.mine_html(mine, locale),
                     mine_pick=gr.update(choices=view.mine_choices(mine, locale),
                                         value=current if current in mine_ids else None),
                     square_html=view.square_html(square, locale, q),
                     square_pick=gr.update(choices=view.square_choices(square),
                                           value=current if current in square_ids else None))

    def form(self, uid: str, locale: str, team_id: str | None = None, model: str | None = None) -> Choices:
        """The create form's teams (those the caller manages) and embedding models; what was chosen stays chosen
        while it is still offered."""
        teams, models = self.team_choices(uid, locale), self.embedding_models()
        team_ids = [t_id for _, t_id in teams]
        return Choices(
            c_team=gr.update(choices=teams, value=team_id if team_id in team_ids else (team_ids[0] if teams else None)),
            c_model=gr.update(choices=models, value=model if model in models else (models[0] if models else None)))

    def square(self, uid: str, locale: str, query: str | None) -> Square:
        q = (query or "").strip() if isinstance(query, str) else ""
        square = view.named_spaces(self.knowledge.sharing.square(uid, q), uid, locale, self.name_of)
        return Square(square_html=view.square_html(square, locale, q),
                      square_pick=gr.update(choices=view.square_choices(square), value=None))

    # -- one KB ----------------------------------------------------------------------------------------------
    def role(self, uid: str, kb_id: str) -> str | None:
        return self.knowledge.access.kb_role(uid, kb_id)

    def team_name(self, uid: str, kb: KnowledgeBase, locale: str) -> str | None:
        knowledge = self.knowledge
        for e in [*knowledge.bases.list_visible(uid), *knowledge.sharing.square(uid)]:
            if e.kb.id == kb.id:
                return view.space_name(e.team_name, e.person, uid, locale, self.name_of)
        return None

    def header(self, uid: str, locale: str, kb_id: str) -> tuple[KnowledgeBase, str]:
        """(the KB with counts, its header) — refused when the caller may not read it."""
        kb = self.call(locale, self.knowledge.bases.get, uid, kb_id)
        role = self.role(uid, kb.id) or "reader"
        return kb, view.header_html(kb, role, self.team_name(uid, kb, locale), locale)

    def documents(self, uid: str, locale: str, kb_id: str, current: str | None) -> Documents:
        """The open KB's header, documents table, document picker and the refresh timer (on while pending)."""
        kb, head = self.header(uid, locale, kb_id)
        docs = self.call(locale, self.knowledge.documents, uid, kb_id)
        ids = {d.id for d in docs}
        return Documents(head=head, docs_html=view.reembedding_html(kb, locale) + view.documents_html(docs, locale),
                         doc_pick=gr.update(choices=view.document_choices(docs, locale),
                                            value=current if current in ids else None),
                         timer=gr.Timer(TICK_SECONDS, active=view.pending(docs, kb)))

    def sharing(self, uid: str, locale: str, kb_id: str) -> SharingTab:
        """The sharing tab for a manager: public state (and the button that changes it), links (table, picker),
        grants (table, picker), teams to grant to. Blank for anyone else (the tab is hidden and every sharing
        call is refused anyway)."""
        if self.role(uid, kb_id) not in MANAGERS:
            blank = {name: gr.update(choices=[], value=None) for name in ("link_pick", "grant_pick", "grant_team")}
            return kept(SharingTab, public_html="", links_html="", grants_html="", **blank)
        knowledge = self.knowledge
        kb = self.call(locale, knowledge.access.require_kb, uid, kb_id, "manage")
        links = self.call(locale, knowledge.sharing.links, uid, kb_id)
        grants = self.call(locale, knowledge.sharing.grants, uid, kb_id)
        teams = [(team.name, team.id) for team in knowledge.teams.list_for(uid)
                 if not team.personal_of and team.id != kb.team_id]
        makers = self.names({link.created_by for link in links})
        return SharingTab(public_html=view.sharing_state_html(kb, locale), publish_btn=gr.update(visible=not kb.public),
                          unpublish_btn=gr.update(visible=kb.public), links_html=view.links_html(links, makers, locale),
                          link_pick=gr.update(choices=view.link_choices(links, locale), value=None),
                          grants_html=view.grants_html(grants, locale),
                          grant_pick=gr.update(choices=view.grant_choices(grants, locale), value=None),
                          grant_team=gr.update(choices=teams, value=None))

    def settings(self, uid: str, locale: str, kb_id: str) -> SettingsTab:
        """The settings tab's fields (a manager's KB), else left as they are."""
        if self.role(uid, kb_id) not in MANAGERS:
            return kept(SettingsTab)
        kb = self.call(locale, self.knowledge.bases.get, uid, kb_id)
        models = self.embedding_models()
        if kb.embedding_model not in models:
            models = [kb.embedding_model, *models]
        moving = view.moving_to(kb)
        return SettingsTab(s_name=kb.name, s_desc=kb.description,      # a re-embedding under way: its target
                           s_model=gr.update(choices=models, value=moving.model if moving else kb.embedding_model),
                           s_tokens=kb.chunk_tokens, s_overlap=kb.chunk_overlap, confirm="")

    def opened(self, uid: str, locale: str, kb_id: str) -> Opened:
        """Everything the page shows for an open KB, by the caller's role."""
        self.call(locale, self.knowledge.access.require_kb, uid, kb_id, "read")
        role = self.role(uid, kb_id)
        uploads, manages = role in UPLOADERS, role in MANAGERS
        return Opened(**fields_of(self.documents(uid, locale, kb_id, None), self.sharing(uid, locale, kb_id),
                                  self.settings(uid, locale, kb_id)),
                      kb_box=kb_id, open_col=gr.update(visible=True), upload_col=gr.update(visible=uploads),
                      doc_actions=gr.update(visible=uploads), download="", hits="", search_note="",
                      sharing_tab=gr.update(visible=manages), settings_tab=gr.update(visible=manages),
                      link_box=gr.update(value="", visible=False))

    @staticmethod
    def closed() -> Opened:
        """The open-KB area emptied and hidden (nothing open). Every update is its own dict: Gradio takes the
        value out of the one it is handed."""
        blank, hidden = ({"choices": [], "value": None}, {"visible": False})
        return Opened(
            kb_box="", open_col=gr.update(**hidden), head="", upload_col=gr.update(**hidden), docs_html="",
            doc_pick=gr.update(**blank), doc_actions=gr.update(**hidden), timer=gr.Timer(TICK_SECONDS, active=False),
            download="", hits="", search_note="", sharing_tab=gr.update(**hidden), settings_tab=gr.update(**hidden),
            public_html="", publish_btn=gr.update(), unpublish_btn=gr.update(), links_html="",
            link_pick=gr.update(**blank), grants_html="", grant_pick=gr.update(**blank), grant_team=gr.update(**blank),
            link_box=gr.update(value="", visible=False), s_name="", s_desc="", s_model=gr.update(), s_tokens=None,
            s_overlap=None, confirm="")
