"""The MCP hub, UI-free: a catalogue of MCP servers, their installs and running servers, their tools run from forms
in the browser and used by the chat. Never imports the gateway or the pages.

Modules:
    server_json a ``server.json`` (the official registry's format) read strictly into frozen dataclasses: refusals
                name the field (``packages[0].version``); only exact PyPI / npm package identities
    catalogue   the entries in the workbench store: bundled (``bundled/``), imported by admins, searched en + zh,
                who sees which (``Viewer``)
    errors      McpError family (en + zh words in ``workbench/messages/mcp_*.py``): McpInvalid (bad tool
                arguments, ``field`` the JSON path of the bad value), HubError (the hub), InstallError (installs)
    schemas     a tool's JSON Schema: local ``$ref`` resolution, ``[X, null]`` unions, JSON paths, and
                ``check_arguments`` (the arguments against the tool's own schema, before every call)
    forms       ``form_of(schema)``: the form a page renders for a tool (a tree of small frozen fields)
    arguments   ``arguments_of(form, values)``: the tool's arguments from the values typed into its form
    functions   a tool as an OpenAI function for the chat: ``function_name`` / ``FunctionNames`` (sanitised,
                namespaced per server, reversible), ``function_of`` (the ``tools`` entry, its schema translated into
                what chat models accept, every change recorded)
    hub         ``McpHub``: the service pages, the chat and the API use: list a server's tools / resources / prompts,
                call a tool (checked, pinned, recorded), read a resource, render a prompt, approve, runs, usage
    connectors  ``Connector`` (how a server is reached: ``RemoteConnector`` through the SSRF guard,
                ``InProcessConnector``, ``StdioConnector`` through the supervisor), each keeping one session per
                server (``sessions.SessionPool``: shared by concurrent requests, closed when idle); ``Reuse``
    loops       ``HomeLoop``: the one event loop the sessions and running servers live in, reached from any loop
                (``await``) or thread (``hub.sync``)
    recorder    ``RunRecorder``: the runs written by a thread, off the call's path
    remotes     users' remote servers (streamable HTTP, SSE) registered for themselves, a team or everyone, and
                their header values (secrets sealed by ``sealed``)
    sealed      ``Sealer``: secrets at rest (remotes' headers, installs' values), Fernet under the one key
                (``load_key``: MAAS_SECRET_KEY, else ``<data dir>/secret.key``), each bound to its row
    pins        tools pinned at approval (hash of canonical JSON), compared at every listing; ``flags`` the
                warnings about words aimed at the model
    runs        every tool call (private to its user), usage per server, the audit trail
    results     what a server answered, as capped frozen dataclasses; ``failures`` why a server failed, in words
    installs    ``Installs``: stdio servers installed by admins from a package identity (a venv or npm prefix each
                under ``<data dir>/mcp/``), in the background with progress, cancelled, uninstalled, their events;
                ``SecretValues`` their secret values (sealed by ``sealed``)
    inputs      the values an admin sets for a server (arguments, environment variables): fields, checks, argv
    launch      the argv and allow-listed environment of an installed server: ``LaunchParameters`` (the SDK's
                ``StdioServerParameters``, secrets masked in its repr)
    stdio       a server as our child: spawned in its own process group, the SDK's transport over its pipes, ended
    processes   ``Supervisor``: running servers (one client session each, start timeout, stderr log, stop, restart,
                crash restarts with backoff); ``open_session``: one launch per use
    logs        ``CappedLog``: an install's or a server's output, capped, secrets hidden
    own         ``OwnTools``: the workbench's own capabilities as tools (``kb_list``, ``kb_search``, ``web_search``)
                for ``/mcp/v1/workbench`` and users' tool groups, run for an ``OwnCaller`` (their key: metered as
                theirs), permissions decided by ``KnowledgeService``
"""
