"""Knowledge: the page (``page``), its handlers (``handlers``, ``sharing``), services for them (``context``), what
they show (``states``) and the rendering (``view``)."""
