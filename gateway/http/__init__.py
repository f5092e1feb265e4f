"""The gateway's HTTP edge: ``/v1`` (``api``, hand-rolled ASGI on the hot path), ``/admin/v1`` (``admin_api``), their
shared ASGI helpers (``asgi``), trusted proxies (``proxies``) and the shutdown drain (``drain``)."""
