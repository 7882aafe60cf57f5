"""Every named loss, declared once. **Adding a loss means adding one declaration to this file.**

Each declaration gives the paper, the formula as published, the preference structure, the link
and hyperparameters the authors use, and ``rho`` — the core log ratio ρ transcribed directly from
the paper with plain torch (:mod:`dpalogic.zoo.refmath`), independent of the compiler. Unless a
declaration gives a full ``reference`` loss, the reference is ``apply_link(ρ) + λ_sft·(−log p_w)``.
The *reference versions* of all no-reference losses (SEMANTICS §3: ✓ ∧ Ref(x,yl) / ✗ ∧ Ref(x,yw),
``ρ_ref = ρ − log(r_w/r_l)``) are derived at the bottom of this file, named ``ref-<name>``; DPO is
the reference version of CPO and is declared in its own right (alias ``ref-CPO``).

Notation in ``original`` (the decompiler's input language): ``p_w, p_l`` policy probabilities,
``r_w, r_l`` reference probabilities, ``beta``/``gamma``/… hyperparameters, ``log``, ``sigmoid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from dpalogic.zoo import refmath as rm
from dpalogic.zoo.derive import margin_inputs, reference_entry
from dpalogic.zoo.registry import REGISTRY, Citation, LossEntry, Registry, param_factory

P = Mapping[str, Any]  # resolved hyperparameters
T = Mapping[str, Any]  # keyword tensors

# ---------------------------------------------------------------------------------- citations
LOGIC = Citation(
    "Kyle Richardson, Vivek Srikumar, Ashish Sabharwal",
    2025,
    "Understanding the Logic of Direct Preference Alignment through Logic",
    "ICML 2025",
    "2412.17696",
)
DPO_PAPER = Citation(
    "Rafael Rafailov, Archit Sharma, Eric Mitchell, Stefano Ermon, Christopher D. Manning, "
    "Chelsea Finn",
    2023,
    "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
    "NeurIPS 2023",
    "2305.18290",
)


# ------------------------------------------------------------------- core log ratios (paper ρ)
def _ce(p: P, t: T) -> torch.Tensor:
    lw, _ = rm.logps(p, t)
    return lw - rm.log1m(lw)  # log p_w / (1 - p_w)


def _ceunl(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    top = lw + rm.log1m(ll)  # log p_w (1 - p_l)
    return top - rm.log1m(top)  # over 1 - p_w (1 - p_l)


def _cpo(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return lw - ll  # log p_w / p_l


def _orpo(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return (lw - rm.log1m(lw)) - (ll - rm.log1m(ll))  # log odds(y_w) - log odds(y_l)


def _dpo(p: P, t: T) -> torch.Tensor:
    lw, ll, rw, rl = rm.logps(p, t, reference=True)
    return (lw - rw) - (ll - rl)  # log p_w r_l / (p_l r_w)


def _uncpo(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return torch.logaddexp(lw + ll, rm.log1m(ll)) - ll - rm.log1m(lw)


def _ccpo(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return lw - ll - rm.log1m(lw)


def _cfunl(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return rm.log1m(ll) - ll - rm.log1m(lw)


def _qfunl(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return rm.log1m(ll) - rm.log1m(lw)


def _funl(p: P, t: T) -> torch.Tensor:
    _, ll = rm.logps(p, t)
    return rm.log1m(ll) - ll


def _cunl(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return lw + rm.log1m(ll) - ll


def _l20(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return rm.log1m(ll) - torch.logaddexp(ll, rm.log1m(lw) + rm.log1m(ll))


def _sce(p: P, t: T) -> torch.Tensor:
    lw, ll = rm.logps(p, t)
    return lw - torch.logaddexp(rm.log1m(lw), lw + ll)


def _simpo(p: P, t: T) -> torch.Tensor:
    return _cpo(p, t) - float(p["gamma"]) / float(p["beta"])  # target reward margin γ/β


def _dpop_copy(p: P, t: T) -> torch.Tensor:
    lw, _, rw, _ = rm.logps(p, t, reference=True)
    return _dpo(p, t) + (lw - rw)  # log p_w p_w' r_l / (p_l r_w r_w')


def _rdpo(p: P, t: T) -> torch.Tensor:
    lc = torch.as_tensor(t["chosen_lengths"], dtype=torch.as_tensor(t["policy_chosen_logps"]).dtype)
    lr = torch.as_tensor(t["rejected_lengths"], dtype=lc.dtype)
    return _dpo(p, t) - float(p["alpha"]) * (lc - lr) / float(p["beta"])


def _odpo(p: P, t: T) -> torch.Tensor:
    offsets = torch.as_tensor(t["offsets"], dtype=torch.as_tensor(t["policy_chosen_logps"]).dtype)
    return _dpo(p, t) - float(p["offset_scale"]) * offsets / float(p["beta"])


# ------------------------------------------------------------------------------------- links
def orpo_link(rho: torch.Tensor, beta: float) -> torch.Tensor:
    r"""ORPO's weighted odds-ratio term :math:`-\lambda\log\sigma(\rho)`; here β *is* ORPO's λ.

    ORPO applies no temperature inside the sigmoid and weights the term by λ (TRL's
    ``ORPOConfig.beta``). Reference: Hong et al., ORPO, EMNLP 2024, eq. 6.

    Example:
        >>> import torch
        >>> round(float(orpo_link(torch.tensor(0.0), 0.1)), 6)
        0.069315
    """
    return -beta * torch.nn.functional.logsigmoid(rho)


def _logistic(r: torch.Tensor, p: P) -> torch.Tensor:
    return rm.logistic(r, float(p["beta"]))


def _margin_hinge(r: torch.Tensor, p: P) -> torch.Tensor:
    return rm.hinge(r, 1.0, float(p["delta"]))


def _squared(r: torch.Tensor, p: P) -> torch.Tensor:
    return rm.squared(r, float(p["beta"]))


def _orpo_ref_link(r: torch.Tensor, p: P) -> torch.Tensor:
    return -float(p["beta"]) * torch.nn.functional.logsigmoid(r)


# ------------------------------------------------------------------------------ regularizers
@param_factory
def _sum_nll(p: P) -> Any:
    """RRHF's fine-tuning term: −log p_w summed over tokens (even when ranking is normalised)."""
    from dpalogic.compiler.regularizers import Regularizer

    return Regularizer(
        "nll_sum",
        float(p["nll_weight"]),
        lambda kw: -kw["policy_chosen_logps"],
        inputs=("policy_chosen_logps",),
    )


@param_factory
def _dpop_penalty(p: P) -> Any:
    from dpalogic.compiler.regularizers import dpop

    return dpop(float(p["lambda_"]))


# ------------------------------------------------------------------------------ declarations
ENTRIES: list[LossEntry] = [
    # ============================ published, no reference model ============================
    LossEntry(
        name="CE",
        ratio=("p_w", "1 - p_w"),
        aliases=("SFT", "NLL", "cross-entropy"),
        kind="published",
        citation=Citation(
            "Long Ouyang, Jeff Wu, Xu Jiang, et al.",
            2022,
            "Training language models to follow instructions with human feedback (SFT stage)",
            "NeurIPS 2022",
            "2203.02155",
        ),
        formula_latex=r"-\log \pi_\theta(y_w\mid x)",
        original="-log(p_w)",
        P="M(x,yw)",
        rho=_ce,
        reference=lambda p, t: -rm.logps(p, t)[0],  # the published formula (β = 1)
        notes="The reference is −log p_w, the logistic link of ρ at β = 1 (its only published β).",
    ),
    LossEntry(
        name="CEUnl",
        ratio=("p_w*(1 - p_l)", "1 - p_w*(1 - p_l)"),
        aliases=("unlikelihood", "CE+Unl", "UL"),
        kind="published",
        citation=Citation(
            "Sean Welleck, Ilia Kulikov, Stephen Roller, Emily Dinan, Kyunghyun Cho, Jason Weston",
            2020,
            "Neural Text Generation with Unlikelihood Training",
            "ICLR 2020",
            "1908.04319",
        ),
        formula_latex=r"-\log \pi_\theta(y_w\mid x) - \log\bigl(1 - \pi_\theta(y_l\mid x)\bigr)",
        original="-log(p_w) - log(1 - p_l)",
        P="And(M(x,yw),Not(M(x,yl)))",
        rho=_ceunl,
        reference=lambda p, t: -rm.logps(p, t)[0] - rm.log1m(rm.logps(p, t)[1]),
        notes=(
            "Sequence-level unlikelihood on the loser. The reference is +inf at p_l = 1 (the "
            "compiled loss stays finite there: log(1 − p) is floored at the dtype's tiny)."
        ),
    ),
    LossEntry(
        name="CPO",
        ratio=("p_w", "p_l"),
        kind="published",
        citation=Citation(
            "Haoran Xu, Amr Sharaf, Yunmo Chen, Weiting Tan, Lingfeng Shen, Benjamin Van Durme, "
            "Kenton Murray, Young Jin Kim",
            2024,
            "Contrastive Preference Optimization: Pushing the Boundaries of LLM Performance in "
            "Machine Translation",
            "ICML 2024",
            "2401.08417",
        ),
        formula_latex=(
            r"-\log\sigma\bigl(\beta\log\pi_\theta(y_w\mid x)"
            r" - \beta\log\pi_\theta(y_l\mid x)\bigr)"
            r" - \lambda\log\pi_\theta(y_w\mid x)"
        ),
        original="-log(sigmoid(beta*(log(p_w) - log(p_l)))) - lam*log(p_w)",
        P="Implies(M(x,yl),M(x,yw))",
        PC="Or(M(x,yl),M(x,yw))",
        PA="And(M(x,yw),M(x,yl))",
        rho=_cpo,
        defaults={"beta": 0.1, "sft_weight": 1.0},
        notes="λ = 1 (L_prefer + L_NLL, paper eq. 3); TRL: CPOConfig(beta=0.1, cpo_alpha=1.0).",
    ),
    LossEntry(
        name="SLiC-HF",
        ratio=("p_w", "p_l"),
        aliases=("SLiC",),
        kind="published",
        citation=Citation(
            "Yao Zhao, Rishabh Joshi, Tianqi Liu, Misha Khalman, Mohammad Saleh, Peter J. Liu",
            2023,
            "SLiC-HF: Sequence Likelihood Calibration with Human Feedback",
            "arXiv preprint",
            "2305.10425",
        ),
        formula_latex=(
            r"\max\bigl(0, \delta - \log\pi_\theta(y_w\mid x) + \log\pi_\theta(y_l\mid x)\bigr)"
            r" - \lambda\log\pi_\theta(y_{\mathrm{ref}}\mid x)"
        ),
        original="max(0, delta - log(p_w) + log(p_l)) - lam*log(p_w)",
        P="Implies(M(x,yl),M(x,yw))",
        PC="Or(M(x,yl),M(x,yw))",
        PA="And(M(x,yw),M(x,yl))",
        rho=_cpo,
        link="hinge_margin",
        link_params=("delta",),
        apply_link=_margin_hinge,
        defaults={"delta": 1.0, "sft_weight": 0.5},
        notes=(
            "Hinge with margin δ on CPO's ρ (β unused). The regulariser's target y_ref is the SFT "
            "target; on preference data we use y_w. λ is tuned in the paper; 0.5 is illustrative."
        ),
    ),
    LossEntry(
        name="RRHF",
        ratio=("p_w", "p_l"),
        kind="published",
        citation=Citation(
            "Zheng Yuan, Hongyi Yuan, Chuanqi Tan, Wei Wang, Songfang Huang, Fei Huang",
            2023,
            "RRHF: Rank Responses to Align Language Models with Human Feedback without tears",
            "NeurIPS 2023",
            "2304.05302",
        ),
        formula_latex=(
            r"\max\bigl(0, \tfrac{1}{|y_l|}\log\pi_\theta(y_l\mid x) - "
            r"\tfrac{1}{|y_w|}\log\pi_\theta(y_w\mid x)\bigr) - \log\pi_\theta(y_w\mid x)"
        ),
        original="max(0, log(p_l) - log(p_w)) - log(p_w)",
        P="Implies(M(x,yl),M(x,yw))",
        PC="Or(M(x,yl),M(x,yw))",
        PA="And(M(x,yw),M(x,yl))",
        rho=_cpo,
        link="hinge_margin",
        link_params=("delta",),
        apply_link=_margin_hinge,
        regularizers=(_sum_nll,),
        defaults={"delta": 0.0, "length_normalize": True, "nll_weight": 1.0},
        reference=lambda p, t: (
            torch.relu(-_cpo(p, t))
            - float(p["nll_weight"]) * torch.as_tensor(t["policy_chosen_logps"])
        ),
        notes=(
            "Pairwise case of the ranking loss (margin 0) on length-normalised log-probs; the "
            "fine-tuning term L_ft is the *summed* −log p_w of the best response (weight 1)."
        ),
    ),
    LossEntry(
        name="ORPO",
        ratio=("p_w*(1 - p_l)", "p_l*(1 - p_w)"),
        kind="published",
        citation=Citation(
            "Jiwoo Hong, Noah Lee, James Thorne",
            2024,
            "ORPO: Monolithic Preference Optimization without Reference Model",
            "EMNLP 2024",
            "2403.07691",
        ),
        formula_latex=(
            r"-\log\pi_\theta(y_w\mid x) - \lambda\log\sigma\Bigl(\log"
            r"\frac{\mathrm{odds}_\theta(y_w\mid x)}{\mathrm{odds}_\theta(y_l\mid x)}\Bigr),\quad"
            r"\mathrm{odds}_\theta(y\mid x)=\frac{\pi_\theta(y\mid x)}{1-\pi_\theta(y\mid x)}"
        ),
        original=("-log(p_w) - beta*log(sigmoid(log((p_w*(1 - p_l))/(p_l*(1 - p_w)))))"),
        P="Implies(M(x,yl),M(x,yw))",
        PC="Xor(M(x,yl),M(x,yw))",
        rho=_orpo,
        link=orpo_link,
        apply_link=_orpo_ref_link,
        defaults={"beta": 0.1, "length_normalize": True, "sft_weight": 1.0},
        notes=(
            "β is ORPO's λ (weight of the odds-ratio term, no temperature inside σ), as in TRL's "
            "ORPOConfig.beta; probabilities are per-token averages (length-normalised)."
        ),
    ),
    LossEntry(
        name="SimPO",
        ratio=("p_w", "p_l*exp(gamma/beta)"),
        kind="published",
        citation=Citation(
            "Yu Meng, Mengzhou Xia, Danqi Chen",
            2024,
            "SimPO: Simple Preference Optimization with a Reference-Free Reward",
            "NeurIPS 2024",
            "2405.14734",
        ),
        formula_latex=(
            r"-\log\sigma\Bigl(\frac{\beta}{|y_w|}\log\pi_\theta(y_w\mid x) - "
            r"\frac{\beta}{|y_l|}\log\pi_\theta(y_l\mid x) - \gamma\Bigr)"
        ),
        original="-log(sigmoid(beta*(log(p_w) - log(p_l)) - gamma))",
        P="Implies(And(M(x,yl),Mref(x,yw)),And(M(x,yw),Mref(x,yl)))",
        PC="Or(And(M(x,yw),Mref(x,yl)),And(M(x,yl),Mref(x,yw)))",
        PA="And(M(x,yw),Mref(x,yl),M(x,yl),Mref(x,yw))",
        rho=_simpo,
        defaults={"beta": 2.0, "gamma": 1.0, "length_normalize": True},
        bind=lambda p, t: margin_inputs(float(p["gamma"]) / float(p["beta"]), p, t),
        notes=(
            "DPO's form with a constant margin reference Mref: log(m_w/m_l) = γ/β, bound "
            "automatically from γ and β. No SFT term (the paper's default)."
        ),
    ),
    # ============================ published, with a reference model ========================
    LossEntry(
        name="DPO",
        aliases=("ref-CPO", "sigmoid"),
        kind="published",
        citation=DPO_PAPER,
        formula_latex=(
            r"-\log\sigma\Bigl(\beta\log\frac{\pi_\theta(y_w\mid x)}{\pi_{\mathrm{ref}}(y_w\mid x)}"
            r" - \beta\log\frac{\pi_\theta(y_l\mid x)}{\pi_{\mathrm{ref}}(y_l\mid x)}\Bigr)"
        ),
        original="-log(sigmoid(beta*(log(p_w/r_w) - log(p_l/r_l))))",
        P="Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        rho=_dpo,
        defaults={"beta": 0.1},
        notes="The reference version of CPO (SEMANTICS §3).",
    ),
    LossEntry(
        name="IPO",
        kind="published",
        citation=Citation(
            "Mohammad Gheshlaghi Azar, Mark Rowland, Bilal Piot, Daniel Guo, Daniele Calandriello, "
            "Michal Valko, Rémi Munos",
            2024,
            "A General Theoretical Paradigm to Understand Learning from Human Preferences",
            "AISTATS 2024",
            "2310.12036",
        ),
        formula_latex=(
            r"\Bigl(\log\frac{\pi_\theta(y_w\mid x)\,\pi_{\mathrm{ref}}(y_l\mid x)}"
            r"{\pi_\theta(y_l\mid x)\,\pi_{\mathrm{ref}}(y_w\mid x)} - \frac{1}{2\tau}\Bigr)^2"
        ),
        original="(log((p_w*r_l)/(p_l*r_w)) - 1/(2*beta))**2",
        P="Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        rho=_dpo,
        link="squared",
        apply_link=_squared,
        defaults={"beta": 0.1, "length_normalize": True},
        notes=(
            "β is IPO's τ. Per-token averaged log ratios, as TRL does (confirmed with the authors)."
        ),
    ),
    LossEntry(
        name="cDPO",
        aliases=("conservative-DPO",),
        kind="published",
        citation=Citation(
            "Eric Mitchell",
            2023,
            "A note on DPO with noisy preferences & relationship to IPO",
            "technical note",
        ),
        formula_latex=(
            r"-(1-\varepsilon)\log\sigma(\beta\rho) - \varepsilon\log\sigma(-\beta\rho),\quad"
            r"\rho=\log\frac{\pi_\theta(y_w)\pi_{\mathrm{ref}}(y_l)}{\pi_\theta(y_l)\pi_{\mathrm{ref}}(y_w)}"
        ),
        original=(
            "-(1 - epsilon)*log(sigmoid(beta*log((p_w*r_l)/(p_l*r_w))))"
            " - epsilon*log(sigmoid(-beta*log((p_w*r_l)/(p_l*r_w))))"
        ),
        P="Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        rho=_dpo,
        link="cdpo",
        link_params=("label_smoothing",),
        apply_link=lambda r, p: rm.conservative(r, float(p["beta"]), float(p["label_smoothing"])),
        defaults={"beta": 0.1, "label_smoothing": 0.1},
        notes="Label smoothing ε (TRL: loss_type='sigmoid' with label_smoothing).",
    ),
    LossEntry(
        name="rDPO",
        aliases=("robust-DPO", "robust"),
        kind="published",
        citation=Citation(
            "Sayak Ray Chowdhury, Anush Kini, Nagarajan Natarajan",
            2024,
            "Provably Robust DPO: Aligning Language Models with Noisy Feedback",
            "ICML 2024",
            "2403.00409",
        ),
        formula_latex=(
            r"\frac{-(1-\varepsilon)\log\sigma(\beta\rho) + \varepsilon\log\sigma(-\beta\rho)}"
            r"{1-2\varepsilon}"
        ),
        original=(
            "(-(1 - epsilon)*log(sigmoid(beta*log((p_w*r_l)/(p_l*r_w))))"
            " + epsilon*log(sigmoid(-beta*log((p_w*r_l)/(p_l*r_w)))))/(1 - 2*epsilon)"
        ),
        P="Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        rho=_dpo,
        link="robust",
        link_params=("label_smoothing",),
        apply_link=lambda r, p: rm.robust(r, float(p["beta"]), float(p["label_smoothing"])),
        defaults={"beta": 0.1, "label_smoothing": 0.1},
        notes="Unbiased under label-flip rate ε < 1/2 (TRL: loss_type='robust').",
    ),
    LossEntry(
        name="DPOP",
        aliases=("DPO-Positive", "Smaug"),
        kind="published",
        citation=Citation(
            "Arka Pal, Deep Karkhanis, Samuel Dooley, Manley Roberts, Siddartha Naidu, Colin White",
            2024,
            "Smaug: Fixing Failure Modes of Preference Optimisation with DPO-Positive",
            "arXiv preprint",
            "2402.13228",
        ),
        formula_latex=(
            r"-\log\sigma\Bigl(\beta\bigl(\log\frac{\pi_\theta(y_w)}{\pi_{\mathrm{ref}}(y_w)} - "
            r"\log\frac{\pi_\theta(y_l)}{\pi_{\mathrm{ref}}(y_l)} - \lambda\max\bigl(0, "
            r"\log\frac{\pi_{\mathrm{ref}}(y_w)}{\pi_\theta(y_w)}\bigr)\bigr)\Bigr)"
        ),
        original=("-log(sigmoid(beta*(log(p_w/r_w) - log(p_l/r_l) - lam*max(0, log(r_w/p_w)))))"),
        P="Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        rho=_dpo,
        regularizers=(_dpop_penalty,),
        decompile_options={"penalties": "regularizer"},
        defaults={"beta": 0.3, "lambda_": 50.0},
        reference=lambda p, t: rm.logistic(
            _dpo(p, t)
            - float(p["lambda_"])
            * torch.relu(
                torch.as_tensor(t["reference_chosen_logps"])
                - torch.as_tensor(t["policy_chosen_logps"])
            ),
            float(p["beta"]),
        ),
        notes=(
            "DPO's structure plus the DPOP penalty inside the sigmoid (a piecewise term, not a "
            "structure). Where it is active (r_w > p_w) with λ = 1 it is exactly the copy "
            "structure of entry DPOP-copy. λ = 50 as in the paper; β is illustrative."
        ),
    ),
    LossEntry(
        name="DPOP-copy",
        aliases=("DPOP1",),
        kind="published",
        citation=Citation(
            "Arka Pal, Deep Karkhanis, Samuel Dooley, Manley Roberts, Siddartha Naidu, Colin White",
            2024,
            "Smaug: Fixing Failure Modes of Preference Optimisation with DPO-Positive "
            "(active penalty, λ = 1; decompiled in Richardson et al. 2025)",
            "arXiv preprint",
            "2402.13228",
        ),
        formula_latex=(
            r"-\log\sigma\Bigl(\beta\log\frac{\pi_\theta(y_w)\,\pi_\theta(y_w)'\,\pi_{\mathrm{ref}}"
            r"(y_l)}{\pi_\theta(y_l)\,\pi_{\mathrm{ref}}(y_w)\,\pi_{\mathrm{ref}}(y_w)'}\Bigr)"
        ),
        original="-log(sigmoid(beta*log((p_w*p_w*r_l)/(p_l*r_w*r_w))))",
        P=("Implies(And(M(x,yl),Ref(x,yw),Ref2(x,yw)),And(M(x,yw),M2(x,yw),Ref(x,yl)))"),
        PC=("Or(And(M(x,yw),M2(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw),Ref2(x,yw)))"),
        PA=("And(M(x,yw),M2(x,yw),Ref(x,yl),M(x,yl),Ref(x,yw),Ref2(x,yw))"),
        rho=_dpop_copy,
        defaults={"beta": 0.3},
        notes=(
            "SEMANTICS §1: the repeated factor p_w/r_w becomes copy variables M2(x,yw) = "
            "M(x,yw), Ref2(x,yw) = Ref(x,yw) (the compiler binds copies to the originals)."
        ),
    ),
    LossEntry(
        name="R-DPO",
        aliases=("length-regularized-DPO",),
        kind="published",
        citation=Citation(
            "Ryan Park, Rafael Rafailov, Stefano Ermon, Chelsea Finn",
            2024,
            "Disentangling Length from Quality in Direct Preference Optimization",
            "Findings of ACL 2024",
            "2403.19159",
        ),
        formula_latex=(
            r"-\log\sigma\Bigl(\beta\log\frac{\pi_\theta(y_w)}{\pi_{\mathrm{ref}}(y_w)} - "
            r"\beta\log\frac{\pi_\theta(y_l)}{\pi_{\mathrm{ref}}(y_l)}"
            r" - \alpha(|y_w| - |y_l|)\Bigr)"
        ),
        original="-log(sigmoid(beta*(log(p_w/r_w) - log(p_l/r_l)) - alpha*(len_w - len_l)))",
        P="Implies(And(M(x,yl),Ref(x,yw),Mref(x,yw)),And(M(x,yw),Ref(x,yl),Mref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl),Mref(x,yl)),And(M(x,yl),Ref(x,yw),Mref(x,yw)))",
        PA="And(M(x,yw),Ref(x,yl),Mref(x,yl),M(x,yl),Ref(x,yw),Mref(x,yw))",
        rho=_rdpo,
        defaults={"beta": 0.1, "alpha": 0.01},
        bind=lambda p, t: margin_inputs(
            float(p["alpha"])
            * (
                torch.as_tensor(t["chosen_lengths"], dtype=torch.float64)
                - torch.as_tensor(t["rejected_lengths"], dtype=torch.float64)
            )
            / float(p["beta"]),
            p,
            t,
        ),
        notes=(
            "DPO with a per-example margin reference log(m_w/m_l) = α(|y_w| − |y_l|)/β, bound "
            "from chosen_lengths/rejected_lengths. α is illustrative (the paper sweeps it)."
        ),
    ),
    LossEntry(
        name="ODPO",
        aliases=("DPO-offset",),
        kind="published",
        citation=Citation(
            "Afra Amini, Tim Vieira, Ryan Cotterell",
            2024,
            "Direct Preference Optimization with an Offset",
            "Findings of ACL 2024",
            "2402.10571",
        ),
        formula_latex=(
            r"-\log\sigma\Bigl(\beta\log\frac{\pi_\theta(y_w)}{\pi_{\mathrm{ref}}(y_w)} - "
            r"\beta\log\frac{\pi_\theta(y_l)}{\pi_{\mathrm{ref}}(y_l)} - \Delta_r\Bigr)"
        ),
        original="-log(sigmoid(beta*(log(p_w/r_w) - log(p_l/r_l)) - offset))",
        P="Implies(And(M(x,yl),Ref(x,yw),Mref(x,yw)),And(M(x,yw),Ref(x,yl),Mref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl),Mref(x,yl)),And(M(x,yl),Ref(x,yw),Mref(x,yw)))",
        PA="And(M(x,yw),Ref(x,yl),Mref(x,yl),M(x,yl),Ref(x,yw),Mref(x,yw))",
        rho=_odpo,
        defaults={"beta": 0.1, "offset_scale": 1.0},
        bind=lambda p, t: margin_inputs(
            float(p["offset_scale"])
            * torch.as_tensor(t["offsets"], dtype=torch.float64)
            / float(p["beta"]),
            p,
            t,
        ),
        bind_inputs=("offsets",),
        notes=(
            "The offset Δ_r (e.g. α·log(score_w − score_l)) is a per-example input `offsets`; it "
            "becomes the margin reference log(m_w/m_l) = Δ_r/β."
        ),
    ),
    # ================================ the paper's novel losses ==============================
    *(
        LossEntry(
            name=name,
            kind="novel",
            citation=LOGIC,
            formula_latex=latex,
            original=original,
            ratio=ratio,
            top_worlds=tuple(top.split()),
            bottom_worlds=tuple(bottom.split()),
            rho=rho,
            defaults={"beta": 1.0, "length_normalize": True, "sft_weight": 0.01},
            notes=(
                "Defaults follow the paper's case study (length-normalised log-probs, SFT "
                "weight 0.01); β is not fixed by the paper."
            ),
        )
        for name, top, bottom, rho, latex, original, ratio in [
            (
                "unCPO",
                "TT TF FF",
                "FT",
                _uncpo,
                r"-\log\sigma\Bigl(\log\frac{p_w p_l + 1 - p_l}{p_l(1-p_w)}\Bigr)",
                "-log(sigmoid(log((p_w*p_l + 1 - p_l)/(p_l*(1 - p_w)))))",
                ("p_w*p_l + 1 - p_l", "p_l*(1 - p_w)"),
            ),
            (
                "cCPO",
                "TT TF",
                "FT",
                _ccpo,
                r"-\log\sigma\Bigl(\log\frac{p_w}{p_l(1-p_w)}\Bigr)",
                "-log(sigmoid(log(p_w/(p_l*(1 - p_w)))))",
                ("p_w", "p_l*(1 - p_w)"),
            ),
            (
                "cfUnl",
                "TF FF",
                "FT",
                _cfunl,
                r"-\log\sigma\Bigl(\log\frac{1-p_l}{p_l(1-p_w)}\Bigr)",
                "-log(sigmoid(log((1 - p_l)/(p_l*(1 - p_w)))))",
                ("1 - p_l", "p_l*(1 - p_w)"),
            ),
            (
                "qfUnl",
                "TF FF",
                "FT FF",
                _qfunl,
                r"-\log\sigma\Bigl(\log\frac{1-p_l}{1-p_w}\Bigr)",
                "-log(sigmoid(log((1 - p_l)/(1 - p_w))))",
                ("1 - p_l", "1 - p_w"),
            ),
            (
                "fUnl",
                "TF FF",
                "TT FT",
                _funl,
                r"-\log\sigma\Bigl(\log\frac{1-p_l}{p_l}\Bigr)",
                "-log(sigmoid(log((1 - p_l)/p_l)))",
                ("1 - p_l", "p_l"),
            ),
            (
                "cUNL",
                "TF",
                "TT FT",
                _cunl,
                r"-\log\sigma\Bigl(\log\frac{p_w(1-p_l)}{p_l}\Bigr)",
                "-log(sigmoid(log((p_w*(1 - p_l))/p_l)))",
                ("p_w*(1 - p_l)", "p_l"),
            ),
            (
                "l20",
                "TF FF",
                "TT FT FF",
                _l20,
                r"-\log\sigma\Bigl(\log\frac{1-p_l}{p_l + (1-p_w)(1-p_l)}\Bigr)",
                "-log(sigmoid(log((1 - p_l)/(p_l + (1 - p_w)*(1 - p_l)))))",
                ("1 - p_l", "p_l + (1 - p_w)*(1 - p_l)"),
            ),
            (
                "sCE",
                "TT TF",
                "TT FT FF",
                _sce,
                r"-\log\sigma\Bigl(\log\frac{p_w}{(1-p_w) + p_w p_l}\Bigr)",
                "-log(sigmoid(log(p_w/((1 - p_w) + p_w*p_l))))",
                ("p_w", "(1 - p_w) + p_w*p_l"),
            ),
        ]
    ),
]

# The seed's novel loss (SEMANTICS §3), written as the paper writes it; it must equal the derived
# reference version of ORPO (checked in tests/zoo).
SEED_REF_ORPO = {
    "P": "Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))",
    "PC": ("Or(And(M(x,yw),Not(M(x,yl)),Ref(x,yl)),And(M(x,yl),Not(M(x,yw)),Ref(x,yw)))"),
    "PA": None,
}

# ============================== reference versions of every no-reference loss ================
#: Base entries whose reference version is declared under its own name (CPO's is DPO).
DECLARED_REFERENCE_VERSIONS = {"CPO": "DPO"}


def populate(registry: Registry, entries: list[LossEntry]) -> Registry:
    """Register *entries* and the reference version ``ref-<name>`` of each no-reference one."""
    for entry in entries:
        registry.add(entry)
    for entry in entries:
        if entry.requires_reference or entry.name in DECLARED_REFERENCE_VERSIONS:
            continue
        registry.add(reference_entry(entry, citation=LOGIC))
    return registry


populate(REGISTRY, ENTRIES)
