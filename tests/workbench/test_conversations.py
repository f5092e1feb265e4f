"""Conversations saved per user in a real DuckDB file: isolation, search, edits, export, restart."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from workbench.conversations import ConversationError, Conversations, NotFound, heuristic_title
from workbench.schema import open_store
from workbench.store import FILE_NAME, store_path


@pytest.fixture()
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture()
def convs(data_dir):
    store = open_store(store_path(data_dir))
    yield Conversations(store)
    store.close()


def exchange(convs: Conversations, user: str, cid: str, question: str, answer: str, **answer_fields) -> None:
    convs.add_message(user, cid, "user", question)
    convs.add_message(user, cid, "assistant", answer, **answer_fields)


def test_store_is_the_workbench_file_in_the_data_dir(data_dir, convs):
    assert (data_dir / FILE_NAME).is_file()
    assert convs.list("alice") == []


def test_create_list_newest_first_with_title_and_model(convs):
    first = convs.create("alice", model="qwen2.5-coder:0.5b")
    second = convs.create("alice", model="deepseek-r1:32b")
    exchange(convs, "alice", first.id, "What is DuckDB?", "An embedded analytical database.")
    listed = convs.list("alice")
    assert [s.id for s in listed] == [first.id, second.id]          # first was updated last
    assert listed[0].title == "What is DuckDB" and listed[0].model == "qwen2.5-coder:0.5b"
    assert listed[1].title == "" and listed[1].updated_at <= listed[0].updated_at


def test_another_user_gets_the_same_error_as_a_missing_id(convs):
    conv = convs.create("alice", model="m")
    exchange(convs, "alice", conv.id, "秘密问题", "秘密回答")
    errors = []
    for call in (lambda cid: convs.get("bob", cid), lambda cid: convs.rename("bob", cid, "mine"),
                 lambda cid: convs.delete("bob", cid), lambda cid: convs.export_markdown("bob", cid),
                 lambda cid: convs.export_json("bob", cid), lambda cid: convs.add_message("bob", cid, "user", "hi"),
                 lambda cid: convs.update_settings("bob", cid, temperature=1),
                 lambda cid: convs.drop_last_answer("bob", cid)):
        for cid in (conv.id, "0" * 32):
            with pytest.raises(NotFound) as exc:
                call(cid)
            errors.append((exc.value.message, exc.value.text("zh")))
    assert len(set(errors)) == 1                                      # a missing id and a foreign one look alike
    assert convs.list("bob") == [] and convs.search("bob", "秘密") == []
    assert [m.content for m in convs.get("alice", conv.id).messages] == ["秘密问题", "秘密回答"]


def test_search_titles_and_content_in_chinese_and_english(convs):
    zh = convs.create("alice", model="m")
    exchange(convs, "alice", zh.id, "帮我总结这篇论文", "这篇论文研究了量子纠错码的实验实现。")
    en = convs.create("alice", model="m")
    exchange(convs, "alice", en.id, "Explain Transformers", "Self-Attention lets every token look at every other.")
    other = convs.create("bob", model="m")
    exchange(convs, "bob", other.id, "量子纠错是什么？", "Self-attention is unrelated.")

    hits = convs.search("alice", "量子纠错")
    assert [h.id for h in hits] == [zh.id] and "量子纠错码" in hits[0].snippet
    assert [h.id for h in convs.search("alice", "self-ATTENTION")] == [en.id]
    assert [h.id for h in convs.search("alice", "transformers")] == [en.id]        # the title
    assert [h.id for h in convs.search("alice", "论文")] == [zh.id]
    assert convs.search("alice", "no such words") == []
    assert convs.search("alice", "100%_") == []                                   # no LIKE wildcards
    assert [h.id for h in convs.search("bob", "量子")] == [other.id]


def test_automatic_title_from_the_first_question_and_rename_wins(convs):
    conv = convs.create("alice", model="m")
    exchange(convs, "alice", conv.id, "请帮我总结这篇关于量子计算的论文，重点是实验部分和结论", "好的")
    exchange(convs, "alice", conv.id, "Second question", "ok")
    title = convs.get("alice", conv.id).title
    assert title.startswith("请帮我总结") and title.endswith("…") and len(title) <= 21
    assert convs.set_model_title("alice", conv.id, "量子计算论文总结")
    assert convs.get("alice", conv.id).title == "量子计算论文总结"
    convs.rename("alice", conv.id, "  My   paper notes ")
    assert convs.get("alice", conv.id).title == "My paper notes"
    assert not convs.set_model_title("alice", conv.id, "Model title")     # the user's own title stays
    assert convs.get("alice", conv.id).title == "My paper notes"
    with pytest.raises(ConversationError) as exc:
        convs.rename("alice", conv.id, "   ")
    assert exc.value.field == "title" and exc.value.text("zh-CN") == "请输入标题。"


def test_heuristic_title_is_short_and_plain():
    assert heuristic_title("## How do I use **snake_case** in C#?") == "How do I use snake_case in C#"
    long = heuristic_title("Please explain how the attention mechanism in transformer models scales with length")
    assert long.endswith("…") and len(long) <= 51 and not long[:-1].endswith(" ")


def test_delete_removes_the_conversation_and_its_messages(convs):
    keep, gone = convs.create("alice", model="m"), convs.create("alice", model="m")
    exchange(convs, "alice", gone.id, "delete me", "ok")
    convs.delete("alice", gone.id)
    assert [s.id for s in convs.list("alice")] == [keep.id]
    with pytest.raises(NotFound):
        convs.get("alice", gone.id)
    assert convs.search("alice", "delete me") == []
    count = convs.store.cursor().execute("SELECT count(*) FROM messages WHERE conversation_id = ?", [gone.id])
    assert count.fetchone()[0] == 0


def test_edit_and_resend_truncates_after_the_question(convs):
    conv = convs.create("alice", model="m")
    exchange(convs, "alice", conv.id, "first", "answer 1")
    exchange(convs, "alice", conv.id, "second", "answer 2")
    exchange(convs, "alice", conv.id, "third", "answer 3")
    second = convs.get("alice", conv.id).messages[2]
    edited = convs.edit_question("alice", conv.id, second.id, "second, edited")
    assert edited.id == second.id and edited.content == "second, edited"
    assert [m.content for m in convs.get("alice", conv.id).messages] == ["first", "answer 1", "second, edited"]
    answer = convs.get("alice", conv.id).messages[1]
    with pytest.raises(ConversationError) as exc:
        convs.edit_question("alice", conv.id, answer.id, "x")
    assert exc.value.field == "message"
    with pytest.raises(NotFound):
        convs.edit_question("bob", conv.id, second.id, "x")


def test_regenerate_drops_only_the_last_answer(convs):
    conv = convs.create("alice", model="m")
    exchange(convs, "alice", conv.id, "first", "answer 1")
    exchange(convs, "alice", conv.id, "second", "answer 2")
    question = convs.drop_last_answer("alice", conv.id)
    assert question.content == "second"
    assert [m.content for m in convs.get("alice", conv.id).messages] == ["first", "answer 1", "second"]


def test_settings_are_checked_naming_the_field(convs):
    conv = convs.create("alice", model="m", system_prompt="Be brief.", temperature=0.7)
    settings = convs.update_settings("alice", conv.id, top_p=0.9, max_tokens="512", thinking=True, thinking_budget=256)
    assert (settings.system_prompt, settings.temperature, settings.top_p, settings.max_tokens) == \
        ("Be brief.", 0.7, 0.9, 512)
    assert settings.thinking and settings.thinking_budget == 256
    for bad, field in (({"temperature": 3}, "temperature"), ({"top_p": 0}, "top_p"), ({"max_tokens": -1}, "max_tokens"),
                       ({"thinking_budget": 5}, "thinking_budget"), ({"temperature": "hot"}, "temperature"),
                       ({"colour": 1}, "colour")):
        with pytest.raises(ConversationError) as exc:
            convs.update_settings("alice", conv.id, **bad)
        assert exc.value.field == field and field in exc.value.message and exc.value.text("zh")
    assert convs.get("alice", conv.id).settings == settings                 # nothing changed by a refusal


def test_export_markdown_and_json(convs):
    conv = convs.create("alice", model="deepseek-r1:32b", system_prompt="Answer in Chinese.")
    convs.add_message("alice", conv.id, "user", "这篇论文讲了什么？", attachments=[{"id": "doc1", "name": "paper.pdf"}])
    convs.add_message("alice", conv.id, "assistant", "它研究了量子纠错 [1]。", reasoning="先读摘要。\n再看实验。",
                      reasoning_seconds=12.4, model="deepseek-r1:32b",
                      usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                      sources=[{"index": 1, "title": "Quantum paper", "url": "https://example.org/q"},
                               {"index": 2, "title": "safety.pdf", "url": "", "kind": "kb", "detail": "p. 2 · Lab",
                                "first_page": 2, "quote": "x" * 3000, "Bad key": 1, "nested": {"no": 1}}])
    md = convs.export_markdown("alice", conv.id, "en")
    assert md.startswith("# 这篇论文讲了什么\n")
    for part in ("- Model: `deepseek-r1:32b`", "> Answer in Chinese.", "### User", "Attachments: paper.pdf",
                 "<summary>Thought for 12 s</summary>", "> 先读摘要。\n> 再看实验。", "它研究了量子纠错 [1]。",
                 "1. [Quantum paper](https://example.org/q)", "2. safety.pdf — p. 2 · Lab"):
        assert part in md, part
    # a source's extra plain fields are kept (texts cut), anything else is not
    kept = convs.get("alice", conv.id).messages[1].sources[1]
    assert kept == {"index": 2, "title": "safety.pdf", "url": "", "kind": "kb", "detail": "p. 2 · Lab",
                    "first_page": 2, "quote": "x" * 2000}
    assert "### 助手" in convs.export_markdown("alice", conv.id, "zh-CN")
    assert "已思考 12 秒" in convs.export_markdown("alice", conv.id, "zh-CN")

    doc = json.loads(convs.export_json("alice", conv.id))
    assert doc["format"] == "maas-workbench.conversation/1" and doc["title"] == "这篇论文讲了什么"
    assert doc["settings"]["system_prompt"] == "Answer in Chinese."
    user, answer = doc["messages"]
    assert user["attachments"] == [{"id": "doc1", "name": "paper.pdf"}]
    assert answer["reasoning"] == "先读摘要。\n再看实验。" and answer["reasoning_seconds"] == 12.4
    assert answer["usage"]["total_tokens"] == 15 and answer["sources"][0]["url"] == "https://example.org/q"


def test_a_restart_loses_nothing(data_dir):
    store = open_store(store_path(data_dir))
    convs = Conversations(store)
    conv = convs.create("alice", model="m", temperature=0.2)
    exchange(convs, "alice", conv.id, "重启之后还在吗？", "在的。", reasoning="想一想", reasoning_seconds=1.5,
             stopped=True)
    convs.rename("alice", conv.id, "重启测试")
    store.close()

    reopened = open_store(store_path(data_dir))
    try:
        again = Conversations(reopened).get("alice", conv.id)
        assert again.title == "重启测试" and again.settings.temperature == 0.2
        question, answer = again.messages
        assert (question.role, question.content) == ("user", "重启之后还在吗？")
        assert (answer.content, answer.reasoning, answer.reasoning_seconds, answer.stopped) == \
            ("在的。", "想一想", 1.5, True)
        assert [h.id for h in Conversations(reopened).search("alice", "重启")] == [conv.id]
    finally:
        reopened.close()


def test_concurrent_writes_from_many_threads_all_land(convs):
    conv = convs.create("alice", model="m")

    def work(n: int) -> None:
        convs.add_message("alice", conv.id, "user", f"question {n}")
        convs.update_settings("alice", conv.id, temperature=n % 2)
        convs.add_message("alice", conv.id, "assistant", f"answer {n}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(24)))
    messages = convs.get("alice", conv.id).messages
    assert len(messages) == 48 and len({m.id for m in messages}) == 48
    assert {m.content for m in messages} == {f"question {n}" for n in range(24)} | {f"answer {n}" for n in range(24)}


def test_a_refused_write_leaves_the_store_usable(convs):
    conv = convs.create("alice", model="m")
    convs.delete("alice", conv.id)
    with pytest.raises(NotFound):
        convs.add_message("alice", conv.id, "user", "too late")
    with pytest.raises(ConversationError):
        convs.add_message("alice", convs.create("alice").id, "user", "   ")
    again = convs.create("alice", model="m")
    convs.add_message("alice", again.id, "user", "still works")
    assert [m.content for m in convs.get("alice", again.id).messages] == ["still works"]


def test_the_mcp_tools_setting_and_an_answers_tool_steps_are_kept_and_exported(data_dir, convs):
    conv = convs.create("alice", model="m", tools=["e1", "e1/add", "e1"])
    assert conv.settings.tools == ("e1", "e1/add")                      # each once, in order
    for bad in ("e1", [""], ["x" * 301], [f"e{n}" for n in range(51)], 5):
        with pytest.raises(ConversationError) as err:
            convs.update_settings("alice", conv.id, tools=bad)
        assert err.value.field == "tools"
    assert convs.update_settings("alice", conv.id, tools=[]).tools == ()
    step = {"kind": "call", "tool": "add", "server": "Lab", "arguments": {"a": 2, "b": 3}, "status": "ok",
            "result": "5"}
    exchange(convs, "alice", conv.id, "2 + 3?", "5.", steps=[step, {"kind": "limit", "rounds": 8}])
    convs.store.close()
    again = Conversations(open_store(store_path(data_dir)))               # read back after a restart
    [_, answer] = again.get("alice", conv.id).messages
    assert answer.steps == [step, {"kind": "limit", "rounds": 8}]
    assert json.loads(again.export_json("alice", conv.id))["messages"][1]["steps"][0] == step
    markdown = again.export_markdown("alice", conv.id, "zh")
    assert '**工具调用**\n\n- `add` (Lab) `{"a": 2, "b": 3}` → ok\n- 已达到工具调用上限（8 轮）\n' in markdown
    again.store.close()
