"""An immutable propositional formula tree over model predictions.

Atoms are predictions such as ``M(x,yw)`` — "the tuned model deems the winner a valid output
for x" — or ``Ref(x,yl)``. Connectives are ``Not``, n-ary ``And``/``Or``, ``Implies``, ``Iff``
and ``Xor`` (n-ary parity), plus the constants :data:`TOP` (⊤) and :data:`BOT` (⊥).

Nodes are hashable and compare structurally, like sympy's ``boolalg``: two formulas are ``==`` when
they are the same tree. Logical equivalence is :func:`dpalogic.logic.worlds.equivalent`.

Example:
    >>> from dpalogic.logic.formula import Atom, And, Implies
    >>> M, R = Atom("M", "yw"), Atom("Ref", "yl")
    >>> dpo = Implies(And(Atom("M", "yl"), Atom("Ref", "yw")), And(M, R))
    >>> print(dpo)
    Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from dpalogic.errors import UnknownVariableError

#: The two outputs of a preference pair: the winner (chosen) and the loser (rejected).
OUTPUTS = ("yw", "yl")
_PRED_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Formula:
    """Base class of every formula node. Subclasses are immutable and hashable."""

    __slots__ = ()

    def atoms(self) -> frozenset[Atom]:
        """The set of atoms that occur in the formula."""
        found: set[Atom] = set()
        for node in self.walk():
            if isinstance(node, Atom):
                found.add(node)
        return frozenset(found)

    def walk(self) -> Iterator[Formula]:
        """Pre-order traversal of the tree."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def children(self) -> tuple[Formula, ...]:
        """Direct subformulas (empty for atoms and constants)."""
        return ()

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        """Truth value under *assignment*; every atom of the formula must be assigned."""
        raise NotImplementedError

    def size(self) -> int:
        """Number of atom occurrences — the measure used to pick the shortest equivalent form."""
        return sum(1 for node in self.walk() if isinstance(node, Atom))

    # Operator sugar, as in sympy: ~a, a & b, a | b, a >> b (implies), a ^ b (xor).
    def __invert__(self) -> Formula:
        return Not(self)

    def __and__(self, other: Formula) -> Formula:
        return And(self, other)

    def __or__(self, other: Formula) -> Formula:
        return Or(self, other)

    def __rshift__(self, other: Formula) -> Formula:
        return Implies(self, other)

    def __xor__(self, other: Formula) -> Formula:
        return Xor(self, other)

    def __str__(self) -> str:
        from dpalogic.logic.printer import to_paper

        return to_paper(self)


class Atom(Formula):
    """A proposition ``pred(x, out)``: predicate *pred* applied to output ``yw`` or ``yl``."""

    __slots__ = ("out", "pred")
    pred: str
    out: str

    def __init__(self, pred: str, out: str) -> None:
        if not isinstance(pred, str) or not _PRED_RE.match(pred):
            raise UnknownVariableError(f"invalid predicate name {pred!r}")
        out = normalize_output(out)
        object.__setattr__(self, "pred", pred)
        object.__setattr__(self, "out", out)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("formulas are immutable")

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        try:
            return bool(assignment[self])
        except KeyError:
            raise UnknownVariableError(f"no truth value given for {self}") from None

    def swapped(self) -> Atom:
        """The same predicate on the other output (``yw`` ↔ ``yl``)."""
        return Atom(self.pred, "yl" if self.out == "yw" else "yw")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Atom) and (self.pred, self.out) == (other.pred, other.out)

    def __hash__(self) -> int:
        return hash(("Atom", self.pred, self.out))

    def __repr__(self) -> str:
        return f"Atom({self.pred!r}, {self.out!r})"

    def __str__(self) -> str:
        return f"{self.pred}(x,{self.out})"


class Const(Formula):
    """The constants ⊤ (``Const(True)``) and ⊥ (``Const(False)``); use :data:`TOP`, :data:`BOT`."""

    __slots__ = ("value",)
    value: bool

    def __init__(self, value: bool) -> None:
        object.__setattr__(self, "value", bool(value))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("formulas are immutable")

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Const) and self.value == other.value

    def __hash__(self) -> int:
        return hash(("Const", self.value))

    def __repr__(self) -> str:
        return "TOP" if self.value else "BOT"


TOP = Const(True)
BOT = Const(False)


class _Compound(Formula):
    """A connective applied to a tuple of subformulas."""

    __slots__ = ("args",)
    args: tuple[Formula, ...]
    arity: tuple[int, int | None] = (1, None)  # (min, max) number of arguments

    def __init__(self, *args: Formula) -> None:
        lo, hi = self.arity
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = str(lo) if lo == hi else f"at least {lo}" if hi is None else f"{lo}..{hi}"
            raise TypeError(f"{type(self).__name__} takes {want} arguments, got {len(args)}")
        for arg in args:
            if not isinstance(arg, Formula):
                raise TypeError(f"{type(self).__name__} arguments must be formulas, got {arg!r}")
        object.__setattr__(self, "args", tuple(args))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("formulas are immutable")

    @property
    def children(self) -> tuple[Formula, ...]:
        return self.args

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.args == other.args  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.args))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.args))})"


class Not(_Compound):
    """Negation ¬a."""

    __slots__ = ()
    arity = (1, 1)

    @property
    def arg(self) -> Formula:
        """The negated subformula."""
        return self.args[0]

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return not self.args[0].evaluate(assignment)


class And(_Compound):
    """n-ary conjunction a ∧ b ∧ …"""

    __slots__ = ()
    arity = (1, None)

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return all(a.evaluate(assignment) for a in self.args)


class Or(_Compound):
    """n-ary disjunction a ∨ b ∨ …"""

    __slots__ = ()
    arity = (1, None)

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return any(a.evaluate(assignment) for a in self.args)


class Implies(_Compound):
    """Material implication a → b."""

    __slots__ = ()
    arity = (2, 2)

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return (not self.args[0].evaluate(assignment)) or self.args[1].evaluate(assignment)


class Iff(_Compound):
    """Equivalence a ↔ b."""

    __slots__ = ()
    arity = (2, 2)

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return self.args[0].evaluate(assignment) == self.args[1].evaluate(assignment)


class Xor(_Compound):
    """Exclusive or; with more than two arguments, odd parity (a ⊕ b ⊕ …)."""

    __slots__ = ()
    arity = (2, None)

    def evaluate(self, assignment: Mapping[Atom, bool]) -> bool:
        return sum(a.evaluate(assignment) for a in self.args) % 2 == 1


def normalize_output(out: str) -> str:
    """Map the spellings researchers use (``yw``, ``y_w``, ``yl``, ``y_l``, the slides' ``yI``)
    to ``"yw"``/``"yl"``."""
    key = out.strip().replace("_", "").replace(" ", "")
    table = {"yw": "yw", "yl": "yl", "yI": "yl", "YW": "yw", "YL": "yl", "Yw": "yw", "Yl": "yl"}
    if key in table:
        return table[key]
    raise UnknownVariableError(
        f"unknown output {out!r}: expected yw (winner/chosen) or yl (loser/rejected)"
    )


def atoms_of(formulas: Iterable[Formula | None]) -> frozenset[Atom]:
    """Union of the atoms of several formulas (``None`` entries ignored)."""
    found: set[Atom] = set()
    for f in formulas:
        if f is not None:
            found |= f.atoms()
    return frozenset(found)


def M(out: str) -> Atom:
    """Shorthand for the tuned-model atom ``M(x,out)``."""
    return Atom("M", out)


def Ref(out: str) -> Atom:
    """Shorthand for the reference-model atom ``Ref(x,out)``."""
    return Atom("Ref", out)
