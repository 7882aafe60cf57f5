"""Hypothesis strategies for formulas over a small vocabulary (shared by the logic tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from dpalogic.logic import BOT, TOP, WITH_REF, And, Iff, Implies, Not, Or, Xor

atoms = st.sampled_from(WITH_REF)
leaves = st.one_of(atoms, atoms, atoms, st.sampled_from([TOP, BOT]))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    lists = st.lists(children, min_size=2, max_size=3)
    return st.one_of(
        children.map(Not),
        lists.map(lambda xs: And(*xs)),
        lists.map(lambda xs: Or(*xs)),
        lists.map(lambda xs: Xor(*xs)),
        st.tuples(children, children).map(lambda ab: Implies(*ab)),
        st.tuples(children, children).map(lambda ab: Iff(*ab)),
    )


formulas = st.recursive(leaves, _extend, max_leaves=8)
