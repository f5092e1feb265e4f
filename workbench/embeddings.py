"""Text to vectors through the gateway's ``/v1/embeddings`` with the caller's client (metered as theirs).

    vectors = await embed(client, "use-multilingual:v3", ["first text", "第二段"])   # (2, d) float32, unit length

Sent in batches of ``batch`` texts, in order. A failed call is an ``EmbeddingError`` with the words the user
reads (the upstream's details go to the log only, via ``workbench.chat.readable``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from workbench.chat import readable
from workbench.errors import WorkbenchError

BATCH = 64


class EmbeddingError(WorkbenchError):
    """The embedding model could not be reached or refused the texts."""


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


async def embed(client: openai.AsyncOpenAI, model: str, texts: Sequence[str], *, batch: int = BATCH) -> np.ndarray:
    """Unit-length float32 vectors of ``texts`` (shape (len(texts), d); (0, 1) for no texts)."""
    out: list[np.ndarray] = []
    try:
        for at in range(0, len(texts), batch):
            reply = await client.embeddings.create(model=model, input=list(texts[at: at + batch]))
            out.extend(np.asarray(d.embedding, dtype=np.float32) for d in sorted(reply.data, key=lambda d: d.index))
    except openai.APIError as exc:
        failure = readable(exc)
        raise EmbeddingError(f"chat.{failure.code}", code=failure.code) from None
    return normalise(np.vstack(out)) if out else np.zeros((0, 1), dtype=np.float32)
