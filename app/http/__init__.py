"""The workbench's HTTP routes that are not Gradio pages: sign-in (``signin``), the knowledge bases' ``/kb/v1``
(``kb_api``, its JSON in ``kb_json``), and files for their owner only (``kb_files``, ``chat_files``, ``chat_export``,
``usage_export``)."""
