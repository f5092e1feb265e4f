"""The one answer pipeline (``workbench.answering``), on real parts: a real DuckDB store, a KnowledgeService (embedded
Chroma, the keyword index) whose document was ingested by its worker through the real embedded gateway process
(USE v3 embeddings, the embedded reranker, the 0.5B chat model), answering with the user's client.

What is asserted is what a caller (the chat page, later the MCP tool loop) gets: the events in order, the words in
both languages, and the turn as saved. The caller saves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from types import SimpleNamespace

import pytest

from gateway.routing.catalogue import EMBEDDED_THINKING_BUDGET
from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.workbench.kb_world import Directory
from workbench.answering import events as ev
from workbench.answering.service import AnswerOptions, AnswerService
from workbench.attachments import Attachments
from workbench.clients import UserClients
from workbench.conversations import Conversations
from workbench.kb import answer as kb_answer
from workbench.kb.service import KnowledgeService
from workbench.schema import open_store
from workbench.store import store_path
from workbench.websearch_client import searcher

EMBEDDED = "qwen2.5-coder:0.5b"
EMBEDDING = "use-multilingual:v3"
SAFETY = ("# Fume hoods\n\nThe fume hoods are certified every March. If the airflow drops, the hood in room 214 "
          "beeps and shows the alarm code FH-7731; stop working, close the sash and call the facility team.\n\n"
          "# Liquid nitrogen\n\nLiquid nitrogen dewars may only be filled by trained staff wearing face shields.\n")
QUESTION = "Which alarm code does the fume hood in room 214 show?"


class CardFacts:
    """``ModelFacts`` from the gateway's ``GET /v1/models`` cards (what the workbench may know of a model)."""

    def __init__(self, url: str) -> None:
        import openai

        cards = openai.OpenAI(base_url=url, api_key=MASTER_KEY, max_retries=0).models.list().data
        self.cards = {c.id: c.model_dump() for c in cards}

    def chat_models(self) -> list[str]:
        return [m for m, c in self.cards.items() if c.get("kind") == "chat"]

    def context_length(self, model: str) -> int | None:
        return (self.cards.get(model, {}).get("capabilities") or {}).get("context_length")

    def thinking_budget(self, model: str | None) -> int:
        return EMBEDDED_THINKING_BUDGET

    def reasons(self, model: str) -> bool:
        return bool((self.cards.get(model, {}).get("capabilities") or {}).get("reasoning"))

    def embedding_model(self) -> str | None:
        return next((m for m, c in self.cards.items() if c.get("kind") == "embedding"), None)


@pytest.fixture(scope="module")
def world(tmp_path_factory, embedded_gateway):
    """alice's knowledge base "Lab safety" with one ingested document; bob, who may not read it; the pipeline."""
    tmp = tmp_path_factory.mktemp("answering")
    url = embedded_gateway.url + "/v1"
    store = open_store(store_path(tmp / "wb"))
    users = Directory("alice", "bob")
    clients = UserClients(url, lambda user_id: MASTER_KEY)
    knowledge = KnowledgeService.open(store, users, data_dir=tmp / "kb", embedding_models=lambda: [EMBEDDING],
                                      client_for=clients, max_bytes=10 * 2**20)
    alice = users.ids["alice"]
    safety = knowledge.bases.create(alice, knowledge.teams.personal_space(alice).id, "Lab safety", "", EMBEDDING,
                                    chunk_tokens=100, chunk_overlap=0)
    knowledge.upload(alice, safety.id, [("safety.md", SAFETY.encode())])

    async def ingest() -> None:
        await knowledge.ingestion.start()
        try:
            deadline = time.monotonic() + 240
            while not all(d.status == "ready" for d in knowledge.documents(alice, safety.id)):
                assert time.monotonic() < deadline, knowledge.documents(alice, safety.id)
                await asyncio.sleep(0.1)
        finally:
            await knowledge.ingestion.stop()
    run(ingest())
    convs = Conversations(store)
    answers = AnswerService(convs, clients, CardFacts(url), attachments=Attachments(store, convs,
                                                                                     files_dir=tmp / "files"),
                            knowledge=knowledge, web_search=searcher(url, lambda user_id: MASTER_KEY))
    yield SimpleNamespace(url=url, store=store, convs=convs, knowledge=knowledge, safety=safety, answers=answers,
                          alice=alice, bob=users.ids["bob"])
    knowledge.vectors.close()
    store.close()


def collect(stream) -> list:
    async def go() -> list:
        async with contextlib.aclosing(stream) as events:
            return [event async for event in events]
    return run(go())


def options(**kw) -> AnswerOptions:
    settings = {"model": kw.pop("model", EMBEDDED), "temperature": 0, "max_tokens": kw.pop("max_tokens", 40)}
    return AnswerOptions(settings=settings, **kw)


def kinds(events: list) -> list[str]:
    return [type(e).__name__ for e in events]


def test_a_question_over_a_knowledge_base_yields_sources_before_the_answer_and_saves_the_turn(world):
    events = collect(world.answers.send(world.alice, None, QUESTION, options(kb_ids=(world.safety.id,))))
    names = kinds(events)
    assert names[0] == "Started" and names[-1] == "Done", names
    assert names.index("Sources") < names.index("Content") and "Failed" not in names
    assert set(names[names.index("Sources") + 1:-1]) <= {"Reasoning", "Content", "Notice"}, names
    started, sources, done = events[0], next(e for e in events if isinstance(e, ev.Sources)), events[-1]
    assert started.question == QUESTION and started.history == () and started.conversation.settings.model == EMBEDDED
    passages = [kb_answer.read(s) for s in sources.sources]
    assert passages and passages[0].index == 1 and passages[0].kb_name == "Lab safety"
    assert any("FH-7731" in p.text for p in passages)
    assert sources.attachments == ({"id": "kb:" + world.safety.id, "name": "Lab safety"},)
    assert sources.thinking is False and sources.budget is None
    answer = "".join(e.text for e in events if isinstance(e, ev.Content))
    # the turn is saved by the pipeline: the question with the knowledge base asked, the answer with its sources
    saved = world.convs.get(world.alice, started.conversation.id)
    assert saved == done.conversation and done.message_id == saved.messages[-1].id
    question, reply = saved.messages
    assert (question.role, question.content, question.attachments) == ("user", QUESTION, list(sources.attachments))
    assert reply.role == "assistant" and reply.content == answer and answer.strip()
    assert reply.model == EMBEDDED and not reply.error and not reply.stopped
    assert [kb_answer.read(s).document for s in reply.sources] and all(kb_answer.read(s) for s in reply.sources)


def test_a_model_that_fails_yields_an_error_event_and_saves_nothing_broken(world):
    """An unknown model: a ``Failed`` event said in both languages; the question stays, unanswered (no empty or
    half answer is saved); the conversation still answers afterwards."""
    events = collect(world.answers.send(world.alice, None, "Hello?", options(model="no-such-model:1b")))
    assert kinds(events) == ["Started", "Sources", "Failed"]
    failed = events[-1]
    assert failed.code == "model" and not failed.refused
    assert failed.text("en") == "You may not use this model, or it no longer exists. Pick another model."
    assert failed.text("zh").startswith("你无权使用该模型")
    saved = world.convs.get(world.alice, events[0].conversation.id)
    assert failed.conversation == saved
    assert [(m.role, m.content) for m in saved.messages] == [("user", "Hello?")]
    again = collect(world.answers.regenerate(world.alice, saved.id, options(max_tokens=8)))
    assert kinds(again)[-1] == "Done"
    assert [m.role for m in world.convs.get(world.alice, saved.id).messages] == ["user", "assistant"]


def test_refusals_come_first_and_change_nothing(world):
    """Another user's conversation reads as missing, an empty question is refused, a conversation with no model to
    answer with is refused: one ``Failed`` event each (``refused``), and nothing is created or changed."""
    mine = world.convs.create(world.alice, model=EMBEDDED)
    world.convs.add_message(world.alice, mine.id, "user", "Mine")
    before = world.convs.get(world.alice, mine.id)
    for stream in (world.answers.send(world.bob, mine.id, "Hijack", options()),
                   world.answers.regenerate(world.bob, mine.id, options()),
                   world.answers.resend(world.bob, mine.id, before.messages[0].id, "Changed", options())):
        [refused] = collect(stream)
        assert (refused.code, refused.field, refused.refused) == ("not_found", "conversation", True)
    assert world.convs.get(world.alice, mine.id) == before
    [empty] = collect(world.answers.send(world.bob, None, "   ", options()))
    assert (empty.code, empty.refused, empty.text("zh")) == ("empty", True, "请先输入消息。")
    none = CardFacts(world.url)
    none.cards = {}                                     # a catalogue without a chat model
    no_models = AnswerService(world.convs, world.answers.clients, none)
    [unset] = collect(no_models.send(world.bob, None, "Hello", AnswerOptions(settings={"model": None})))
    assert (unset.code, unset.field, unset.text("en")) == ("pick_model", "model", "Pick a model first.")
    assert world.convs.list(world.bob) == []


def test_a_search_not_offered_is_a_notice_and_the_question_is_still_answered(world):
    """The embedded gateway has no search engine: a notice before the answer begins, said in the reader's
    language; nothing of it is saved with the answer."""
    events = collect(world.answers.send(world.alice, None, "Say hi", options(web_search=True, locale="zh")))
    names = kinds(events)
    assert names[:3] == ["Started", "Notice", "Sources"] and names[-1] == "Done", names
    assert events[1].said.text("zh") == "本服务器未配置联网搜索。"
    assert events[1].said.text("en") == "Web search is not configured on this server."
    assert events[-1].conversation.messages[-1].sources == []


def test_stopping_the_stream_keeps_what_arrived_marked_stopped(world):
    """The caller closes the events while the answer streams (the page's Stop): the pipeline saves what arrived."""
    async def go() -> tuple[str, str]:
        shown, conv_id = [], ""
        async with contextlib.aclosing(world.answers.send(world.alice, None, "Write a long story about the sea.",
                                                          options(max_tokens=300))) as events:
            async for event in events:
                if isinstance(event, ev.Started):
                    conv_id = event.conversation.id
                if isinstance(event, ev.Content):
                    shown.append(event.text)
                    if len(shown) >= 4:
                        break
        return conv_id, "".join(shown)

    conv_id, shown = run(go())
    answer = world.convs.get(world.alice, conv_id).messages[-1]
    assert answer.role == "assistant" and answer.stopped and answer.content.startswith(shown) and shown
