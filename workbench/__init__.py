"""Workbench features, UI-free: chat, documents, knowledge bases, search (later issues).

Reaches models only through the gateway's HTTP API with the ``openai`` client and a
user's own key, so every token the workbench spends is metered like any API user's.
"""
