"""What the MCP page shows, as typed views (``app.shell.views``): the parts its handlers redraw, and each handler's
view built from them (``fields_of``, ``kept`` as in ``app.kb.states``). Every field is named like its component in
``app.mcp.page``, where ``View.pick`` maps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.kb.states import fields_of, kept
from app.shell.views import View

__all__ = ["fields_of", "kept"]


# ---------------------------------------------------------------- the parts


@dataclass
class Listing(View):
    """The catalogue as the caller may see it (searched), as a table and a picker."""

    list_html: str
    server_pick: Any


@dataclass
class RunsList(View):
    """The caller's own recent runs: a table and a picker."""

    runs_html: str
    run_pick: Any


@dataclass
class AdminTab(View):
    """The admins' tab: shown to admins only; usage per server, installs, the audit trail."""

    admin_tab: Any
    usage_plot: Any
    usage_html: str
    installs_html: str
    audit_html: str


@dataclass
class RegisterChoices(View):
    """Who a registration may be for (everyone: admins), and the teams the caller manages."""

    reg_visibility: Any
    reg_team: Any


@dataclass
class ToolPicked(View):
    """A tool chosen to run: its name (the form is drawn from it), its words and schema, the form's layout, and the
    last result and JSON box emptied."""

    tool_box: Any
    tool_html: str
    layout: Any
    result_html: str
    raw_args: Any


@dataclass
class Contents(View):
    """What the server offers, listed now: the table, the tools that may be run, resources and prompts."""

    contents_html: str
    tool_pick: Any
    resource_pick: Any
    prompt_pick: Any
    prompt_specs: Any


@dataclass
class Review(View):
    """The review of the entry's tools (those who may change it): states, flags, diffs, and the hashes shown."""

    review_html: str
    review_hashes: Any
    asks_pick: Any                   # the listed tools, ticked: those marked to ask the user before each call


@dataclass
class Headers(View):
    """A remote's headers (set or not; a secret's value never) and the picker of the one to set."""

    headers_html: str
    header_pick: Any


@dataclass
class InstallPart(View):
    """An installed server (admins): the install's progress and the server's state, the timer (on while an install
    runs) and the counter that draws the values form again."""

    install_html: str
    install_timer: Any
    install_gen: Any


@dataclass
class Opened(ToolPicked, Review, Headers, InstallPart):
    """Everything shown for an open entry, by who the caller is (or emptied and hidden: nothing open)."""

    entry_box: Any
    open_col: Any
    head: str
    overview_html: str
    contents_html: str
    tool_pick: Any
    resource_pick: Any
    prompt_pick: Any
    prompt_spec: Any
    prompt_layout: Any
    side_html: str
    manage_tab: Any
    headers_col: Any
    enable_btn: Any
    disable_btn: Any
    install_tab: Any
    install_box: Any
    log_html: str


# ---------------------------------------------------------------- the handlers' views


@dataclass
class OpenView(Opened):
    notice: str


@dataclass
class LoadView(Listing, RunsList, AdminTab, RegisterChoices, OpenView):
    """Page load: the catalogue, my runs, the admins' tab, the registration's choices, the entry of ``?server=``."""


@dataclass
class ListedView(Listing, OpenView):
    """The catalogue and the open entry (after an import, a registration, a removal, enabling)."""


@dataclass
class RunView(RunsList):
    """A tool run from its form: the result (or the refusal, the field marked in the form), my runs again."""

    result_html: str
    layout: Any


@dataclass
class PromptPicked(View):
    """A prompt chosen: its arguments (the form is drawn from them) and an empty layout."""

    prompt_spec: Any
    prompt_layout: Any
    side_html: str


@dataclass
class SideView(View):
    """A resource read or a prompt rendered; ``prompt_layout`` marks a refused argument."""

    side_html: str
    prompt_layout: Any


@dataclass
class ReviewedView(Review):
    """After a new listing or an approval: the review, what was done, the tools that may be run now."""

    manage_note: str
    tool_pick: Any


@dataclass
class HeadersView(Headers):
    """A header's value stored (or cleared): the headers again, the value box emptied (never echoed)."""

    manage_note: str
    header_value: Any


@dataclass
class InstallView(InstallPart):
    """An admin's action on an installed server, what was said, and the entry's header (its state)."""

    install_note: str
    log_html: str
    head: str


@dataclass
class RegisterView(Listing, OpenView):
    """A registration: the form's outputs (``app.shell.forms.Form``) come first, then the catalogue and the new
    entry opened."""


@dataclass
class ImportView(Listing, OpenView):
    """An admin's import of a server.json: the catalogue, the entry opened, the paste box cleared."""

    import_note: str
    import_text: Any
