"""Tests for CompiledLossTrainer: no-reference runs, every zoo loss, metrics, errors."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

pytest.importorskip("trl")

import torch
from datasets import Dataset

from dpalogic.errors import DPALogicError
from dpalogic.training.models import load_model
from dpalogic.training.trainer import (
    CompiledLossTrainer,
    LossTerm,
    _NoReferenceModel,
    make_dpo_config,
    resolve_loss_terms,
)

ORPO_LOGIC = "Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))"  # no Ref
DPO_LOGIC = (
    "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl))); "
    "PC=Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw))); "
    "PA=And(M(x,yw),Ref(x,yl),M(x,yl),Ref(x,yw))"
)


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny tensors: one intra-op thread is fastest, and immune to a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny() -> dict[str, Any]:
    policy, tok = load_model("tiny", seed=0)
    ref, _ = load_model("tiny", seed=1)
    rows = [
        {"prompt": f"{a}+{b}=", "chosen": str(a + b), "rejected": str(a + b + 1) * (1 + a % 2)}
        for a, b in [(1, 2), (3, 4), (5, 6), (7, 8), (2, 2), (4, 1), (6, 3), (9, 9)]
    ]
    return {"policy": policy, "ref": ref, "tok": tok, "data": Dataset.from_list(rows)}


def _trainer(tiny: dict[str, Any], tmp_path: Any, *, ref: bool = False, **kw: Any) -> Any:
    config = kw.pop("config", {})
    return CompiledLossTrainer(
        model=copy.deepcopy(tiny["policy"]),
        ref_model=copy.deepcopy(tiny["ref"]) if ref else kw.pop("ref_model", None),
        args=make_dpo_config(tmp_path, max_steps=2, per_device_train_batch_size=4, **config),
        train_dataset=tiny["data"],
        processing_class=tiny["tok"],
        **kw,
    )


def _batch(trainer: Any, n: int = 4) -> dict[str, Any]:
    rows = [trainer.train_dataset[i] for i in range(n)]
    return trainer._prepare_inputs(trainer.data_collator(rows))


def _logged(trainer: Any) -> list[dict[str, Any]]:
    return [h for h in trainer.state.log_history if "loss" in h]


# ---------------------------------------------------------------- no reference model
def test_no_ref_structure_runs_without_reference_model(tiny, tmp_path) -> None:
    trainer = _trainer(tiny, tmp_path, loss=ORPO_LOGIC)
    assert trainer.ref_model is None
    assert not trainer.requires_reference
    # No module other than the policy holds weights; the stand-in TRL saw is gone.
    assert not any(
        isinstance(v, torch.nn.Module)
        and v is not trainer.model
        and any(True for _ in v.parameters())
        for v in vars(trainer).values()
    )
    assert not any(isinstance(v, _NoReferenceModel) for v in vars(trainer).values())
    trainer.train()
    logs = _logged(trainer)
    assert len(logs) == 2 and all(math.isfinite(h["loss"]) for h in logs)


def test_evaluate_logs_semantic_metrics(tiny, tmp_path) -> None:
    trainer = _trainer(tiny, tmp_path, loss=ORPO_LOGIC, eval_dataset=tiny["data"])
    metrics = trainer.evaluate()
    assert math.isfinite(metrics["eval_loss"])
    assert 0.0 <= metrics["eval_semantic/p_holds"] <= 1.0
    assert "eval_rewards/accuracies" in metrics


def test_no_ref_structure_ignores_given_ref_model_and_precompute(tiny, tmp_path) -> None:
    ref = copy.deepcopy(tiny["ref"])
    calls = []
    ref.register_forward_hook(lambda *a: calls.append(1))
    trainer = _trainer(
        tiny, tmp_path, loss=ORPO_LOGIC, ref_model=ref, config={"precompute_ref_log_probs": True}
    )
    assert trainer.ref_model is None
    assert "ref_chosen_logps" not in trainer.train_dataset.column_names  # no precompute pass
    trainer.train()
    assert calls == []  # never a reference forward pass


def test_ref_structure_without_reference_is_a_one_line_error(tiny, tmp_path) -> None:
    with pytest.raises(DPALogicError, match="needs reference log-probs") as err:
        _trainer(tiny, tmp_path, loss=DPO_LOGIC)
    assert "\n" not in str(err.value)


def test_ref_structure_with_precomputed_reference(tiny, tmp_path) -> None:
    trainer = _trainer(tiny, tmp_path, loss="dpo", config={"precompute_ref_log_probs": True})
    assert trainer.ref_model is None  # the initial policy served as reference, once
    assert "ref_chosen_logps" in trainer.train_dataset.column_names
    trainer.train()
    assert all(math.isfinite(h["loss"]) for h in _logged(trainer))


def test_ref_structure_with_peft_uses_the_base_model(tiny, tmp_path) -> None:
    peft = pytest.importorskip("peft")
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    trainer = _trainer(tiny, tmp_path, loss="dpo", peft_config=config)
    assert trainer.ref_model is None
    loss = trainer.compute_loss(trainer.model, _batch(trainer))
    # A fresh LoRA adapter is the identity: policy = reference, so DPO's loss is log 2.
    assert loss.item() == pytest.approx(math.log(2), abs=1e-5)


# ---------------------------------------------------------------- every zoo loss
def test_every_zoo_loss_gives_finite_loss_and_gradients(tiny, tmp_path) -> None:
    zoo = pytest.importorskip("dpalogic.zoo")
    trainer = _trainer(tiny, tmp_path, ref=True, loss="dpo")
    batch = _batch(trainer)
    entries = zoo.entries()
    assert len(entries) >= 10
    for entry in entries:
        if entry.bind_inputs:  # needs per-example data the batch lacks (ODPO's offsets)
            with pytest.raises(DPALogicError, match=entry.bind_inputs[0]):
                trainer.set_loss(entry.name)
                trainer.compute_loss(trainer.model, batch)
            continue
        trainer.set_loss(entry.name)
        assert trainer.requires_reference == entry.requires_reference
        trainer.model.zero_grad()
        loss = trainer.compute_loss(trainer.model, batch)
        loss.backward()
        assert torch.isfinite(loss), entry.name
        grads = [p.grad for p in trainer.model.parameters() if p.grad is not None]
        assert grads and all(torch.isfinite(g).all() for g in grads), entry.name


@pytest.mark.parametrize("name", ["DPO", "ORPO", "SimPO"])  # ref / no ref / margin ref
def test_zoo_losses_train_a_few_steps(tiny, tmp_path, name: str) -> None:
    zoo = pytest.importorskip("dpalogic.zoo")
    needs_ref = zoo.get(name).requires_reference
    trainer = _trainer(tiny, tmp_path, ref=needs_ref, loss=name)
    assert (trainer.ref_model is None) == (not needs_ref)
    trainer.train()
    logs = _logged(trainer)
    assert len(logs) == 2 and all(math.isfinite(h["loss"]) for h in logs)


# ---------------------------------------------------------------- metrics
def test_metrics_have_trl_and_semantic_names(tiny, tmp_path) -> None:
    trainer = _trainer(tiny, tmp_path, ref=True, loss="dpo")
    trainer.train()
    log = _logged(trainer)[-1]
    for key in (
        "rewards/chosen",
        "rewards/rejected",
        "rewards/accuracies",
        "rewards/margins",
        "logps/chosen",
        "logps/rejected",
        "semantic/log_wmc_top",
        "semantic/log_wmc_bottom",
        "semantic/p_holds",
    ):
        assert key in log and math.isfinite(log[key]), key
    assert 0.0 <= log["semantic/p_holds"] <= 1.0
    assert log["semantic/log_wmc_top"] <= 0.0 and log["semantic/log_wmc_bottom"] <= 0.0


def test_p_holds_is_conditional_probability_of_program(tiny, tmp_path) -> None:
    """For ORPO's logic (P_A = ⊥), β = 1, logistic link: loss = −log P(P | P_C) = −log p_holds."""
    trainer = _trainer(tiny, tmp_path, loss=ORPO_LOGIC, beta=1.0)
    batch = _batch(trainer, n=1)
    loss = trainer.compute_loss(trainer.model, batch)
    p = trainer._metrics["train"]["semantic/p_holds"][-1]
    assert p == pytest.approx(math.exp(-loss.item()), rel=1e-5)


def test_rewards_without_reference_are_beta_logps(tiny, tmp_path) -> None:
    trainer = _trainer(tiny, tmp_path, loss=ORPO_LOGIC, beta=0.5)
    trainer.compute_loss(trainer.model, _batch(trainer))
    m = trainer._metrics["train"]
    assert m["rewards/chosen"][-1] == pytest.approx(0.5 * m["logps/chosen"][-1], rel=1e-6)
    assert m["rewards/rejected"][-1] == pytest.approx(0.5 * m["logps/rejected"][-1], rel=1e-6)


def test_beta_defaults(tiny, tmp_path) -> None:
    # A program takes DPOConfig's beta; a zoo name keeps its entry's beta unless overridden.
    assert _trainer(tiny, tmp_path, loss=ORPO_LOGIC, config={"beta": 0.25}).beta == 0.25
    assert _trainer(tiny, tmp_path, loss="SimPO", config={"beta": 0.25}).beta == 2.0
    assert _trainer(tiny, tmp_path, loss="SimPO", beta=0.7).beta == 0.7


# ---------------------------------------------------------------- loss specs and errors
def test_resolve_loss_terms_accepts_weights_and_lists() -> None:
    terms = resolve_loss_terms([("ORPO", 2.0), ORPO_LOGIC], beta=0.1)
    assert [t.weight for t in terms] == [2.0, 1.0]
    assert all(isinstance(t, LossTerm) and not t.requires_reference for t in terms)
    assert resolve_loss_terms("dpo")[0].requires_reference


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"loss": []}, "empty"),
        ({"loss": "no-such-loss"}, "unknown loss"),
        ({"loss": "Implies(M(x,yl),"}, None),
        ({"loss": ORPO_LOGIC, "sft_weight": -1.0}, "sft_weight"),
        ({"loss": [(ORPO_LOGIC, float("nan"))]}, "finite"),
        ({"loss": ORPO_LOGIC, "config": {"ld_alpha": 0.5}}, "ld_alpha"),
    ],
)
def test_bad_input_is_a_dpalogic_error(
    tiny, tmp_path, kw: dict[str, Any], match: str | None
) -> None:
    with pytest.raises(DPALogicError, match=match):
        _trainer(tiny, tmp_path, **kw)


def test_set_loss_refuses_ref_loss_without_reference(tiny, tmp_path) -> None:
    trainer = _trainer(tiny, tmp_path, loss=ORPO_LOGIC)
    with pytest.raises(DPALogicError, match="reference"):
        trainer.set_loss("dpo")


def test_make_dpo_config_is_cpu_safe(tmp_path) -> None:
    cfg = make_dpo_config(tmp_path, max_steps=3)
    assert cfg.bf16 is False and cfg.report_to in ([], "none", ["none"])
    assert cfg.max_steps == 3 and cfg.gradient_checkpointing is False
    assert make_dpo_config(tmp_path, logging_steps=5).logging_steps == 5


@pytest.mark.slow
def test_smollm2_trains_one_step_without_reference(tmp_path) -> None:
    model, tok = load_model("smollm2-135m")
    data = Dataset.from_list(
        [
            {
                "prompt": [{"role": "user", "content": "What is 2+2?"}],
                "chosen": [{"role": "assistant", "content": "4"}],
                "rejected": [{"role": "assistant", "content": "5"}],
            }
        ]
        * 2
    )
    trainer = CompiledLossTrainer(
        model=model,
        args=make_dpo_config(tmp_path, max_steps=1, per_device_train_batch_size=2, max_length=64),
        train_dataset=data,
        processing_class=tok,
        loss="ORPO",
    )
    assert trainer.ref_model is None
    trainer.train()
    log = _logged(trainer)[-1]
    assert math.isfinite(log["loss"]) and 0.0 <= log["semantic/p_holds"] <= 1.0
