"""Knowledge: the page (``page``), its handlers (``handlers``, ``sharing``), services for them (``context``) and the
rendering (``view``)."""
