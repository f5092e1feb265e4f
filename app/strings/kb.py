"""Strings of the kb page (placeholder until the page lands)."""

EN = {"kb.nav": "Knowledge", "kb.unavailable": "This page is being built."}
ZH = {"kb.nav": "知识库", "kb.unavailable": "此页面正在建设中。"}
