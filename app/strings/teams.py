"""Strings of the teams page (placeholder until the page lands)."""

EN = {"teams.nav": "Teams", "teams.unavailable": "This page is being built."}
ZH = {"teams.nav": "团队", "teams.unavailable": "此页面正在建设中。"}
