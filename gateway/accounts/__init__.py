"""Who may call: users (``users``), passwords, sign-in sessions, single sign-on (``oidc``), API keys (``keys``),
key applications, the admin facade that checks who may do what (``console``) and its audit log."""
