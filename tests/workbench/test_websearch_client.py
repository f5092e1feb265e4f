"""Web search for the chat (``workbench.websearch_client``): a failure is said plainly, in the reader's language,
with a stable code."""

from __future__ import annotations

import pytest

from tests import aio
from tests.conftest import MASTER_KEY
from workbench.websearch_client import WebSearchError, search_web

NOWHERE = "http://127.0.0.1:9/v1"          # nothing listens there


def test_a_failing_search_reads_plainly_in_both_languages():
    for lang, words in (("en", "could not be reached"), ("zh", "无法连接网关")):
        with pytest.raises(WebSearchError) as caught:
            aio.run(search_web(NOWHERE, MASTER_KEY, "anything", locale=lang))
        assert words in caught.value.text(lang) and caught.value.code == "unreachable"
