"""Chat: the page (``page``), one answer's handler (``answer``), what goes with a question (``context``: KBs,
documents, web), attached documents (``documents``), citation chips (``citations``) and the rendering (``view``)."""
