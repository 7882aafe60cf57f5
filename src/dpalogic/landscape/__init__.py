"""The loss landscape: order, lattice, neighbours, intervals, equivalence, properties, census.

Submodules (import them directly): :mod:`~dpalogic.landscape.order` (compare, meet, join),
:mod:`~dpalogic.landscape.lattice` (Hasse diagrams and semantic regions),
:mod:`~dpalogic.landscape.neighbours` (immediate neighbours and intervals),
:mod:`~dpalogic.landscape.equivalence` (functional equivalence of losses),
:mod:`~dpalogic.landscape.render` (graphviz figures), :mod:`~dpalogic.landscape.properties` and
:mod:`~dpalogic.landscape.census`.
"""

from dpalogic.landscape.census import CensusResult, census

__all__ = ["CensusResult", "census"]
