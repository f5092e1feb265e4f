"""What the workbench says to users, en and zh, a table per subject (``documents.py``, ``kb.py`` uploads,
``access.py`` teams and sharing, ``search.py``, ``conversations.py`` conversations and attachments, ``chat.py``
answering, web search and the model's errors, ``mcp_tools.py`` an MCP tool's arguments and schema,
``mcp_catalogue.py`` the MCP catalogue, ``mcp_hub.py`` MCP servers, calls, pins and registrations,
``mcp_installs.py`` MCP installs and running servers, ``mcp_groups.py`` tool groups and their endpoints,
``mcp_own.py`` the workbench's own MCP tools, ``prompt_*.py`` the prompt studio, ``papers.py`` paper
deep-reading): plain data.

``MESSAGES`` merges them into the one ``shared.messages.Catalogue`` that ``WorkbenchError`` says its code from;
a code defined by two tables is an error. (A package, not a table beside each feature: ``workbench.errors`` needs
it, and the feature packages import ``workbench.errors``.)
"""

from __future__ import annotations

from shared.messages import Catalogue

from . import (
    access,
    chat,
    conversations,
    documents,
    kb,
    mcp_catalogue,
    mcp_groups,
    mcp_hub,
    mcp_installs,
    mcp_own,
    mcp_tools,
    papers,
    prompt_cases,
    prompt_graders,
    prompt_library,
    search,
)


def _merged() -> Catalogue:
    en: dict[str, str] = {}
    zh: dict[str, str] = {}
    for table in (documents, kb, access, search, conversations, chat, mcp_tools, mcp_catalogue, mcp_hub,
                  mcp_installs, mcp_groups, mcp_own, prompt_cases, prompt_graders, prompt_library, papers):
        twice = set(en) & set(table.EN)
        if twice:
            raise ValueError(f"{table.__name__} redefines {sorted(twice)}")
        en.update(table.EN)
        zh.update(table.ZH)
    return Catalogue(en, zh)


MESSAGES = _merged()
