"""A rewrite of a prompt must keep the original's requirements: variables, output formats, constraints and facts;
what it drops is caught by code and named, en and zh, and a faithful light rephrase passes every check."""

from __future__ import annotations

from workbench.prompt_studio.requirements import Requirement, check, describe, dropped, requirements

EN = ("You are a support assistant for {{product}}. Answer the customer's question in at most 3 sentences. "
      "Never promise refunds. Reply in JSON with the keys \"answer\" and \"confidence\". Shipping takes 5 days.")
EN_FAITHFUL = ("Never promise a refund. You are a helpful support assistant for {{ product }}.\n"
               "- Answer the customer's questions in no more than three sentences.\n"
               "- Reply in JSON using the keys \"answer\" and \"confidence\".\n- Shipping takes 5 days.")
ZH = ("你是一名客服助手。请根据{{question}}回答用户的问题。必须输出 JSON，字段为“answer”。回答不要超过三句话。"
      "不要编造订单号。")
ZH_FAITHFUL = ("你是一名客服助手，请根据{{question}}回答用户的问题。务必输出 JSON，字段为“answer”。回答不超过3句话。"
               "切勿编造订单号。")


def test_the_requirements_of_a_prompt_are_read_in_order() -> None:
    assert requirements(EN) == [
        Requirement("variable", "{{product}}", ("{{product}}",)),
        Requirement("constraint", "Answer the customer's question in at most 3 sentences.",
                    ("answer", "customer's", "question", "3", "sentences")),
        Requirement("constraint", "Never promise refunds.", ("promise", "refunds")),
        Requirement("format", 'Reply in JSON with the keys "answer" and "confidence".', ("JSON",)),
        Requirement("fact", '"answer"', ("“answer”",)),
        Requirement("fact", '"confidence"', ("“confidence”",)),
        Requirement("fact", "5 days", ("5", "days")),
    ]
    kinds = [(r.kind, r.keys) for r in requirements(ZH)]
    assert kinds == [("variable", ("{{question}}",)), ("format", ("JSON",)),
                     ("constraint", ("“answer”", "输出", "json", "字段")), ("constraint", ("回答", "3", "句话")),
                     ("constraint", ("编造", "造订", "订单", "单号"))]


def test_a_faithful_rewrite_that_reorders_and_rephrases_keeps_every_requirement() -> None:
    for original, rewrite in ((EN, EN_FAITHFUL), (ZH, ZH_FAITHFUL)):
        checks = check(requirements(original), rewrite)
        assert len(checks) >= 5 and not dropped(checks), [describe(c).text("en") for c in dropped(checks)]
        assert describe(checks[0]).text("en").startswith("Kept: the variable “{{")
        assert describe(checks[0]).text("zh").startswith("已保留：变量")


def test_dropping_at_most_3_sentences_is_caught_and_named() -> None:
    rewrite = EN_FAITHFUL.replace(" in no more than three sentences", "")
    lost = dropped(check(requirements(EN), rewrite))
    assert [c.requirement.text for c in lost] == ["Answer the customer's question in at most 3 sentences."]
    assert set(lost[0].missing) == {"3", "sentences", "at most"}
    said = describe(lost[0])
    assert said.text("en") == ("Dropped: the constraint “Answer the customer's question in at most 3 sentences.” "
                               "(missing: 3, sentences, at most).")
    assert said.text("zh").startswith("已丢失：约束“Answer the customer's question in at most 3 sentences.”")


def test_a_changed_number_or_a_loosened_bound_is_not_kept() -> None:
    reqs = requirements("Answer the customer's question in at most 3 sentences.")
    assert dropped(check(reqs, "Answer the customer's question in at most 5 sentences."))
    assert dropped(check(reqs, "Answer the customer's question in at least 3 sentences."))
    assert not dropped(check(reqs, "Respond to the customer's question in 3 sentences or fewer."))


def test_dropping_must_output_json_in_chinese_is_caught_and_named() -> None:
    rewrite = "你是一名客服助手。请根据{{question}}回答用户的问题，字段为“answer”。回答不要超过三句话。不要编造订单号。"
    lost = dropped(check(requirements(ZH), rewrite))
    assert [(c.requirement.kind, c.requirement.text) for c in lost] == [
        ("format", "必须输出 JSON，字段为“answer”。"), ("constraint", "必须输出 JSON，字段为“answer”。")]
    assert describe(lost[0]).text("zh") == ("已丢失：原提示词要求输出 JSON（“必须输出 JSON，字段为“answer”。”），"
                                            "改写后不再提及。")
    assert describe(lost[1]).text("zh") == "已丢失：约束“必须输出 JSON，字段为“answer”。”（缺少：输出, json）。"
    assert "Dropped: the original asks for JSON" in describe(lost[0]).text("en")


def test_never_turned_into_always_is_not_kept() -> None:
    for original, rewrite, word in (("Never promise refunds.", "Always promise refunds.", "never"),
                                    ("不要编造订单号。", "可以编造订单号。", "不要"),
                                    ("Always cite the source.", "Do not cite the source.", "always")):
        checks = check(requirements(original), rewrite)
        assert not checks[0].kept and checks[0].missing == (word,)
        assert f"no longer says “{word}”" in describe(checks[0]).text("en")
        assert f"不再包含“{word}”" in describe(checks[0]).text("zh")


def test_a_dropped_variable_is_caught() -> None:
    reqs = requirements("Translate {{text}} into {{language}}.")
    lost = dropped(check(reqs, "Translate {{text}} into French."))
    assert [c.missing for c in lost] == [("{{language}}",)]
    assert "{{language}} is gone" in describe(lost[0]).text("en")
    assert "变量 {{language}} 不见了" in describe(lost[0]).text("zh")
    assert not dropped(check(reqs, "Into {{ language }}, translate {{text}}."))


def test_formats_count_any_synonym_and_quoted_facts_need_all_of_them() -> None:
    reqs = requirements("Give the steps as a bullet list. Use the term 「灰度发布」. 以表格形式列出价格。")
    assert [r.keys for r in reqs] == [("list",), ("“灰度发布”",), ("table",)]
    assert not dropped(check(reqs, "List the steps as numbered items. Use 「灰度发布」. 价格用表格。"))
    lost = dropped(check(reqs, "Give the steps. Use the term 灰度. 列出价格。"))
    assert [c.requirement.keys for c in lost] == [("list",), ("“灰度发布”",), ("table",)]
