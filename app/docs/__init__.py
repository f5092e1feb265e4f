"""API docs: the page (``page``), its web-search examples (``search``) and the code-example builders (``snippets``)."""
