"""Answering a question in a conversation: one pipeline from the question to the saved turn.

``service.py`` the pipeline (``AnswerService``: send, regenerate, resend; ``AnswerOptions``; ``ModelFacts``, what it
needs to know of the models); ``events.py`` what it yields (Started, Progress, Notice, Sources, Reasoning, Content,
Done, Failed); ``context.py`` what a question is answered from (web search, knowledge bases, documents). A page
renders the events and saves nothing; the MCP tool loop plugs in here, not into a page.
"""
