"""Tests for gateway.embedded: the packaged model, llama.cpp child process, embeddings and reranker."""
