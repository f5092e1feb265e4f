"""The MCP hub, UI-free: a catalogue of MCP servers, their installs and running servers, their tools run from forms
in the browser and used by the chat. Never imports the gateway or the pages.

Modules:
    server_json a ``server.json`` (the official registry's format) read strictly into frozen dataclasses: refusals
                name the field (``packages[0].version``); only exact PyPI / npm package identities
    catalogue   the entries in the workbench store: bundled (``bundled/``), imported by admins, searched en + zh,
                who sees which (``Viewer``)
    errors      McpError family (en + zh words in ``workbench/messages/mcp_tools.py``): McpInvalid (bad tool
                arguments, ``field`` the JSON path of the bad value)
    schemas     a tool's JSON Schema: local ``$ref`` resolution, ``[X, null]`` unions, JSON paths, and
                ``check_arguments`` (the arguments against the tool's own schema, before every call)
    forms       ``form_of(schema)``: the form a page renders for a tool (a tree of small frozen fields)
    arguments   ``arguments_of(form, values)``: the tool's arguments from the values typed into its form
    functions   a tool as an OpenAI function for the chat: ``function_name`` / ``FunctionNames`` (sanitised,
                namespaced per server, reversible), ``function_of`` (the ``tools`` entry, its schema translated into
                what chat models accept, every change recorded)
"""
