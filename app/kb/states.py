"""What the Knowledge page shows, as typed views (``app.shell.views``): the parts its handlers redraw, and each
handler's view built from them.

A part is a ``View`` of some of the page's components (``Lists``: my KBs and the square; ``Documents``: an open
KB's header, documents and timer; ...). A handler's view derives from the parts it redraws — dataclass fields are
inherited, so ``LoadView`` has every field of ``Lists``, ``Choices`` and ``Opened`` and its own ``notice`` — and is
built from them with ``fields_of``. Every field is named like its component in ``app.kb.page``, where
``View.pick`` maps them. The order of the fields is of no matter: ``pick`` and ``outputs`` follow the same one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

import gradio as gr

from app.shell.views import View

V = TypeVar("V", bound=View)


def fields_of(*parts: View) -> dict[str, Any]:
    """The parts' fields by name, to build a larger view: ``LoadView(**fields_of(lists, opened), notice=...)``."""
    return {f.name: getattr(part, f.name) for part in parts for f in dataclasses.fields(part)}


def kept(cls: type[V], **values: Any) -> V:
    """A ``cls`` that leaves every component as it is (``gr.update()``), but for ``values``."""
    return cls(**{f.name: values[f.name] if f.name in values else gr.update() for f in dataclasses.fields(cls)})


# ---------------------------------------------------------------- the parts


@dataclass
class Square(View):
    """The square: public KBs (searchable), as a table and a picker."""

    square_html: str
    square_pick: Any                    # gr.update(choices=..., value=...)


@dataclass
class Lists(Square):
    """My KBs (my teams', and those granted or shared with me) and the square."""

    mine_html: str
    mine_pick: Any


@dataclass
class Choices(View):
    """The create form's choices: the teams the caller manages, the embedding models."""

    c_team: Any
    c_model: Any


@dataclass
class Documents(View):
    """The open KB's header, its documents (table, picker) and the refresh timer (on while any is pending)."""

    head: str
    docs_html: str
    doc_pick: Any
    timer: Any                          # gr.Timer


@dataclass
class SharingTab(View):
    """The sharing tab (a manager's): public or not, share links, grants, the teams to grant to."""

    public_html: str
    publish_btn: Any
    unpublish_btn: Any
    links_html: str
    link_pick: Any
    grants_html: str
    grant_pick: Any
    grant_team: Any


@dataclass
class SettingsTab(View):
    """The settings tab's fields (a manager's) and the deletion's confirmation."""

    s_name: Any
    s_desc: Any
    s_model: Any
    s_tokens: Any
    s_overlap: Any
    confirm: Any


@dataclass
class Opened(Documents, SharingTab, SettingsTab):
    """Everything shown for the open KB, by the caller's role (or emptied and hidden: nothing open)."""

    kb_box: Any                         # the open KB's id (the address follows it)
    open_col: Any
    upload_col: Any                     # uploads: members and up
    doc_actions: Any
    download: Any
    hits: Any
    search_note: Any
    sharing_tab: Any                    # managers only
    settings_tab: Any
    link_box: Any


# ---------------------------------------------------------------- the handlers' views


@dataclass
class RefreshView(Lists, Choices):
    """The lists and the create form's choices (``refresh``)."""


@dataclass
class OpenView(Opened):
    """A KB opened (``open_kb``), and what was said."""

    notice: str


@dataclass
class LoadView(RefreshView, OpenView):
    """Page load: the lists, the form's choices, the KB of the address (``load``)."""


@dataclass
class ListedView(Lists, OpenView):
    """The lists and the open KB (``delete_kb``: none)."""


@dataclass
class CreateView(ListedView):
    """A new KB, listed and open, the form cleared and closed (``create``)."""

    c_name: Any
    c_desc: Any
    c_acc: Any


@dataclass
class TickView(Documents, Lists):
    """The timer's refresh (``tick``): the documents; the lists too once nothing is pending."""


@dataclass
class DocumentView(Documents):
    """After a document's cancel, retry or deletion: what was done, the documents."""

    doc_note: str


@dataclass
class UploadView(DocumentView):
    """An upload's progress, then its report (``doc_note``); ``files``: the upload component, cleared at the end."""

    files: Any


@dataclass
class ChunksView(View):
    """A page of the chosen document's chunks (``chunks``): the summary, the table, where the previous and next
    pages start, and those buttons."""

    chunk_note: str
    chunks_html: str
    chunk_prev_at: int
    chunk_next_at: int
    chunk_prev: Any
    chunk_next: Any


@dataclass
class HitsView(View):
    """The retrieval test's chunks with their scores, and what was found (``retrieve``)."""

    hits: str
    search_note: str


@dataclass
class SharedView(SharingTab):
    """The sharing tab redrawn, and what was done (links, grants)."""

    share_note: str


@dataclass
class PublishView(SharedView):
    """Published or not: the header says so too."""

    head: str


@dataclass
class LinkView(SharedView):
    """A new share link, its address shown this once."""

    link_box: Any


@dataclass
class GrantView(SharedView):
    """A user granted; the username field cleared."""

    grant_name: Any


@dataclass
class SavedView(Lists):
    """The settings saved: the header, the documents (a re-embedding's progress) and the lists redrawn."""

    head: str
    docs_html: str
    timer: Any                          # gr.Timer: on while a re-embedding runs
    settings_note: str
