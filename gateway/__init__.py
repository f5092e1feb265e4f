"""The API platform: OpenAI-compatible routes, model catalogue, backends, routing, keys, usage."""
