"""Verifiable preference tasks: prompts whose answer a program can check.

Every task draws an :class:`Example` from a ``random.Random`` — a prompt asking for a terse
answer, the canonical ``answer``, a ``chosen`` completion (correct) and a ``rejected``
completion (a plausible mistake: off-by-one, wrong operation, wrong unit factor, unreversed
string, ignored format, ...) — and checks any completion with ``verify(answer, completion)``.
The verifier accepts reasonable surface variation ("42", "42.", "The answer is 42", "**42**",
"6 * 7 = 42") and reads only the first non-empty line, so greedy generations that ramble
on after the answer still score.

Declare a task in one place: add a ``Task(...)`` to :data:`TASKS` at the bottom of this module.

>>> import random
>>> task = TASKS["arithmetic"]
>>> ex = task.make(random.Random(0))
>>> task.verify(ex.answer, ex.chosen), task.verify(ex.answer, ex.rejected)
(True, False)
>>> TASKS["arithmetic"].verify("42", "The answer is 42.")
True
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TASKS", "Example", "Task", "extract_answer", "number_to_words", "task_names"]


@dataclass(frozen=True)
class Example:
    """One verifiable preference pair (completions are bare answers, no leading space)."""

    prompt: str
    answer: str
    chosen: str
    rejected: str


@dataclass(frozen=True)
class Task:
    """A named generator of verifiable preference pairs.

    ``make(rng)`` returns an :class:`Example` whose ``chosen`` verifies and whose ``rejected`` does
    not; ``verify(answer, completion)`` is the program that checks a completion.
    """

    name: str
    description: str
    generate: Callable[[random.Random], Example]
    check: Callable[[str, str], bool]

    def make(self, rng: random.Random) -> Example:
        """Draw one example (deterministic given the state of ``rng``)."""
        return self.generate(rng)

    def verify(self, answer: str, completion: str) -> bool:
        """True iff ``completion`` states ``answer`` (surface variation tolerated)."""
        return self.check(answer, completion)


# --------------------------------------------------------------------------- answer extraction

_LEAD = re.compile(
    r"^(?:(?:so|thus|therefore|hence|well|ok(?:ay)?)\s*,?\s*)?"
    r"(?:(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|result|output)\s*(?:is\s*:?|:|=|would\s+be)\s*"
    r"|(?:it\s+is|it's|that\s+is|that's)\s+)",
    re.IGNORECASE,
)
_WRAP = "\"'`*_ \t"


def extract_answer(completion: str) -> str:
    """The answer a completion states: its first non-empty line without lead-ins and wrapping.

    Strips chat/markdown wrapping (quotes, ``**``, backticks), phrases such as "The answer is" /
    "Answer:", everything up to the last "=" of an equation, and trailing ".", "!".

    >>> extract_answer(" The answer is **42**.\\nNext question")
    '42'
    >>> extract_answer("6 * 7 = 42")
    '42'
    """
    line = next((ln for ln in completion.splitlines() if ln.strip(_WRAP)), "")
    text = line.strip(_WRAP)
    text = _LEAD.sub("", text, count=1).strip(_WRAP)
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    text = text.strip(_WRAP).rstrip(".!").strip(_WRAP)
    return text


_NUM = re.compile(r"^[-−]?\d[\d,]*(?:\.\d+)?")


def _parse_number(text: str) -> float | None:
    """The number a string starts with (thousands commas allowed), or None."""
    m = _NUM.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    if rest[:1].isdigit():
        return None
    try:
        return float(m.group().replace(",", "").replace("−", "-"))
    except ValueError:
        return None


def _check_number(answer: str, completion: str) -> bool:
    """Numeric answers: the stated answer starts with the right number (a unit word may follow)."""
    value = _parse_number(extract_answer(completion))
    return value is not None and abs(value - float(answer)) < 1e-9


def _check_word_ci(answer: str, completion: str) -> bool:
    """Case-insensitive exact match of the stated answer."""
    return extract_answer(completion).lower() == answer.lower()


def _check_exact(answer: str, completion: str) -> bool:
    """Case-sensitive exact match (format-following tasks)."""
    return extract_answer(completion) == answer


def _check_number_list(answer: str, completion: str) -> bool:
    """The stated answer is exactly the list of numbers in ``answer`` in order (any separators)."""
    stated = extract_answer(completion)
    if re.search(r"[A-Za-z]", stated):
        return False
    return re.findall(r"-?\d+", stated) == re.findall(r"-?\d+", answer)


# --------------------------------------------------------------------------- word lists

_WORDS = [
    "apple",
    "banana",
    "cherry",
    "garden",
    "planet",
    "river",
    "window",
    "silver",
    "orange",
    "purple",
    "yellow",
    "rocket",
    "pencil",
    "basket",
    "candle",
    "dragon",
    "forest",
    "guitar",
    "hammer",
    "island",
    "jacket",
    "kitten",
    "lemon",
    "market",
    "number",
    "object",
    "pepper",
    "rabbit",
    "saddle",
    "tomato",
    "umbrella",
    "violin",
    "wallet",
    "yogurt",
    "zebra",
    "anchor",
    "bridge",
    "castle",
    "desert",
    "engine",
    "falcon",
    "ginger",
    "harbor",
    "insect",
    "jungle",
    "kettle",
    "ladder",
    "magnet",
    "needle",
    "oyster",
    "parrot",
    "quartz",
    "ribbon",
    "shadow",
    "ticket",
    "velvet",
    "winter",
    "button",
    "cactus",
    "dinner",
    "flower",
    "glove",
    "honey",
    "iceberg",
    "jelly",
    "koala",
    "lizard",
    "monkey",
    "nectar",
    "ocean",
    "pirate",
    "quilt",
    "rocket",
    "sunset",
    "turtle",
    "unicorn",
    "valley",
    "walnut",
    "bottle",
    "camera",
    "donkey",
    "eagle",
    "feather",
    "goblin",
    "helmet",
    "igloo",
    "jigsaw",
    "kingdom",
    "lantern",
    "mirror",
    "noodle",
    "orbit",
    "pillow",
    "puzzle",
    "salmon",
    "spider",
    "tunnel",
    "sponge",
    "meadow",
    "copper",
    "marble",
    "canyon",
    "summit",
    "breeze",
    "thunder",
    "pebble",
    "blossom",
    "comet",
    "spark",
    "cotton",
    "crystal",
    "dolphin",
    "giraffe",
    "hamster",
    "penguin",
    "raccoon",
    "squirrel",
    "tiger",
    "walrus",
    "beetle",
]
WORDS: tuple[str, ...] = tuple(dict.fromkeys(_WORDS))  # unique, order kept (deterministic)

_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def _near_miss(value: int, rng: random.Random, *, low: int | None = None) -> int:
    """An off-by-one (or off-by-ten) mistake, never equal to ``value`` and never below ``low``."""
    for delta in rng.sample([1, -1, 10, -10, 2, -2], 6):
        if low is None or value + delta >= low:
            return value + delta
    return value + 1


# --------------------------------------------------------------------------- tasks

_TERSE = "Answer with just the number."


def _arithmetic(rng: random.Random) -> Example:
    op = rng.choice("+-*")
    if op == "*":
        a, b = rng.randint(2, 12), rng.randint(2, 12)
    else:
        a, b = rng.randint(2, 99), rng.randint(2, 99)
    ops = {"+": a + b, "-": a - b, "*": a * b}
    value = ops[op]
    if rng.random() < 0.5:  # wrong operation
        wrong = ops[rng.choice([o for o in ops if ops[o] != value] or ["+"])]
        if wrong == value:
            wrong = _near_miss(value, rng)
    else:  # off-by-one / carry slip
        wrong = _near_miss(value, rng)
    prompt = f"What is {a} {op} {b}? {_TERSE}"
    return Example(prompt, str(value), str(value), str(wrong))


_UNITS: tuple[tuple[str, str, int, int], ...] = (
    # (from, to, factor, plausible wrong factor)
    ("meters", "centimeters", 100, 10),
    ("meters", "millimeters", 1000, 100),
    ("centimeters", "millimeters", 10, 100),
    ("kilometers", "meters", 1000, 100),
    ("kilograms", "grams", 1000, 100),
    ("liters", "milliliters", 1000, 100),
    ("hours", "minutes", 60, 100),
    ("minutes", "seconds", 60, 100),
    ("days", "hours", 24, 12),
    ("weeks", "days", 7, 5),
    ("feet", "inches", 12, 10),
    ("yards", "feet", 3, 12),
)


def _unit_conversion(rng: random.Random) -> Example:
    src, dst, factor, wrong_factor = rng.choice(_UNITS)
    amount = rng.randint(2, 30)
    value = amount * factor
    wrong = amount * wrong_factor
    if wrong == value:  # pragma: no cover - factors differ by construction
        wrong = _near_miss(value, rng)
    prompt = f"How many {dst} are in {amount} {src}? {_TERSE}"
    return Example(prompt, str(value), str(value), str(wrong))


def _counting(rng: random.Random) -> Example:
    if rng.random() < 0.5:
        word = rng.choice(WORDS)
        letter = rng.choice(sorted(set(word)))
        value = word.count(letter)
        prompt = f"How many times does the letter '{letter}' appear in '{word}'? {_TERSE}"
    else:
        digits = "".join(rng.choice(string.digits) for _ in range(rng.randint(5, 8)))
        digit = rng.choice(sorted(set(digits)))
        value = digits.count(digit)
        prompt = f"How many times does the digit {digit} appear in {digits}? {_TERSE}"
    wrong = value + rng.choice([1, -1])  # off by one (value >= 1: the item occurs)
    return Example(prompt, str(value), str(value), str(wrong))


def _swap_two(text: str, rng: random.Random) -> str:
    """``text`` with two different adjacent characters swapped (a plausible slip)."""
    spots = [i for i in range(len(text) - 1) if text[i] != text[i + 1]]
    i = rng.choice(spots)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _reverse(rng: random.Random) -> Example:
    if rng.random() < 0.5:
        item = rng.choice(WORDS)
        kind = "word"
        prompt = f"Reverse the letters of the word '{item}'. Answer with just the reversed word."
    else:
        item = str(rng.randint(1000, 99999))
        kind = "number"
        prompt = f"Reverse the digits of {item}. Answer with just the reversed digits."
    value = item[::-1]
    if value == item:  # palindrome: a swap is still a wrong answer
        wrong = _swap_two(value, rng)
    elif rng.random() < 0.5:
        wrong = item  # forgot to reverse
    else:
        wrong = _swap_two(value, rng)
    if kind == "number" and wrong.lstrip("0") == value.lstrip("0"):  # pragma: no cover
        wrong = item
    return Example(prompt, value, value, wrong)


def _check_reverse(answer: str, completion: str) -> bool:
    stated = extract_answer(completion)
    if answer.isdigit():
        # reversed numbers may start with zeros ("0321"); "321" is also accepted
        return stated.isdigit() and stated.lstrip("0") == answer.lstrip("0")
    return stated.lower() == answer.lower()


def _uppercase(rng: random.Random) -> Example:
    word = rng.choice(WORDS)
    n_words = rng.choice([1, 2])
    words = [word] if n_words == 1 else [word, rng.choice([w for w in WORDS if w != word])]
    phrase = " ".join(words)
    value = phrase.upper()
    wrong = phrase.title() if rng.random() < 0.5 else phrase  # ignored the format
    prompt = f"Write '{phrase}' in capital letters. Answer with just the result."
    return Example(prompt, value, value, wrong)


def _yes_no(rng: random.Random) -> Example:
    a, b = rng.sample(range(1, 100), 2)
    relation = rng.choice(["greater", "smaller"])
    truth = a > b if relation == "greater" else a < b
    value = "yes" if truth else "no"
    if rng.random() < 0.5:  # ignored the format: right content, full sentence, capitalised
        verb = "is" if truth else "is not"
        wrong = f"{value.capitalize()}, {a} {verb} {relation} than {b}."
    else:  # wrong answer
        wrong = "no" if truth else "yes"
    prompt = f"Is {a} {relation} than {b}? Reply with one lowercase word: yes or no."
    return Example(prompt, value, value, wrong)


def _check_yes_no(answer: str, completion: str) -> bool:
    return extract_answer(completion) == answer


def _sort_numbers(rng: random.Random) -> Example:
    nums = rng.sample(range(1, 100), rng.randint(3, 4))
    ordered = sorted(nums)
    value = ", ".join(map(str, ordered))
    if rng.random() < 0.5:
        wrong_list = ordered[::-1]  # wrong direction
    else:
        wrong_list = list(ordered)
        i = rng.randrange(len(ordered) - 1)
        wrong_list[i], wrong_list[i + 1] = wrong_list[i + 1], wrong_list[i]
    wrong = ", ".join(map(str, wrong_list))
    shown = ", ".join(map(str, nums))
    prompt = (
        f"Sort these numbers from smallest to largest: {shown}. "
        "Answer with just the numbers, separated by commas."
    )
    return Example(prompt, value, value, wrong)


_OFFSETS = {1: "right", 2: "two letters", 3: "three letters"}


def _next_letter(rng: random.Random) -> Example:
    k = rng.choice(list(_OFFSETS))
    i = rng.randrange(k, 26 - k)
    letter = string.ascii_lowercase[i]
    after = rng.random() < 0.5
    value = string.ascii_lowercase[i + k if after else i - k]
    # plausible mistakes: wrong direction, or off by one place
    wrong_index = rng.choice([i - k if after else i + k, (i + k + 1) if after else (i - k - 1)])
    if not 0 <= wrong_index < 26:
        wrong_index = i - k if after else i + k
    wrong = string.ascii_lowercase[wrong_index]
    where = "after" if after else "before"
    prompt = (
        f"Which letter comes {_OFFSETS[k]} {where} '{letter}' in the alphabet? "
        "Answer with just the letter."
    )
    return Example(prompt, value, value, wrong)


_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_to_words(n: int) -> str:
    """English words for 0 ≤ n ≤ 99 ("forty-two")."""
    if n < 20:
        return _NUMBER_WORDS[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens - 2] + ("" if ones == 0 else "-" + _NUMBER_WORDS[ones])


def _number_word(rng: random.Random) -> Example:
    n = rng.randrange(100)
    if rng.random() < 0.5:
        value = number_to_words(n)
        # ignored the format (digits instead of a word), or off by one
        off_by_one = number_to_words(n + 1 if n < 99 else n - 1)
        wrong = str(n) if rng.random() < 0.5 else off_by_one
        prompt = f"Write the number {n} as an English word. Answer with just the word."
    else:
        value = str(n)
        wrong = str(n + 1 if n < 99 and rng.random() < 0.5 else (n - 1 if n else 1))
        prompt = f"Write '{number_to_words(n)}' as digits. {_TERSE}"
    return Example(prompt, value, value, wrong)


def _check_number_word(answer: str, completion: str) -> bool:
    if answer.isdigit():
        return _check_number(answer, completion)
    return re.sub(r"[\s-]+", "-", extract_answer(completion).lower()) == answer


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("arithmetic", "add, subtract or multiply two numbers", _arithmetic, _check_number),
        Task(
            "unit_conversion",
            "convert an amount between units (m→cm, h→min, ...)",
            _unit_conversion,
            _check_number,
        ),
        Task(
            "counting", "count a letter in a word or a digit in a number", _counting, _check_number
        ),
        Task(
            "reverse",
            "reverse the letters of a word or the digits of a number",
            _reverse,
            _check_reverse,
        ),
        Task("uppercase", "write a word or two in capital letters", _uppercase, _check_exact),
        Task(
            "yes_no", "compare two numbers, reply with one lowercase word", _yes_no, _check_yes_no
        ),
        Task(
            "sort_numbers",
            "sort 3–4 numbers ascending, comma-separated",
            _sort_numbers,
            _check_number_list,
        ),
        Task(
            "next_letter", "the letter right after / before a letter", _next_letter, _check_word_ci
        ),
        Task("number_words", "number ↔ English word (0–99)", _number_word, _check_number_word),
    )
}
"""Registry of built-in tasks, by name (declare a task in one place: here)."""


def task_names() -> list[str]:
    """Names of the built-in tasks in registry order."""
    return list(TASKS)
