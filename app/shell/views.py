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
``app.shell.forms.Form`` (its outputs are named too).

A field made with ``keyed(keys)`` holds several outputs of one kind (a page's code examples): its value maps each
key to an output, and the layout names their components ``"<field>.<key>"``. ``shown`` also wires a coroutine
(answers with its view) and an async generator (each view it yields, in turn, through ``streamed``: a progress
while uploading, the chat's answer).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, ClassVar

KEYS = "maas.view.keys"         # a field's metadata: the keys of the outputs it holds (``keyed``)


def keyed(keys: Iterable[str]) -> Any:
    """A view field holding one output per key, in this order (its value: a mapping key -> output)."""
    return dataclasses.field(metadata={KEYS: tuple(keys)})


class View:
    """Base of a page's view states (a ``@dataclass``): the fields, in order, are the event's outputs."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    RESERVED: ClassVar[frozenset[str]] = frozenset({"names", "pick", "outputs"})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A field named like a method would replace it (the dataclass takes the method as its default)."""
        super().__init_subclass__(**kwargs)
        clash = cls.RESERVED & set(getattr(cls, "__annotations__", {}))
        if clash:
            raise TypeError(f"{cls.__name__}: a view field may not be named {sorted(clash)}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The outputs' names, in the order Gradio receives them."""
        return tuple(f"{f.name}.{key}" if KEYS in f.metadata else f.name
                     for f in dataclasses.fields(cls) for key in f.metadata.get(KEYS, (None,)))

    @classmethod
    def pick(cls, components: Mapping[str, Any]) -> list[Any]:
        """The components for this view's outputs, from the layout's ``{name: component}``; every field needs one."""
        missing = [name for name in cls.names() if name not in components]
        if missing:
            raise ValueError(f"{cls.__name__}: no component for {missing}")
        return [components[name] for name in cls.names()]

    def outputs(self) -> tuple[Any, ...]:
        """The values for Gradio, in the fields' order."""
        values: list[Any] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            values.extend([value[key] for key in f.metadata[KEYS]] if KEYS in f.metadata else [value])
        return tuple(values)


def shown(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` answering Gradio with its view's ``outputs()`` (its signature kept, so Gradio still passes
    ``gr.Request`` and friends); a coroutine stays one, an async generator yields each view's outputs."""
    if inspect.isasyncgenfunction(handler):
        return streamed(handler)
    if inspect.iscoroutinefunction(handler):
        @functools.wraps(handler)
        async def awaited(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
            return (await handler(*args, **kwargs)).outputs()
        return awaited

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
