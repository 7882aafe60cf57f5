"""Parity with TRL: for the losses TRL 1.16 has built in (sigmoid, ipo, hinge, robust,
sigmoid_norm, bco_pair, sigmoid+sft; also nca_pair, sppo_hard, apo_zero),
CompiledLossTrainer with the equivalent compiled loss gives the same loss and the same gradients
as TRL's own DPOTrainer, on the same tiny model and batch (1e-6).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

pytest.importorskip("trl")

import torch
from datasets import Dataset
from trl import DPOTrainer

import dpalogic
from dpalogic.logic import WITH_REF, PreferenceStructure, parse, world_set
from dpalogic.training.models import load_model
from dpalogic.training.trainer import CompiledLossTrainer, make_dpo_config

BETA = 0.1
TOL = {"atol": 1e-6, "rtol": 1e-6}


def _s(top: str, bottom: str) -> PreferenceStructure:
    """A structure over (M(x,yw), M(x,yl), Ref(x,yw), Ref(x,yl)) from formulas for ✓ and ✗."""
    return PreferenceStructure.from_worlds(
        world_set(parse(top), WITH_REF), world_set(parse(bottom), WITH_REF), WITH_REF
    )


# DPO: ρ = log p_w r_l / (p_l r_w); ✓ = M(x,yw) ∧ Ref(x,yl), ✗ = M(x,yl) ∧ Ref(x,yw).
DPO = _s("And(M(x,yw),Ref(x,yl))", "And(M(x,yl),Ref(x,yw))")
# bco_pair's two halves: -log σ(β log(p_w/r_w)) and -log σ(β log(r_l/p_l)).
BCO_CHOSEN = _s("M(x,yw)", "Ref(x,yw)")
BCO_REJECTED = _s("Ref(x,yl)", "M(x,yl)")
# nca_pair's middle term: -log σ(-β log(p_w/r_w)), i.e. ρ = log(r_w/p_w).
BCO_CHOSEN_SWAPPED = _s("Ref(x,yw)", "M(x,yw)")


def _one_minus_sigmoid(rho: torch.Tensor, beta: float) -> torch.Tensor:
    """APO-zero's per-side link 1 − σ(βρ) (a user-supplied link)."""
    return 1 - torch.sigmoid(beta * rho)


def _compiled(structure: PreferenceStructure, **kw: Any) -> Any:
    return dpalogic.compile(structure, beta=kw.pop("beta", BETA), **kw)


# (id, TRL DPOConfig kwargs, CompiledLossTrainer kwargs)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("sigmoid", {"loss_type": ["sigmoid"]}, {"loss": _compiled(DPO)}),
    ("sigmoid-zoo-name", {"loss_type": ["sigmoid"]}, {"loss": "dpo", "beta": BETA}),
    ("sigmoid-program", {"loss_type": ["sigmoid"]}, {"loss": DPO}),  # β from DPOConfig
    (
        "ipo",
        {"loss_type": ["ipo"]},
        {"loss": _compiled(DPO, link="squared", length_normalize=True)},
    ),
    ("hinge", {"loss_type": ["hinge"]}, {"loss": _compiled(DPO, link="hinge")}),
    (
        "robust",
        {"loss_type": ["robust"], "label_smoothing": 0.2},
        {"loss": _compiled(DPO, link="robust", label_smoothing=0.2)},
    ),
    (
        "sigmoid_norm",
        {"loss_type": ["sigmoid_norm"]},
        {"loss": _compiled(DPO, length_normalize=True)},
    ),
    (
        "bco_pair",
        {"loss_type": ["bco_pair"]},
        {"loss": [_compiled(BCO_CHOSEN), _compiled(BCO_REJECTED)]},
    ),
    (
        "sigmoid+sft",
        {"loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, 0.5]},
        {"loss": _compiled(DPO), "sft_weight": 0.5},
    ),
    (
        "weighted-sum",
        {"loss_type": ["sigmoid", "hinge", "sft"], "loss_weights": [0.3, 2.0, 1.0]},
        {"loss": [(_compiled(DPO), 0.3), (_compiled(DPO, link="hinge"), 2.0)], "sft_weight": 1.0},
    ),
    # Beyond the required set: TRL losses that are sums of per-side structures.
    (
        "nca_pair",
        {"loss_type": ["nca_pair"]},
        {
            "loss": [
                (_compiled(BCO_CHOSEN), 1.0),
                (_compiled(BCO_CHOSEN_SWAPPED), 0.5),
                (_compiled(BCO_REJECTED), 0.5),
            ]
        },
    ),
    (
        "sppo_hard",
        {"loss_type": ["sppo_hard"]},
        {"loss": [_compiled(BCO_CHOSEN, link="squared"), _compiled(BCO_REJECTED, link="squared")]},
    ),
    (
        "apo_zero",
        {"loss_type": ["apo_zero"]},
        {
            "loss": [
                _compiled(BCO_CHOSEN, link=_one_minus_sigmoid),
                _compiled(BCO_REJECTED, link=_one_minus_sigmoid),
            ]
        },
    ),
    (
        "precomputed-ref",
        {"loss_type": ["sigmoid"], "precompute_ref_log_probs": True},
        {"loss": _compiled(DPO)},
    ),
]


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny tensors: one intra-op thread is fastest, and immune to a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    policy, tok = load_model("tiny", seed=0)
    ref, _ = load_model("tiny", seed=1)  # a different reference, so Ref really matters
    # Varied completion lengths (length normalisation and the sft token mean depend on them).
    rows = [
        {"prompt": "12+7=", "chosen": "19", "rejected": "21 maybe"},
        {"prompt": "Spell cat backwards:", "chosen": "tac", "rejected": "atc"},
        {"prompt": "3*4=", "chosen": "12, since 3*4 is 12", "rejected": "7"},
        {"prompt": "Count the a's in banana:", "chosen": "3", "rejected": "two"},
    ]
    return {
        "policy": policy,
        "ref": ref,
        "tok": tok,
        "data": Dataset.from_list(rows),
        "out": tmp_path_factory.mktemp("parity"),
    }


def _loss_and_grads(trainer: DPOTrainer) -> tuple[torch.Tensor, list[torch.Tensor]]:
    rows = [trainer.train_dataset[i] for i in range(len(trainer.train_dataset))]
    batch = trainer._prepare_inputs(trainer.data_collator(rows))
    model = trainer.model
    model.zero_grad()
    loss = trainer.compute_loss(model, batch)
    loss.backward()
    grads = [p.grad.detach().clone() for p in model.parameters() if p.requires_grad]
    return loss.detach(), grads


@pytest.mark.parametrize(("trl_kw", "ours_kw"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_loss_and_gradients_as_trl(
    setup: dict[str, Any], trl_kw: dict[str, Any], ours_kw: dict[str, Any]
) -> None:
    def make(cls: type, **kw: Any) -> DPOTrainer:
        args = make_dpo_config(setup["out"], beta=BETA, per_device_train_batch_size=4, **trl_kw)
        return cls(
            model=copy.deepcopy(setup["policy"]),
            ref_model=copy.deepcopy(setup["ref"]),
            args=args,
            train_dataset=setup["data"],
            processing_class=setup["tok"],
            **kw,
        )

    theirs = make(DPOTrainer)
    ours = make(CompiledLossTrainer, **ours_kw)
    loss_t, grads_t = _loss_and_grads(theirs)
    loss_o, grads_o = _loss_and_grads(ours)
    assert torch.isfinite(loss_t) and loss_t.item() != 0.0
    torch.testing.assert_close(loss_o, loss_t, **TOL)
    assert len(grads_o) == len(grads_t)
    for g_o, g_t in zip(grads_o, grads_t, strict=True):
        torch.testing.assert_close(g_o, g_t, **TOL)
    # TRL's metrics, under TRL's names, agree too.
    for key in (
        "rewards/chosen",
        "rewards/rejected",
        "rewards/margins",
        "logps/chosen",
        "logps/rejected",
        "rewards/accuracies",
        "entropy",
        "mean_token_accuracy",
    ):
        m_t, m_o = theirs._metrics["train"][key][-1], ours._metrics["train"][key][-1]
        assert m_o == pytest.approx(m_t, rel=1e-5, abs=1e-6), key


def test_parity_test_can_fail(setup: dict[str, Any]) -> None:
    """A different loss (hinge vs sigmoid) gives a different result: the comparison has teeth."""
    args = make_dpo_config(setup["out"], beta=BETA, loss_type=["sigmoid"])
    theirs = DPOTrainer(
        model=copy.deepcopy(setup["policy"]),
        ref_model=copy.deepcopy(setup["ref"]),
        args=args,
        train_dataset=setup["data"],
        processing_class=setup["tok"],
    )
    ours = CompiledLossTrainer(
        model=copy.deepcopy(setup["policy"]),
        ref_model=copy.deepcopy(setup["ref"]),
        args=args,
        train_dataset=setup["data"],
        processing_class=setup["tok"],
        loss=_compiled(DPO, link="hinge"),
    )
    assert not torch.allclose(_loss_and_grads(theirs)[0], _loss_and_grads(ours)[0], **TOL)
