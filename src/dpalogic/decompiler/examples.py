"""Published DPA losses written the way their papers write them (used by the tests and the table
in docs/decompiler.md). Each entry: name, citation, the loss as text, the zoo entry with the same
structure, and hyperparameter values for numeric checks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PaperLoss:
    """A loss as its paper writes it."""

    name: str
    citation: str
    text: str
    zoo: str
    params: dict[str, float] = field(default_factory=dict)
    note: str = ""


_H = "log(p_w/r_w) - log(p_l/r_l)"  # DPO's implicit reward margin h

PAPER_LOSSES: tuple[PaperLoss, ...] = (
    PaperLoss("CE", "SFT / maximum likelihood", "-log(p_w)", "CE"),
    PaperLoss(
        "CEUnl",
        "Welleck et al., Neural Text Generation with Unlikelihood Training, ICLR 2020",
        "-log(p_w) - log(1 - p_l)",
        "CEUnl",
        note="cross-entropy plus unlikelihood of y_l",
    ),
    PaperLoss(
        "CPO",
        "Xu et al., Contrastive Preference Optimization, ICML 2024 (preference term + NLL)",
        "-logsigmoid(beta*logp_w - beta*logp_l) - logp_w",
        "CPO",
        {"beta": 0.1},
        "L_prefer + L_NLL",
    ),
    PaperLoss(
        "SLiC-HF",
        "Zhao et al., SLiC-HF: Sequence Likelihood Calibration with Human Feedback, 2023 "
        "(rank-calibration hinge + λ·NLL of the target)",
        "max(0, delta - log(p_w) + log(p_l)) - lam*log(p_w)",
        "SLiC-HF",
        {"delta": 1.0, "lam": 0.5},
        "the regulariser's target taken to be y_w",
    ),
    PaperLoss(
        "RRHF",
        "Yuan et al., RRHF, NeurIPS 2023 (ranking hinge on length-normalised "
        "log-probs + NLL of the best response)",
        "max(0, logp_l/len_l - logp_w/len_w) - logp_w",
        "RRHF",
    ),
    PaperLoss(
        "ORPO",
        "Hong et al., ORPO, EMNLP 2024 (L_SFT + λ·L_OR, P = exp of the mean token log-prob)",
        "-logp_w/len_w - lam*log(sigmoid(log((p_w**(1/len_w)/(1 - p_w**(1/len_w)))"
        "/(p_l**(1/len_l)/(1 - p_l**(1/len_l))))))",
        "ORPO",
        {"lam": 0.1},
    ),
    PaperLoss(
        "SimPO",
        "Meng et al., SimPO, NeurIPS 2024 (SimPO objective)",
        "-log(sigmoid(beta/len_w*log(p_w) - beta/len_l*log(p_l) - gamma))",
        "SimPO",
        {"beta": 2.0, "gamma": 0.5},
    ),
    PaperLoss(
        "DPO",
        "Rafailov et al., Direct Preference Optimization, NeurIPS 2023, eq. 7",
        "-log(sigmoid(beta*log(p_w/r_w) - beta*log(p_l/r_l)))",
        "DPO",
        {"beta": 0.1},
    ),
    PaperLoss(
        "IPO",
        "Azar et al., A General Theoretical Paradigm…, AISTATS 2024 (IPO's sampled loss)",
        "(log(p_w*r_l/(p_l*r_w)) - 1/(2*tau))**2",
        "IPO",
        {"tau": 0.1},
    ),
    PaperLoss(
        "cDPO",
        "Mitchell, A note on DPO with noisy preferences, 2023",
        f"-(1 - eps)*log(sigmoid(beta*({_H}))) - eps*log(sigmoid(-beta*({_H})))",
        "cDPO",
        {"beta": 0.1, "eps": 0.1},
    ),
    PaperLoss(
        "DPOP",
        "Pal et al., Smaug: Fixing Failure Modes of Preference Optimisation with "
        "DPO-Positive, 2024 (DPOP objective)",
        f"-log(sigmoid(beta*({_H} - lam*max(0, log(r_w/p_w)))))",
        "DPOP-copy",
        {"beta": 0.1, "lam": 5.0},
        "semantics in the penalty's active branch at λ = 1 (copies)",
    ),
    PaperLoss(
        "R-DPO",
        "Park et al., Disentangling Length from Quality in Direct Preference "
        "Optimization, Findings of ACL 2024 (length-regularised DPO)",
        f"-log(sigmoid(beta*({_H}) + (alpha*len_w - alpha*len_l)))",
        "R-DPO",
        {"beta": 0.1, "alpha": 0.01},
    ),
    PaperLoss(
        "ODPO",
        "Amini et al., Direct Preference Optimization with an Offset, Findings of ACL "
        "2024 (offset Δ_r = α·log(s_w − s_l))",
        f"-log(sigmoid(beta*({_H}) - alpha*log(score_w - score_l)))",
        "ODPO",
        {"beta": 0.1, "alpha": 1.0, "score_w": 3.0, "score_l": 1.0},
    ),
)
