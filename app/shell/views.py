"""What a page shows, as a typed value: a view-state dataclass mapped to the page's Gradio outputs in one place.

A page is a class with typed dependencies (a ``Protocol`` for what it uses of the gateway); its handlers
are methods that return a view state, a ``@dataclass`` deriving from ``View`` whose fields are the
event's outputs in the order the layout wires them::

    @dataclass
    class KeysView(View):
        keys: str                      # the keys table (HTML)
        applications: str
        ready: Any                     # gr.update(choices=..., value=...)

    class AccountPage:
        def __init__(self, services: AccountServices) -> None: ...
        def refresh(self, lang: str, request: gr.Request) -> KeysView: ...

    # layout: one place maps the fields to components
    page.load(shown(account.refresh), inputs=[lang], outputs=KeysView.pick(components))

Tests call the methods and read the fields by name (``view.keys``), never by position. Forms keep
``app.shell.forms.Form`` (its outputs are named too). A streaming handler (an async generator of views, e.g. the
chat's answer) is wired with ``streamed`` instead of ``shown``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, ClassVar


class View:
    """Base of a page's view states (a ``@dataclass``): the fields, in order, are the event's outputs."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The outputs' names, in the order Gradio receives them."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def pick(cls, components: Mapping[str, Any]) -> list[Any]:
        """The components for this view's outputs, from the layout's ``{name: component}``; every field needs one."""
        missing = [name for name in cls.names() if name not in components]
        if missing:
            raise ValueError(f"{cls.__name__}: no component for {missing}")
        return [components[name] for name in cls.names()]

    def outputs(self) -> tuple[Any, ...]:
        """The values for Gradio, in the fields' order."""
        return tuple(getattr(self, name) for name in self.names())


def shown(handler: Callable[..., View]) -> Callable[..., tuple[Any, ...]]:
    """``handler`` answering Gradio with its view's ``outputs()`` (its signature kept, so Gradio still passes
    ``gr.Request`` and friends)."""

    @functools.wraps(handler)
    def wired(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
        return handler(*args, **kwargs).outputs()

    return wired


def streamed(handler: Callable[..., AsyncIterator[View]]) -> Callable[..., AsyncIterator[tuple[Any, ...]]]:
    """``shown`` for a streaming handler: each view it yields, as its ``outputs()``, as it comes (its signature kept;
    closing or cancelling the stream closes or cancels the handler where it waits)."""

    @functools.wraps(handler)
    async def wired(*args: Any, **kwargs: Any) -> AsyncIterator[tuple[Any, ...]]:
        async with contextlib.aclosing(handler(*args, **kwargs)) as views:
            async for view in views:
                yield view.outputs()

    return wired
