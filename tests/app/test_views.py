"""A page's view state maps to its Gradio outputs by field name, in one place."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest

from app.shell.views import View, keyed, shown
from tests import aio


@dataclass
class Pair(View):
    table: str
    notice: str


def test_outputs_follow_the_fields_order_and_pick_names_the_components() -> None:
    view = Pair(table="<table/>", notice="saved")
    assert view.outputs() == ("<table/>", "saved")
    assert Pair.pick({"notice": "N", "table": "T", "extra": "X"}) == ["T", "N"]


def test_a_layout_missing_a_component_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="notice"):
        Pair.pick({"table": "T"})


def test_shown_keeps_the_handlers_signature_for_gradio() -> None:
    class Page:
        def refresh(self, lang: str, request: object = None) -> Pair:
            return Pair(table=lang, notice="ok")

    wired = shown(Page().refresh)
    assert list(inspect.signature(wired).parameters) == ["lang", "request"]
    assert wired("zh") == ("zh", "ok")


@dataclass
class Examples(View):
    base_url: str
    code: dict[str, str] = keyed(("curl", "python"))
    notice: str = ""


def test_a_keyed_field_holds_one_output_per_key_in_its_order() -> None:
    assert Examples.names() == ("base_url", "code.curl", "code.python", "notice")
    view = Examples(base_url="http://h/v1", code={"python": "import openai", "curl": "curl -N"}, notice="ok")
    assert view.outputs() == ("http://h/v1", "curl -N", "import openai", "ok")
    assert Examples.pick({"base_url": "B", "code.curl": "C", "code.python": "P", "notice": "N"}) == ["B", "C", "P", "N"]
    with pytest.raises(ValueError, match="code.python"):
        Examples.pick({"base_url": "B", "code.curl": "C", "notice": "N"})
    with pytest.raises(KeyError):
        Examples(base_url="b", code={"curl": "c"}).outputs()          # every key has its output


def test_shown_wires_coroutines_and_async_generators_as_such() -> None:
    class Page:
        async def search(self, lang: str, request: object = None) -> Pair:
            return Pair(table=f"hits:{lang}", notice="found")

        async def upload(self, lang: str, request: object = None):
            yield Pair(table="", notice="uploading 1 of 2")
            yield Pair(table="<table/>", notice="done")

    search, upload = shown(Page().search), shown(Page().upload)
    assert inspect.iscoroutinefunction(search) and inspect.isasyncgenfunction(upload)     # as Gradio tells them
    assert list(inspect.signature(upload).parameters) == ["lang", "request"]
    assert aio.run(search("zh")) == ("hits:zh", "found")

    async def drain() -> list:
        return [step async for step in upload("en")]
    assert aio.run(drain()) == [("", "uploading 1 of 2"), ("<table/>", "done")]


def test_a_field_named_like_a_views_method_is_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="pick"):
        @dataclass
        class Picker(View):
            pick: str
