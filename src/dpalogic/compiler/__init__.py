"""Compiler: preference structure → exact log-space PyTorch loss; links; closed form of ρ.

Public API::

    compile_structure(structure, *, link="logistic", beta=1.0, link_params=None,
                      length_normalize=False, regularizers=(), **link_kwargs) -> CompiledLoss
    CompiledLoss(**tensors) -> Tensor[batch];  .details(**tensors) -> LossDetails
    closed_form(structure, style="paper"|"latex"|"sympy");  rho_sympy(structure)
    LINKS, get_link, logistic, cdpo, robust, hinge, hinge_margin, squared
    Regularizer, sft, dpop;  log1mexp;  brute_force_rho
"""

from dpalogic.compiler.closed_form import closed_form, rho_sympy, weight_symbols
from dpalogic.compiler.compile import (
    CompiledLoss,
    LossDetails,
    compile_structure,
    input_keyword,
)
from dpalogic.compiler.links import (
    LINKS,
    cdpo,
    get_link,
    hinge,
    hinge_margin,
    logistic,
    robust,
    squared,
)
from dpalogic.compiler.numerics import log1mexp
from dpalogic.compiler.reference import brute_force_rho, brute_force_wmc
from dpalogic.compiler.regularizers import Regularizer, dpop, sft

__all__ = [
    "LINKS",
    "CompiledLoss",
    "LossDetails",
    "Regularizer",
    "brute_force_rho",
    "brute_force_wmc",
    "cdpo",
    "closed_form",
    "compile_structure",
    "dpop",
    "get_link",
    "hinge",
    "hinge_margin",
    "input_keyword",
    "log1mexp",
    "logistic",
    "rho_sympy",
    "robust",
    "sft",
    "squared",
    "weight_symbols",
]
