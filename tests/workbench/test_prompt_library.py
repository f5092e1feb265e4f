"""The prompt library on a real DuckDB file: versions stay as written, labels move, sharing follows the KB teams,
search finds Chinese, and whoever may not read a prompt cannot tell it from a missing one."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.workbench.kb_world import make_world
from workbench.prompt_studio.errors import PromptForbidden, PromptInvalid, PromptNotFound
from workbench.prompt_studio.library import Library
from workbench.prompt_studio.records import Params, Score
from workbench.prompt_studio.templates import Example, Template

EXTRACT = Template("你是合同助手。必须输出 JSON。", "合同：{{合同}}",
                   (Example({"合同": "甲方张三"}, '{"甲方": "张三"}'),))


@pytest.fixture()
def world(tmp_path):
    built = make_world(tmp_path, "alice", "bob", "carol")
    yield built, Library(built.store, built.access, built.teams)
    built.store.close()


def refused(kind, call):
    with pytest.raises(kind) as caught:
        call()
    error = caught.value
    assert error.text("en") and error.text("zh") and error.text("en") != error.text("zh")
    return error


def test_versions_are_kept_as_written_and_labels_move_between_them(world):
    w, library = world
    alice = w.uid("alice")
    prompt = library.create(alice, "合同抽取", EXTRACT, description="抽取合同双方", params=Params(temperature=0.1))
    assert (prompt.name, prompt.latest, prompt.role, prompt.labels) == ("合同抽取", 1, "owner", {})
    better = Template(EXTRACT.system + "只输出 JSON 对象。", EXTRACT.user, EXTRACT.examples)
    v2 = library.add_version(alice, prompt.id, better, source="improved", parent=1, note="更严格")
    assert (v2.number, v2.parent, v2.source, v2.params.temperature) == (2, 1, "improved", 0.1)
    v1 = library.version(alice, prompt.id, 1)
    assert v1.template == EXTRACT and v1.template.examples[0].output == '{"甲方": "张三"}'

    library.set_label(alice, prompt.id, "production", 1)
    library.set_label(alice, prompt.id, "staging", 2)
    assert library.get(alice, prompt.id).labels == {"production": 1, "staging": 2}
    assert library.resolve(alice, "合同抽取")[1].number == 1                       # production by default
    library.set_label(alice, prompt.id, "production", 2)                         # moved, not copied
    assert library.resolve(alice, "合同抽取", label="production")[1].template == better
    assert library.resolve(alice, "合同抽取", label="latest")[1].number == 2
    assert library.resolve(alice, "合同抽取", version=1)[1].template == EXTRACT
    assert [v.number for v in library.versions(alice, prompt.id)] == [2, 1]

    gone = refused(PromptNotFound, lambda: library.resolve(alice, "合同抽取", label="canary"))
    assert gone.field == "label" and "canary" in gone.text("en")
    assert refused(PromptInvalid, lambda: library.set_label(alice, prompt.id, "latest", 1)).field == "label"
    assert refused(PromptInvalid, lambda: library.set_label(alice, prompt.id, "Prod Label", 1)).field == "label"
    assert refused(PromptNotFound, lambda: library.set_label(alice, prompt.id, "x", 9)).field == "version"


def test_scores_are_recorded_with_the_version_model_and_case_set(world):
    w, library = world
    alice = w.uid("alice")
    prompt = library.create(alice, "extract", EXTRACT)
    at = datetime(2026, 12, 7, 12, 0)
    library.record_score(alice, prompt.id, 1, Score("qwen", "abc", "held_out", 0.5, 4, 2, at))
    library.record_score(alice, prompt.id, 1, Score("qwen", "abc", "held_out", 0.75, 4, 3, at))   # measured again
    library.record_score(alice, prompt.id, 1, Score("qwen", "abc", "train", 0.6, 10, 6, at))
    scores = {s.part: s for s in library.version(alice, prompt.id, 1).scores}
    assert (scores["held_out"].score, scores["held_out"].passed, scores["train"].cases) == (0.75, 3, 10)


def test_names_are_unique_and_checked(world):
    w, library = world
    alice, bob = w.uid("alice"), w.uid("bob")
    library.create(alice, "summarise", EXTRACT)
    taken = refused(PromptInvalid, lambda: library.create(bob, "summarise", EXTRACT))
    assert taken.field == "name" and "summarise" in taken.text("zh")
    for bad in ("", "has space", "-dash-first", "a/b", "x" * 81):
        assert refused(PromptInvalid, lambda bad=bad: library.create(alice, bad, EXTRACT)).field == "name"
    assert refused(PromptInvalid, lambda: library.create(alice, "t", Template("s", ""))).field == "user"
    assert refused(PromptInvalid, lambda: library.create(alice, "t", EXTRACT,
                                                         params=Params(temperature=3))).field == "params.temperature"


def test_a_private_prompt_is_invisible_to_others_until_shared_with_their_team_or_the_square(world):
    w, library = world
    alice, bob, carol = w.uid("alice"), w.uid("bob"), w.uid("carol")
    prompt = library.create(alice, "私有提示词", EXTRACT)
    missing = refused(PromptNotFound, lambda: library.get(bob, "no-such-id"))
    hidden = refused(PromptNotFound, lambda: library.get(bob, prompt.id))
    assert hidden.text("en") == missing.text("en") and hidden.text("zh") == missing.text("zh")
    assert refused(PromptNotFound, lambda: library.resolve(bob, "私有提示词", label="latest")).field == "name"
    assert library.list_for(bob) == [] and library.search(bob, "私有") == []

    team = w.teams.create(alice, "Lab")
    w.teams.invite(alice, team.id, "bob", "member")
    moved = library.move(alice, prompt.id, team.id)
    assert moved.team_id == team.id
    assert library.get(bob, prompt.id).role == "member"
    assert [p.name for p in library.search(bob, "私有")] == ["私有提示词"]
    library.add_version(bob, prompt.id, EXTRACT, note="bob's")                 # members write versions
    denied = refused(PromptForbidden, lambda: library.set_label(bob, prompt.id, "production", 2))
    assert denied.field == "role"
    library.set_label(bob, prompt.id, "staging", 2)                            # but not production
    refused(PromptForbidden, lambda: library.publish(bob, prompt.id))
    refused(PromptNotFound, lambda: library.get(carol, prompt.id))

    library.publish(alice, prompt.id)
    seen = library.get(carol, prompt.id)
    assert seen.role == "reader" and [p.name for p in library.square(carol)] == ["私有提示词"]
    refused(PromptForbidden, lambda: library.add_version(carol, prompt.id, EXTRACT))
    fork = library.fork(carol, prompt.id, "carol-copy", version=1)
    assert (fork.role, fork.forked_from, fork.latest) == ("owner", "私有提示词@1", 1)
    assert library.version(carol, fork.id, 1).template == EXTRACT
    library.publish(alice, prompt.id, False)
    refused(PromptNotFound, lambda: library.get(carol, prompt.id))
    library.delete(alice, prompt.id)
    refused(PromptNotFound, lambda: library.get(bob, prompt.id))
    assert library.get(carol, fork.id).name == "carol-copy"                      # a fork is its own


def test_search_finds_chinese_and_english_words_best_match_first(world):
    w, library = world
    alice = w.uid("alice")
    library.create(alice, "date-normaliser", Template("Normalise dates to YYYY-MM-DD.", "{{text}}"),
                   description="dates")
    library.create(alice, "合同抽取", EXTRACT, description="从合同中抽取甲方乙方")
    library.create(alice, "classify", Template("把评论分为正面或负面。", "{{评论}}"))
    assert [p.name for p in library.search(alice, "合同")] == ["合同抽取"]
    assert [p.name for p in library.search(alice, "负面评论")] == ["classify"]
    assert [p.name for p in library.search(alice, "DATES")] == ["date-normaliser"]
    assert library.search(alice, "股票") == []
