"""Which model, where: the catalogue (``catalogue``), its live edits (``model_config``), the router and health
(``router``), resolving a key's model (``resolve``) and model release notes."""
