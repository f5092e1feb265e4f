"""``Papers``: what the papers page, ``/papers/v1`` and the MCP tools use — uploads parsed in the background, deep
readings that run on the server whatever the browser does, questions, comparisons.

    papers = Papers.open(store, users, files_dir, base_url=..., key_for=workbench_key, embedding_model="...")
    papers.start()                                         # the parse thread and the readings' event loop
    paper = papers.upload("alice", data, "attention.pdf")   # status "parsing"; progress in paper.progress
    papers.start_reading("alice", paper.id, model="qwen2.5-coder:0.5b", lang="zh")   # runs in the background
    papers.reading("alice", paper.id, model=..., lang="zh")  # StoredReading: status, steps, the statements so far
    asked = await papers.ask("alice", paper.id, "Which datasets?", model=..., lang="zh")
    papers.stop()

Models are reached only through the workbench's own ``/v1`` with the user's workbench key (``key_for``), so every
call is metered as theirs. A PDF is parsed in the knowledge bases' parse worker (a child process with a time and a
memory bound, ``ParseWorker.paper``), one paper at a time, pages told as they are read. A reading is a task on the
service's own event loop: closing the page does not stop it, ``cancel_reading`` does; it is saved after each
aspect, and a finished reading is kept per paper, model and language (asked again, it is given at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import queue
import re
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import openai

from workbench.chat import context_length, readable
from workbench.documents import errors as document_errors
from workbench.documents.parser import refusal
from workbench.embeddings import embed
from workbench.errors import WorkbenchError
from workbench.kb.access import Access
from workbench.kb.parse_worker import ParseLimits, ParseStopped, ParseWorker
from workbench.kb.records import UserDirectory
from workbench.kb.teams import Teams
from workbench.messages import MESSAGES
from workbench.store import Store

from .ask import MAX_QUESTION, Asker
from .compare import MAX_PAPERS, MIN_PAPERS, Table, compare
from .errors import PaperInvalid, PaperNotFound
from .export import markdown
from .library import Library
from .pages import page_png
from .reading import LANGUAGES, Progress, Reader, Reading
from .readings import Asked, Readings, StoredReading
from .records import Paper, structure_from_json

log = logging.getLogger(__name__)
T = TypeVar("T")
MB = 1024 * 1024
MAX_BYTES = 50 * MB
PARSE_LIMITS = ParseLimits(seconds=600, memory_mb=1536)    # OCR of a long scanned paper takes minutes


class Papers:
    """Papers of the workbench's users, read with their own keys."""

    def __init__(self, store: Store, library: Library, files_dir: Path, *, base_url: str,
                 key_for: Callable[[str], str], embedding_model: str, max_bytes: int = MAX_BYTES,
                 parse_limits: ParseLimits = PARSE_LIMITS) -> None:
        self.library, self.readings = library, Readings(store)
        self.files_dir, self.base_url, self.key_for = Path(files_dir), base_url, key_for
        self.embedding_model, self.max_bytes = embedding_model, max_bytes
        self._worker = ParseWorker(parse_limits)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._threads: list[threading.Thread] = []
        self._running: dict[tuple[str, str, str], Future] = {}
        self._windows: dict[str, int] = {}

    @classmethod
    def open(cls, store: Store, users: UserDirectory, files_dir: Path, **options: Any) -> Papers:
        """The papers over the workbench store (their teams are the knowledge bases' teams)."""
        access = Access(store)
        return cls(store, Library(store, access, Teams(store, access, users)), files_dir, **options)

    # -- life -----------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the parse thread and the readings' loop; papers left parsing are parsed again, readings left
        running are marked cancelled."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.readings.settle()
        for paper_id, _, _ in self.library.unfinished():
            self._queue.put(paper_id)
        self._threads = [threading.Thread(target=self._parse_loop, name="papers-parse", daemon=True),
                         threading.Thread(target=self._loop.run_forever, name="papers-loop", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop parsing and reading (readings in progress are saved as cancelled)."""
        self._stop.set()
        self._queue.put(None)
        for future in list(self._running.values()):
            future.cancel()
        self._worker.shut()
        self._worker.close()
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        for thread in self._threads:
            thread.join(10)

    def _on_loop(self, coro: Coroutine[Any, Any, T]) -> Future:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    # -- uploads --------------------------------------------------------------------------------------------------
    def upload(self, user_id: str, data: bytes, filename: str, *, team_id: str | None = None) -> Paper:
        """Keep a PDF and queue it to be parsed; refused at once when too large or not a PDF."""
        name = (filename or "paper.pdf").replace("\\", "/").rsplit("/", 1)[-1] or "paper.pdf"
        if len(data) > self.max_bytes:
            raise document_errors.too_large(name, len(data), self.max_bytes)
        wrong = refusal(data[:8192], name)
        if wrong is not None:
            raise wrong
        if not data.lstrip()[:5] == b"%PDF-":
            raise PaperInvalid("paper.not_pdf", "file", filename=name)
        self.library.space(user_id, team_id)        # may they add it there: before anything is written
        sha = hashlib.sha256(data).hexdigest()
        path = self.path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)
        paper = self.library.add(user_id, name, sha, len(data), team_id=team_id)
        self._queue.put(paper.id)
        return paper

    def path(self, sha256: str) -> Path:
        """Where a paper's PDF is kept."""
        return self.files_dir / f"{sha256}.pdf"

    def pdf(self, user_id: str, paper_id: str) -> tuple[Paper, bytes]:
        """A paper the user may read and its PDF."""
        paper = self.library.require(user_id, paper_id)
        return paper, self.path(paper.sha256).read_bytes()

    def page_image(self, user_id: str, paper_id: str, number: int, *, span: tuple[int, int] | None = None) -> bytes:
        """Page ``number`` of a paper the user may read as a PNG, the lines of characters ``span`` of its text (a
        quote) marked."""
        structure = self.library.structure(user_id, paper_id)
        if not isinstance(number, int) or not 1 <= number <= len(structure.pages):
            raise PaperInvalid("paper.page", "page", page=number, pages=len(structure.pages))
        _, data = self.pdf(user_id, paper_id)
        return page_png(data, structure.page(number), quote_span=span)

    def delete(self, user_id: str, paper_id: str) -> None:
        """Delete a paper (admin+), its readings, questions and comparisons, and its file unless another has it."""
        for key in [k for k in self._running if k[0] == paper_id]:
            self._running[key].cancel()
        sha = self.library.delete(user_id, paper_id)
        if not self.library.file_in_use(sha):
            self.path(sha).unlink(missing_ok=True)

    def _parse_loop(self) -> None:
        while not self._stop.is_set():
            paper_id = self._queue.get()
            if paper_id is None:
                return
            try:
                self._parse(paper_id)
            except ParseStopped:
                return

    def _parse(self, paper_id: str) -> None:
        """Parse one queued paper in the parse worker; it ends ready or failed (with the reason)."""
        queued = self.library.parsing(paper_id)
        if queued is None:                          # deleted while queued
            return
        filename, sha = queued
        try:
            text = self._worker.paper(self.path(sha), filename, max_bytes=self.max_bytes, stop=self._stop,
                                      progress=lambda stage, done, total: self.library.progress(paper_id, done, total,
                                                                                                stage))
            self.library.ready(paper_id, structure_from_json(text))
        except WorkbenchError as exc:
            self.library.failed(paper_id, exc)
        except ParseStopped:
            raise
        except Exception:  # noqa: BLE001 - a bug in our parsing: that paper fails, the loop goes on
            log.exception("papers: parsing %s failed", paper_id)
            self.library.failed(paper_id, document_errors.corrupt(filename, "PDF"))

    # -- reading --------------------------------------------------------------------------------------------------
    def client(self, user_id: str) -> openai.AsyncOpenAI:
        """A client of the workbench's /v1 with the user's own key (made on the service's loop when used there)."""
        return openai.AsyncOpenAI(base_url=self.base_url, api_key=self.key_for(user_id), max_retries=1,
                                  timeout=600)

    def start_reading(self, user_id: str, paper_id: str, *, model: str, lang: str) -> StoredReading:
        """A reading of the paper by ``model`` in ``lang``: the finished one when there is one, else one started
        (or going on) in the background."""
        lang = _lang(lang)
        self.library.require(user_id, paper_id, "write")
        structure = self.library.structure(user_id, paper_id)
        key = (paper_id, model, lang)
        stored = self.readings.get(*key)
        if stored and stored.status == "done" or key in self._running and not self._running[key].done():
            return stored                   # a running one was saved before its task started
        self.readings.save(paper_id, model, lang, user_id, "running", 0, 0, None)
        self._running[key] = self._on_loop(self._read(user_id, key, structure))
        return self.readings.get(*key)

    def reading(self, user_id: str, paper_id: str, *, model: str, lang: str) -> StoredReading | None:
        """The reading so far (or finished) of the paper by ``model`` in ``lang``, if one was started."""
        self.library.require(user_id, paper_id)
        return self.readings.get(paper_id, model, _lang(lang))

    def cancel_reading(self, user_id: str, paper_id: str, *, model: str, lang: str) -> None:
        """Stop a reading in progress (what was read so far is kept)."""
        self.library.require(user_id, paper_id, "write")
        future = self._running.get((paper_id, model, _lang(lang)))
        if future is not None:
            future.cancel()

    async def _read(self, user_id: str, key: tuple[str, str, str], structure) -> None:
        paper_id, model, lang = key
        client = self.client(user_id)
        done = total = 0
        last: Reading | None = None
        try:
            window = await context_length(client, model, self._windows)
            reader = Reader(_completer(client, model), window=window)
            async for event in reader.read(structure, lang=lang):
                if isinstance(event, Progress):
                    done, total = event.done, event.total
                    self.readings.save(paper_id, model, lang, user_id, "running", done, total, last)
                else:
                    last = event
                    status = "running" if event.partial else "done"
                    self.readings.save(paper_id, model, lang, user_id, status, done, total, event)
        except asyncio.CancelledError:
            self.readings.save(paper_id, model, lang, user_id, "cancelled", done, total, last,
                               {"key": "paper.cancelled"})
            raise
        except PaperInvalid as exc:
            self.readings.save(paper_id, model, lang, user_id, "failed", done, total, last,
                               {"key": exc.key, "en": exc.text("en"), "zh": exc.text("zh")})
        finally:
            await client.close()
            self._running.pop(key, None)

    # -- questions ------------------------------------------------------------------------------------------------
    async def ask(self, user_id: str, paper_id: str, question: str, *, model: str, lang: str,
                  thread_id: str | None = None) -> Asked:
        """The answer to a question about the paper, kept in its thread (a new one without ``thread_id``)."""
        lang = _lang(lang)
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION:
            raise PaperInvalid("paper.question", "question", most=MAX_QUESTION)
        self.library.require(user_id, paper_id, "write")
        structure = self.library.structure(user_id, paper_id)
        history: list[tuple[str, str]] = []
        if thread_id:
            earlier = self.readings.thread(paper_id, user_id, thread_id)
            if not earlier:
                raise PaperNotFound("paper.thread", "thread_id")
            history = [(a.question, a.answer.text) for a in earlier]
        answer = await asyncio.wrap_future(self._on_loop(self._answer(user_id, structure, question.strip(), model,
                                                                      lang, history)))
        return self.readings.ask(paper_id, user_id, thread_id, answer, model, lang)

    async def _answer(self, user_id: str, structure, question: str, model: str, lang: str,
                      history: list[tuple[str, str]]):
        client = self.client(user_id)
        try:
            async def vectors(texts):
                return await embed(client, self.embedding_model, texts)

            return await Asker(_completer(client, model), vectors).ask(structure, question, lang=lang,
                                                                       history=history)
        finally:
            await client.close()


    # -- comparing and exporting ----------------------------------------------------------------------------------
    async def compare(self, user_id: str, paper_ids: list[str], *, model: str, lang: str) -> Table:
        """2 to 5 papers side by side from their readings by ``model`` in ``lang`` (read first where missing)."""
        lang = _lang(lang)
        if not isinstance(paper_ids, list) or not MIN_PAPERS <= len(paper_ids) <= MAX_PAPERS:
            raise PaperInvalid("paper.compare_count", "papers", count=len(paper_ids) if isinstance(paper_ids, list)
                               else 0)
        papers = [self.library.require(user_id, paper_id, "write") for paper_id in paper_ids]
        seen: set[str] = set()
        for paper in papers:
            if paper.id in seen:
                raise PaperInvalid("paper.compare_twice", "papers", title=paper.title)
            seen.add(paper.id)
        readings = []
        for paper in papers:
            stored = self.start_reading(user_id, paper.id, model=model, lang=lang)
            future = self._running.get((paper.id, model, lang))
            if stored.status != "done" and future is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wrap_future(future)
                stored = self.readings.get(paper.id, model, lang)
            if stored.status != "done":
                raise PaperInvalid("paper.model_failed", "model", reason=stored.error.get(lang) or stored.status)
            readings.append((paper.title, stored.reading))
        table = compare(readings)
        self.readings.compared(user_id, paper_ids, model, lang, [[c.__dict__ if c else None for c in row.cells]
                                                                 for row in table.rows])
        return table

    def add_to_kb(self, knowledge: Any, user_id: str, paper_id: str, kb_id: str) -> Any:
        """Queue a paper's PDF into a knowledge base the user may upload to (``knowledge``: the knowledge bases'
        service): its chunks keep their pages and their sections as heading paths, as any PDF's do there. The KB
        document (``KBDocument``; a duplicate of one already there is refused by the KB with its reason)."""
        paper, data = self.pdf(user_id, paper_id)
        name = re.sub(r'[\\/:*?"<>|\s]+', " ", paper.title).strip()[:120] or paper.filename.rsplit(".", 1)[0]
        return knowledge.upload(user_id, kb_id, [(f"{name}.pdf", data)])[0]

    def markdown(self, user_id: str, paper_id: str, *, model: str, lang: str) -> str:
        """The paper's reading by ``model`` in ``lang`` (if any) and the user's question threads, as Markdown."""
        lang = _lang(lang)
        structure = self.library.structure(user_id, paper_id)
        stored = self.readings.get(paper_id, model, lang)
        threads = [self.readings.thread(paper_id, user_id, thread_id)
                   for thread_id, _, _ in reversed(self.readings.threads(paper_id, user_id))]
        return markdown(structure, stored, threads, lang=lang)


def _lang(lang: object) -> str:
    if lang not in LANGUAGES:
        raise PaperInvalid("paper.lang", "lang", lang=str(lang)[:20])
    return str(lang)


def _completer(client: openai.AsyncOpenAI, model: str):
    """``complete(prompt, max_tokens)`` with ``model`` at temperature 0; a failed call is a PaperInvalid saying
    why in the user's words (the upstream's details go to the log only)."""
    async def complete(prompt: str, max_tokens: int) -> str:
        try:
            reply = await client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], temperature=0, max_tokens=max_tokens)
        except openai.APIError as exc:
            raise PaperInvalid("paper.model_failed", "model",
                               reason=MESSAGES.message(f"chat.{readable(exc).code}")) from None
        return (reply.choices[0].message.content or "") if reply.choices else ""
    return complete
