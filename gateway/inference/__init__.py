"""What a request does: chat completions (``chat``), embeddings and rerank (``embeddings``), their validation,
reasoning and thinking, tool calls recovered from text, and OpenAI's response shapes (``shapes``)."""
