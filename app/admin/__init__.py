"""Admin: the application queue, users, keys, audit (``page``) and the model catalogue editor (``models``)."""
