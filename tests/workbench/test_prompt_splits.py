"""The training / held-out split: deterministic, stable when a case is added, never an empty part."""

from __future__ import annotations

import pytest

from workbench.prompt_studio.cases import Case, with_id
from workbench.prompt_studio.errors import PromptInvalid
from workbench.prompt_studio.splits import split

CASES = [with_id(Case({"城市": f"城市{i}"}, expected=f"答案{i}")) for i in range(20)]


def ids(cases: list[Case]) -> list[str]:
    return [case.id for case in cases]


def test_the_split_is_deterministic_and_keeps_the_order() -> None:
    first = split(CASES, 0.3, seed="s1")
    assert split(CASES, 0.3, seed="s1") == first
    assert len(first.held_out) == 6 and len(first.train) == 14
    assert sorted(ids(first.train) + ids(first.held_out)) == sorted(ids(CASES))
    order = ids(CASES)
    for part in (first.train, first.held_out):
        assert [order.index(i) for i in ids(part)] == sorted(order.index(i) for i in ids(part))


def test_the_seed_changes_the_split() -> None:
    assert ids(split(CASES, 0.3, seed="a").held_out) != ids(split(CASES, 0.3, seed="b").held_out)


def test_adding_a_case_moves_at_most_one_other() -> None:
    before = split(CASES, 0.3, seed="s")
    for i in range(5):
        after = split([*CASES, with_id(Case({"城市": f"新{i}"}))], 0.3, seed="s")
        moved = set(ids(before.held_out)) ^ (set(ids(after.held_out)) & set(ids(CASES)))
        assert len(moved) <= 1


def test_each_part_has_at_least_one_case() -> None:
    two = split(CASES[:2], 0.05)
    assert len(two.train) == 1 and len(two.held_out) == 1
    assert len(split(CASES[:3], 0.9).train) == 1
    unidentified = [Case({"q": "a"}), Case({"q": "b"}), Case({"q": "c"})]
    assert len(split(unidentified, 0.3).held_out) == 1


@pytest.mark.parametrize("fraction", [0, -0.1, 0.95, 1.0, float("nan")])
def test_a_fraction_outside_zero_to_nine_tenths_is_refused(fraction: float) -> None:
    with pytest.raises(PromptInvalid) as caught:
        split(CASES, fraction)
    assert caught.value.field == "held_out"
    assert "more than 0 and at most 0.9" in caught.value.text("en") and "不超过 0.9" in caught.value.text("zh")


def test_fewer_than_two_cases_are_refused() -> None:
    with pytest.raises(PromptInvalid) as caught:
        split(CASES[:1])
    assert caught.value.field == "cases"
    assert "You have 1" in caught.value.text("en") and "现在只有 1 条" in caught.value.text("zh")
