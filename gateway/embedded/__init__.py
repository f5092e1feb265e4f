"""Embedded, offline model parts: the packaged GGUF, the llama.cpp child server, USE embeddings and the reranker."""
