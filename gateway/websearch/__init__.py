"""Web search (联网搜索) for the gateway: the Web Search API and the AI Search API.

providers (SearXNG, Bocha) -> fetch (guarded by shared.urlguard: no private addresses) -> extract (main text)
-> engine (numbered sources) -> service (the two routes: validation, metering, the answer via
ChatService with the prompts in prompts and the stream in answer). errors: what clients may see.
"""
