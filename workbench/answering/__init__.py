"""Answering a question in a conversation: one pipeline from the question to the saved turn.

``service.py`` the pipeline (``AnswerService``: send, regenerate, resend, confirm; ``AnswerOptions``; ``ModelFacts``,
what it needs to know of the models); ``events.py`` what it yields (Started, Progress, Notice, Sources, Reasoning,
Content, ToolStep, ToolConfirm, Done, Failed); ``context.py`` what a question is answered from (web search, knowledge
bases, documents); ``tools.py`` the MCP tools a conversation offers the model and the calls it makes (the tool loop
itself is ``workbench.chat.ChatEngine``'s, bounded by ``tools.MAX_ROUNDS``); ``steps.py`` those calls as shown and
saved with the answer. A page renders the events and saves nothing.
"""
