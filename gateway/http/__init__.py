"""The gateway's HTTP edge: ``/v1`` (``api``, hand-rolled ASGI on the hot path, with its helpers in ``asgi``),
``/admin/v1`` (``admin_api``, a FastAPI router), the one error envelope and router of every route but ``/v1``
(``edge``, which the workbench's routes in ``app.http`` use too), trusted proxies (``proxies``) and the shutdown
drain (``drain``)."""
