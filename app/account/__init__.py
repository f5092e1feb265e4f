"""My account: keys, applications for a key or more models, password (``page``)."""
