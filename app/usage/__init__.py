"""Usage: the dashboards (``page``) and their CSV exports (``exports``)."""
