"""Calling the account and admin pages' handlers as Gradio does: ``req`` (the request), ``refresh`` and
``admin_refresh`` (the pages' views), ``handlers`` (a page's handlers by name), ``values`` (what a handler sets
on its fields) and ``refused`` (a refused form's notice)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.account.page import AccountView
    from app.admin.page import AdminView

FORM = {"name": "protein-lab", "contact": "Li Wei", "email": "li.wei@example.org", "organisation": "Institute of "
        "Biophysics", "phone": "+86 10 1234 5678", "purpose": "Summarising protein-folding papers for our group."}
PASSWORD = "Member-pass-2026"


def req(username: str | None, lang_header: str = "en") -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": lang_header})


def values(updates) -> list:
    """The values a handler sets on its form's fields (each a ``gr.update`` that also clears the field's mark)."""
    return [u.get("value") if isinstance(u, dict) else u for u in updates]


def refresh(site, user: str, lang: str = "en") -> AccountView:
    """The account page as ``user`` sees it (``site.me``: an ``AccountPage``)."""
    return site.me.refresh(None, None, None, lang, req(user))


def admin_refresh(site) -> AdminView:
    """The admin page as the administrator sees it (``site.adm``: an ``AdminPage``)."""
    return site.adm.refresh(None, None, None, None, None, "en", req("admin"))


def handlers(page: object) -> dict[str, Callable[..., Any]]:
    """A page's handlers by name: its public methods but ``build`` (the layout)."""
    return {name: fn for name, fn in inspect.getmembers(page, inspect.ismethod)
            if not name.startswith("_") and name != "build"}


def refused(result: tuple) -> str:
    """The notice of a refused form (its fields kept as typed: no new value for any of them)."""
    notice, *fields = result
    assert notice.startswith("⚠️") and all("value" not in f for f in fields if isinstance(f, dict)), result
    return notice
