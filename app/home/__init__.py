"""Home: the models, their health and latency, how to call the API (``page``)."""
