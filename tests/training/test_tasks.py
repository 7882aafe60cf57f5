"""Verifiable tasks: chosen verifies, rejected does not, verifiers tolerate surface variation."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.training.tasks import TASKS, Example, extract_answer, number_to_words, task_names

NAMES = sorted(TASKS)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_chosen_verifies_rejected_does_not(name, seed):
    task = TASKS[name]
    ex = task.make(random.Random(seed))
    assert isinstance(ex, Example)
    assert ex.chosen != ex.rejected
    assert task.verify(ex.answer, ex.chosen), ex
    assert not task.verify(ex.answer, ex.rejected), ex


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_surface_variation_accepted(name, seed):
    task = TASKS[name]
    ex = task.make(random.Random(seed))
    for variant in (
        f"{ex.chosen}.",
        f" {ex.chosen}\n",
        f"The answer is {ex.chosen}.",
        f"Answer: {ex.chosen}",
        f"**{ex.chosen}**",
        f"{ex.chosen}\nQuestion: something else 123",
        f"\n\n{ex.chosen}",
    ):
        assert task.verify(ex.answer, variant), (variant, ex)
    assert not task.verify(ex.answer, f"The answer is {ex.rejected}."), ex
    assert not task.verify(ex.answer, ""), ex


@pytest.mark.parametrize("name", NAMES)
def test_short_terse_prompts_and_completions(name):
    rng = random.Random(7)
    for _ in range(50):
        ex = TASKS[name].make(rng)
        assert len(ex.chosen) <= 40 and len(ex.rejected) <= 60
        assert "just" in ex.prompt or "one lowercase word" in ex.prompt  # asks for terseness


@pytest.mark.parametrize("name", NAMES)
def test_make_is_deterministic(name):
    a = [TASKS[name].make(random.Random(3)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng1, rng2 = random.Random(11), random.Random(12)
    assert [TASKS[name].make(rng1) for _ in range(20)] != [
        TASKS[name].make(rng2) for _ in range(20)
    ]


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("42", "42"),
        ("42.", "42"),
        ("The answer is 42", "42"),
        ("the final answer is: 42!", "42"),
        ("Answer: `42`", "42"),
        ("6 * 7 = 42", "42"),
        ("So, the answer is 42.\n7", "42"),
        ("  \n'elppa'", "elppa"),
        ("It's yes.", "yes"),
    ],
)
def test_extract_answer(completion, expected):
    assert extract_answer(completion) == expected


@pytest.mark.parametrize(
    ("task", "answer", "completion", "ok"),
    [
        ("arithmetic", "42", "42", True),
        ("arithmetic", "42", "42.0", True),
        ("arithmetic", "1000", "1,000", True),
        ("arithmetic", "42", "421", False),
        ("arithmetic", "42", "4 2", False),
        ("arithmetic", "-7", "-7", True),
        ("unit_conversion", "250", "250 centimeters", True),
        ("unit_conversion", "250", "2500", False),
        ("yes_no", "yes", "yes", True),
        ("yes_no", "yes", "Yes, 17 is greater than 9.", False),
        ("uppercase", "RIVER", "River", False),
        ("uppercase", "RIVER", "RIVER.", True),
        ("reverse", "elppa", "Elppa", True),
        ("reverse", "00121", "121", True),
        ("reverse", "00121", "12100", False),
        ("sort_numbers", "2, 5, 9", "2,5,9", True),
        ("sort_numbers", "2, 5, 9", "9, 5, 2", False),
        ("sort_numbers", "2, 5, 9", "2, 5, 9 and 10", False),
        ("number_words", "forty-two", "Forty two", True),
        ("number_words", "forty-two", "42", False),
        ("number_words", "42", "42", True),
        ("next_letter", "g", "G", True),
        ("next_letter", "g", "e", False),
    ],
)
def test_verifier_cases(task, answer, completion, ok):
    assert TASKS[task].verify(answer, completion) is ok


def test_registry():
    assert task_names() == list(TASKS)
    assert len(TASKS) >= 5
    for name, task in TASKS.items():
        assert task.name == name and task.description
    assert number_to_words(0) == "zero" and number_to_words(42) == "forty-two"
    assert number_to_words(90) == "ninety"
