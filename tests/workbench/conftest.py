"""Fixtures shared by the workbench tests: the session's Chroma server and the two places vectors can live."""

from __future__ import annotations

import pytest

from tests.workbench.chroma_server import VECTOR_KINDS, VectorPlace, chroma_server  # noqa: F401  (the fixture)


@pytest.fixture(scope="module", params=VECTOR_KINDS)
def vector_place(request: pytest.FixtureRequest) -> VectorPlace:
    """Each test asking for it (directly or through a fixture) runs twice: ``[persistent]``, embedded Chroma in the
    test's directory, and ``[server]``, a client of the session's ``chroma run`` on loopback. Module-scoped, so a
    module-scoped world is built once per place; the server starts only when a ``[server]`` test first runs."""
    if request.param == "server":
        return VectorPlace("server", request.getfixturevalue("chroma_server"))
    return VectorPlace("persistent")
