"""Every expressible TRL 1.16 loss equals its classification, checked against TRL's own code.

* ``DPOTrainer``: the real ``DPOTrainer._compute_loss`` is run with a stand-in ``self`` and a
  stand-in model whose per-token log-probs sum to the given sequence log-probs (reference
  log-probs precomputed, as with ``precompute_ref_log_probs=True``). TRL returns the batch mean.
* ``CPOTrainer.cpo_loss`` and ``ORPOTrainer.odds_ratio_loss`` are called directly (they only read
  a few attributes of ``self``).
* "not expressible" reasons are demonstrated: AOT's batch-level sort makes an example's loss
  depend on the rest of the batch; AlphaPO's logit is not a function of the log ratio.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace as NS
from typing import Any

import pytest
import torch

from dpalogic.zoo.trl_losses import TRL_LOSSES, get_trl

trl = pytest.importorskip("trl")
from trl import DPOTrainer  # noqa: E402
from trl.experimental.cpo import CPOTrainer  # noqa: E402
from trl.experimental.orpo import ORPOTrainer  # noqa: E402

KEYS = (
    "policy_chosen_logps",
    "policy_rejected_logps",
    "reference_chosen_logps",
    "reference_rejected_logps",
)
DPO_TYPES = [t for t in TRL_LOSSES if t.trainer == "DPOTrainer"]
BETA = 0.3


def _batch(n: int, seed: int, equal_lengths: bool = False) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    out = {k: -torch.rand(n, generator=gen, dtype=torch.float64) * 40 - 0.01 for k in KEYS}
    if equal_lengths:
        lengths = torch.full((2, n), 7.0, dtype=torch.float64)
    else:
        lengths = torch.randint(1, 12, (2, n), generator=gen).double()
    out["chosen_lengths"], out["rejected_lengths"] = lengths[0], lengths[1]
    return out


def trl_dpo_loss(loss_type: str, b: dict[str, torch.Tensor], **cfg: Any) -> torch.Tensor:
    """TRL's DPOTrainer._compute_loss (trl/trainer/dpo_trainer.py:1285) on given log-probs."""
    n = b["policy_chosen_logps"].shape[0]
    lengths = torch.cat([b["chosen_lengths"], b["rejected_lengths"]]).long()
    seqlen = int(lengths.max()) + 2  # one prompt token, so the shifted mask keeps every token
    completion_mask = torch.zeros(2 * n, seqlen, dtype=torch.long)
    for i, m in enumerate(lengths.tolist()):
        completion_mask[i, seqlen - m :] = 1
    shifted = completion_mask[:, 1:].double()
    logps = torch.cat([b["policy_chosen_logps"], b["policy_rejected_logps"]])
    per_token = shifted * (logps / lengths.double())[:, None]  # sums back to the sequence logp

    def model(**_: Any) -> NS:
        zeros = torch.zeros_like(per_token)
        return NS(log_probs=per_token, entropy=zeros, mean_logits=zeros, is_top1=zeros.bool())

    self = NS(
        model=NS(training=True),
        accelerator=NS(device=torch.device("cpu"), gather_for_metrics=lambda x: x,
                       gather=lambda x: x),
        aux_loss_enabled=False, ld_alpha=None, precompute_ref_logps=True,
        f_divergence_type="reverse_kl", loss_types=[loss_type], loss_weights=[1.0], beta=BETA,
        label_smoothing=cfg.get("label_smoothing", 0.0),
        args=NS(discopop_tau=cfg.get("tau", 0.05)), use_weighting=False,
        _metrics=defaultdict(lambda: defaultdict(list)), _total_train_tokens=0, _tp_size=1,
    )  # fmt: skip
    inputs = {
        "input_ids": torch.zeros(2 * n, seqlen, dtype=torch.long),
        "attention_mask": torch.ones(2 * n, seqlen, dtype=torch.long),
        "completion_mask": completion_mask,
        "ref_chosen_logps": b["reference_chosen_logps"],
        "ref_rejected_logps": b["reference_rejected_logps"],
    }
    return DPOTrainer._compute_loss(self, model, inputs, return_outputs=False)


@pytest.mark.parametrize("t", [t for t in DPO_TYPES if t.expressible], ids=lambda t: t.loss_type)
def test_dpo_trainer_loss_types(t: Any) -> None:
    equal = t.loss_type == "sft"  # TRL's sft averages tokens over the batch (see below)
    for seed in range(3):
        b = _batch(24, seed, equal_lengths=equal)
        ours = t.compile(beta=BETA)(**b)
        theirs = trl_dpo_loss(t.loss_type, b, **t.defaults)
        assert ours.shape == (24,)
        # TRL builds exo_pair's ε as a float32 tensor, so log(1 − ε) carries float32 rounding
        rel = 1e-7 if t.loss_type == "exo_pair" else 1e-9
        assert float(ours.mean()) == pytest.approx(float(theirs), rel=rel, abs=1e-12)
        # per example, too (a batch of one)
        one = {k: v[:1] for k, v in b.items()}
        assert float(t.compile(beta=BETA)(**one)) == pytest.approx(
            float(trl_dpo_loss(t.loss_type, one, **t.defaults)), rel=rel, abs=1e-12
        )


def test_trl_sft_is_token_weighted_ce() -> None:
    """With unequal lengths TRL's sft is the per-example CE weighted by n_i / mean(n)."""
    b = _batch(16, 5)
    ce = get_trl("DPOTrainer", "sft").compile(beta=BETA)(**b)
    w = b["chosen_lengths"] / b["chosen_lengths"].mean()
    assert float((w * ce).mean()) == pytest.approx(float(trl_dpo_loss("sft", b)), rel=1e-9)
    assert abs(float(ce.mean()) - float(trl_dpo_loss("sft", b))) > 1e-6  # genuinely different


@pytest.mark.parametrize("loss_type", ["aot", "aot_unpaired"])
def test_aot_is_batch_dependent(loss_type: str) -> None:
    """Not expressible: the same example gets a different loss in a different batch."""
    assert not get_trl("DPOTrainer", loss_type).expressible
    b = _batch(8, 11)
    whole = float(trl_dpo_loss(loss_type, b))
    singles = [float(trl_dpo_loss(loss_type, {k: v[i : i + 1] for k, v in b.items()})) for i in
               range(8)]  # fmt: skip
    assert abs(whole - sum(singles) / 8) > 1e-3
    # ... whereas every expressible loss is a mean of per-example terms
    sig = float(trl_dpo_loss("sigmoid", b))
    sig_singles = [float(trl_dpo_loss("sigmoid", {k: v[i : i + 1] for k, v in b.items()})) for i
                   in range(8)]  # fmt: skip
    assert sig == pytest.approx(sum(sig_singles) / 8, rel=1e-12)


def _cpo_self(loss_type: str, **kw: Any) -> NS:
    return NS(alpha=kw.get("alpha", 0.0), beta=BETA, loss_type=loss_type,
              label_smoothing=kw.get("label_smoothing", 0.0), simpo_gamma=kw.get("gamma", 0.5),
              accelerator=NS(device=torch.device("cpu")))  # fmt: skip


@pytest.mark.parametrize(
    "t",
    [t for t in TRL_LOSSES if t.trainer == "CPOTrainer" and t.expressible],
    ids=lambda t: t.loss_type,
)
def test_cpo_trainer_loss_types(t: Any) -> None:
    """trl/experimental/cpo/cpo_trainer.py: CPOTrainer.cpo_loss, called directly."""
    for ls in ({"label_smoothing": 0.0}, {"label_smoothing": 0.2}):
        if "label_smoothing" not in t.defaults and ls["label_smoothing"]:
            continue
        b = _batch(32, 3)
        params = {**t.defaults, **ls}
        ours = t.compile(beta=BETA, **params)(**b)
        lw, ll = b["policy_chosen_logps"], b["policy_rejected_logps"]
        if t.length_normalize:  # TRL averages log-probs for ipo/simpo (get_batch_logps)
            lw, ll = lw / b["chosen_lengths"], ll / b["rejected_lengths"]
        theirs = CPOTrainer.cpo_loss(_cpo_self(t.loss_type, **params), lw, ll)[0]
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_simpo_zoo_entry_matches_trl() -> None:
    """The zoo's SimPO (γ, β, length normalisation) equals TRL's CPOTrainer simpo."""
    from dpalogic import zoo

    b = _batch(32, 4)
    ours = zoo.get("SimPO").compile(beta=BETA, gamma=0.5)(**b)
    lw, ll = b["policy_chosen_logps"] / b["chosen_lengths"], b["policy_rejected_logps"] / b[
        "rejected_lengths"]  # fmt: skip
    theirs = CPOTrainer.cpo_loss(_cpo_self("simpo", gamma=0.5), lw, ll)[0]
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_alphapo_is_not_a_function_of_the_log_ratio() -> None:
    """Two pairs with the same p_w/p_l get different AlphaPO losses (α = 0.5)."""
    s = _cpo_self("sigmoid", alpha=0.5)
    lw = torch.tensor([-1.0, -6.0], dtype=torch.float64)
    ll = lw - 2.0  # same log ratio
    losses = CPOTrainer.cpo_loss(s, lw, ll)[0]
    assert abs(float(losses[0] - losses[1])) > 1e-3
    assert not get_trl("CPOTrainer", "alphapo").expressible


def test_orpo_trainer_matches() -> None:
    """trl/experimental/orpo/orpo_trainer.py: ORPOTrainer.odds_ratio_loss (TRL's term is
    β·log σ(log odds); the trainer subtracts it), and the zoo's ORPO entry."""
    from dpalogic import zoo

    t = get_trl("ORPOTrainer", "orpo")
    b = _batch(32, 6)
    ours = t.compile(beta=BETA)(**b)
    lw, ll = b["policy_chosen_logps"] / b["chosen_lengths"], b["policy_rejected_logps"] / b[
        "rejected_lengths"]  # fmt: skip
    theirs = -ORPOTrainer.odds_ratio_loss(NS(beta=BETA, accelerator=NS(device="cpu")), lw, ll)[0]
    # TRL computes the odds ratio in float32 (`.float()` in odds_ratio_loss)
    torch.testing.assert_close(ours.float(), theirs, rtol=2e-6, atol=1e-7)
    entry = zoo.get("ORPO").compile(beta=BETA, sft_weight=0.0)(**b)
    torch.testing.assert_close(entry, ours, rtol=1e-12, atol=1e-12)


def test_every_trl_loss_is_classified() -> None:
    dpo = {t.loss_type for t in TRL_LOSSES if t.trainer == "DPOTrainer"}
    assert dpo == {
        "sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard",
        "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm",
    }  # fmt: skip
    trainers = {t.trainer for t in TRL_LOSSES}
    assert trainers == {"DPOTrainer", "CPOTrainer", "ORPOTrainer", "KTOTrainer"}
    for t in TRL_LOSSES:
        assert t.kind in {"structure", "weighted-sum", "not-expressible"}
        if t.expressible:
            assert t.terms and (t.kind != "structure" or len(t.terms) == 1)
        else:
            assert t.reason and not t.terms
            with pytest.raises(ValueError, match="not expressible"):
                t.compile(beta=0.1)


def test_trl_source_lines_point_at_the_formula() -> None:
    """Each DPOTrainer classification cites the line where TRL's branch for it starts."""
    import inspect
    from pathlib import Path

    src = Path(inspect.getfile(DPOTrainer)).read_text().splitlines()
    for t in DPO_TYPES:
        line = int(t.source.rsplit(":", 1)[1])
        assert f'loss_type == "{t.loss_type}"' in src[line - 1], (t.loss_type, src[line - 1])


@pytest.mark.parametrize("t", [t for t in TRL_LOSSES if t.zoo], ids=lambda t: t.loss_type)
def test_named_zoo_equivalents(t: Any) -> None:
    """Where the classification names a zoo entry, that entry (same β, no NLL term, same length
    normalisation and link parameters) gives the same per-example loss."""
    from dpalogic import zoo

    entry = zoo.get(t.zoo)
    overrides = {k: v for k, v in t.defaults.items() if k in entry.defaults}
    b = _batch(32, 9)
    ours = t.compile(beta=BETA)(**b)
    theirs = entry.compile(
        beta=BETA, sft_weight=0.0, length_normalize=t.length_normalize, **overrides
    )(**b)
    if t.loss_type == "sft":  # CE's β is fixed to 1 in TRL's sft
        theirs = entry.compile(beta=1.0, length_normalize=True)(**b)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "trainer,zoo_name", [("DPOTrainer", "ref-SLiC-HF"), ("CPOTrainer", "SLiC-HF")]
)
def test_trl_hinge_is_scaled_slic(trainer: str, zoo_name: str) -> None:
    """TRL's hinge max(0, 1 − βρ) = β · SLiC's max(0, δ − ρ) with δ = 1/β."""
    from dpalogic import zoo

    b = _batch(32, 10)
    ours = get_trl(trainer, "hinge").compile(beta=BETA)(**b)
    slic = zoo.get(zoo_name).compile(delta=1 / BETA, sft_weight=0.0)(**b)
    torch.testing.assert_close(ours, BETA * slic, rtol=1e-12, atol=1e-12)
