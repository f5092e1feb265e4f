"""The anti-copy check: a candidate prompt that pastes a training answer (whole or a long run of it) is caught,
in English and Chinese; labels and what the user's own prompt already says are not copies."""

from __future__ import annotations

from workbench.prompt_studio.copycheck import Copy, find_copy, refusal

EXPECTED = [
    "positive",
    "The invoice total is 1,250 euros, due on the first of March next year.",
    "北京今天晴，最高气温二十五度，傍晚有轻微的北风。",
    "positive",
    "negative",
    "Negative",
]


def test_a_pasted_english_answer_is_caught() -> None:
    candidate = ("Classify the email.\nFor example, answer: ＴＨＥ  INVOICE total is １,２５０ euros, due on "
                 "the\nfirst of March next year.")
    copy = find_copy(candidate, EXPECTED)
    assert copy is not None and copy.case_index == 1
    assert copy.excerpt.startswith("the invoice total is 1,250 euros") and len(copy.excerpt) <= 60


def test_a_long_run_of_english_words_is_caught_a_short_one_is_not() -> None:
    run = "Say things like: the invoice total is 1,250 euros, due on the first day."
    copy = find_copy(run, EXPECTED)
    assert copy is not None and copy.case_index == 1 and "invoice total is 1" in copy.excerpt
    assert find_copy("Report when the invoice total is due.", EXPECTED) is None


def test_a_pasted_chinese_answer_is_caught() -> None:
    candidate = "你是天气助手。参考答案：北京今天晴，最高气温二十五度，傍晚有轻微的北风。"
    assert find_copy(candidate, EXPECTED).case_index == 2
    part = "回答时可以这样写：最高气温二十五度，傍晚有轻微"           # 13 CJK characters of the answer
    assert find_copy(part, EXPECTED) == Copy(2, "最高气温二十五度傍晚有轻")
    assert find_copy("回答时说明最高气温二十五度即可", EXPECTED) is None     # 8 characters: not a copy


def test_mixed_chinese_and_english_runs_count_both() -> None:
    expected = ["请使用 Python pandas read csv function 读取订单文件"]
    # 2 + 4 characters (6/12) and 5 words (5/8): a long enough run; 2 characters and 5 words: not
    assert find_copy("提示：使用 Python pandas read csv function 读取订单", expected) is not None
    assert find_copy("提示：Python pandas read csv function 读取", expected) is None


def test_a_label_shared_by_cases_is_not_a_copy() -> None:
    assert find_copy("Answer positive or negative, nothing else.", EXPECTED) is None
    assert find_copy("Answer with the word positive.", ["positive", "neutral"]) is not None


def test_text_the_user_already_wrote_is_not_a_copy() -> None:
    original = "Reply like: The invoice total is 1,250 euros, due on the first of March next year."
    assert find_copy(original + " Be brief.", EXPECTED, allowed=original) is None
    example = "示例回答：北京今天晴，最高气温二十五度，傍晚有轻微的北风。"
    assert find_copy("参考：北京今天晴，最高气温二十五度，傍晚有轻微的北风。", EXPECTED, allowed=example) is None


def test_the_refusal_says_which_case_was_pasted() -> None:
    error = refusal(Copy(2, "最高气温二十五度"))
    assert error.field == "candidate"
    assert "refused" in error.text("en") and "training case 3" in error.text("en")
    assert "候选提示词已被拒绝" in error.text("zh") and "训练用例 3" in error.text("zh")
    assert "最高气温二十五度" in error.text("zh")
