"""Regularisers: auxiliary terms kept by the compiler (optimisation details, not semantics).

A :class:`Regularizer` has a ``name``, a ``weight`` λ and a function of the loss's keyword inputs
returning a per-example tensor. By default its weighted value is *added* to the loss; with
``inside_link=True`` it is subtracted from ρ before the link (``f(β(ρ − λ·g))``, DPOP's placement).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

from dpalogic.errors import DPALogicError

RegFn = Callable[[Mapping[str, torch.Tensor]], torch.Tensor]


@dataclass(frozen=True)
class Regularizer:
    """A weighted auxiliary term ``weight * fn(inputs)``.

    ``fn`` receives a mapping of the loss call's keyword inputs (as tensors) and returns a tensor
    broadcastable to the batch. ``inputs`` lists the keywords it needs (checked: clear error).

    Example:
        >>> import torch
        >>> r = Regularizer("l2", 0.5, lambda kw: kw["policy_chosen_logps"] ** 2,
        ...                 inputs=("policy_chosen_logps",))
        >>> float(r({"policy_chosen_logps": torch.tensor(-2.0)}))
        2.0
    """

    name: str
    weight: float
    fn: RegFn = field(repr=False)
    inputs: tuple[str, ...] = ()
    inside_link: bool = False

    def __call__(self, inputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The weighted value ``weight * fn(inputs)``."""
        missing = [k for k in self.inputs if k not in inputs]
        if missing:
            raise DPALogicError(f"regularizer {self.name!r} needs the keyword input {missing[0]!r}")
        return self.weight * self.fn(inputs)


def _chosen(inputs: Mapping[str, torch.Tensor], normalize: bool) -> torch.Tensor:
    logp = inputs["policy_chosen_logps"]
    if normalize:
        if "chosen_lengths" not in inputs:
            raise DPALogicError("length-normalised SFT regularizer needs 'chosen_lengths'")
        logp = logp / inputs["chosen_lengths"]
    return logp


def sft(weight: float, length_normalize: bool = False) -> Regularizer:
    r"""SFT / NLL term :math:`\lambda\cdot(-\log p_w)` (CPO's and ORPO's auxiliary loss).

    With ``length_normalize`` the log-probability is divided by ``chosen_lengths`` (per-token NLL,
    as in ORPO and SimPO's SFT term). Reference: Hong et al., "ORPO", EMNLP 2024, eq. 6.

    Example:
        >>> import torch
        >>> float(sft(0.1)({"policy_chosen_logps": torch.tensor(-3.0)}))
        0.30000001192092896
    """
    need = (
        ("policy_chosen_logps", "chosen_lengths") if length_normalize else ("policy_chosen_logps",)
    )
    return Regularizer("sft", weight, lambda kw: -_chosen(kw, length_normalize), inputs=need)


def dpop(weight: float, inside_link: bool = True) -> Regularizer:
    r"""DPOP penalty :math:`\lambda\cdot\max(0, \log r_w - \log p_w)`.

    Penalises the chosen log-probability falling below the reference's. Pal et al. place it inside
    the sigmoid, ``-log σ(β(ρ − λ·max(0, log r_w − log p_w)))`` (``inside_link=True``, default);
    ``inside_link=False`` adds it to the loss instead. Reference: Pal et al., "Smaug: Fixing Failure
    Modes of Preference Optimisation with DPO-Positive", 2024, eq. 3.

    Example:
        >>> import torch
        >>> kw = {"policy_chosen_logps": torch.tensor(-3.0),
        ...       "reference_chosen_logps": torch.tensor(-1.0)}
        >>> float(dpop(0.5)(kw))
        1.0
    """
    return Regularizer(
        "dpop",
        weight,
        lambda kw: torch.relu(kw["reference_chosen_logps"] - kw["policy_chosen_logps"]),
        inputs=("policy_chosen_logps", "reference_chosen_logps"),
        inside_link=inside_link,
    )


def as_regularizer(obj: Regularizer | tuple[str, float, RegFn]) -> Regularizer:
    """Accept a :class:`Regularizer` or a ``(name, weight, fn)`` tuple."""
    if isinstance(obj, Regularizer):
        return obj
    if isinstance(obj, tuple) and len(obj) == 3 and callable(obj[2]):
        return Regularizer(str(obj[0]), float(obj[1]), obj[2])
    raise DPALogicError(f"not a regularizer: {obj!r} (use Regularizer(name, weight, fn))")
