"""Errors raised by the embedded model parts (packaged GGUF files, the llama.cpp child, embeddings).

Every message says what to do next: which pip command to run, or which log file to read.
"""

from __future__ import annotations


class EmbeddedModelError(Exception):
    """Base class: an embedded model could not be prepared, started or used."""


class ModelPackageMissing(EmbeddedModelError):
    """A pip package that carries a slice of a packaged model is not installed (or has no data file)."""


class ModelIntegrityError(EmbeddedModelError):
    """The assembled model file does not have the expected sha256."""


class TooMuchInput(EmbeddedModelError):
    """One call would embed more pieces than it may (each text counted up to the embedder's window)."""

    def __init__(self, tokens: int, limit: int, texts: int, window: int) -> None:
        super().__init__(f"the texts come to more than {limit:,} tokens ({tokens:,} in the first {texts:,}, each "
                         f"counted up to its first {window}); send at most {limit:,} tokens per request")
        self.tokens, self.limit, self.texts = tokens, limit, texts
