"""Train a model with any compiled loss through TRL: :class:`CompiledLossTrainer`.

``CompiledLossTrainer`` subclasses TRL 1.16's :class:`trl.DPOTrainer` and overrides only
``compute_loss`` (plus ``__init__`` to resolve the loss): tokenisation, collation, the fused LM
head, PEFT, accelerate, checkpoints and logging stay TRL's. The loss is given as a zoo name, a
program string, a :class:`~dpalogic.logic.PreferenceStructure` or a ready compiled loss, or a
weighted list of them (a *sum of terms*, see below). Per batch the trainer computes, exactly as
TRL does,

- the summed completion-token log-probabilities of chosen and rejected completions under the
  policy (prompt and padding masked), and the completion lengths (for length normalisation);
- the same under the reference model, **only if some term mentions** ``Ref`` (a structure that
  never mentions ``Ref`` runs with no reference model at all: no reference forward pass and no
  reference weights in memory); reference log-probs may also be precomputed once with TRL's
  ``DPOConfig(precompute_ref_log_probs=True)``;

and then the loss

    L = Σ_k w_k · mean_batch ℓ_k  +  λ_sft · NLL_token(y_w)

where ``ℓ_k`` is the k-th compiled loss (per example) and ``NLL_token`` is TRL's ``"sft"`` term,
the mean negative log-probability over all chosen completion tokens of the batch. With one term
and ``λ_sft = 0`` this is ``mean_batch ℓ``. Sums of terms express TRL's ``loss_type`` lists (e.g.
``bco_pair`` is the sum of two structures, see ``docs/trainer.md``).

Logged metrics: TRL's names (``rewards/chosen``, ``rewards/rejected``, ``rewards/accuracies``,
``rewards/margins``, ``logps/chosen``, ``logps/rejected``, ``logits/chosen``,
``logits/rejected``, ``entropy``, ``mean_token_accuracy``, ``num_tokens``) with TRL's
definitions (rewards are ``β·(log p − log r)``, or ``β·log p`` when there is no reference), plus
the semantic ones of the first term:

- ``semantic/log_wmc_top``: batch mean of ``log WMC(✓)``;
- ``semantic/log_wmc_bottom``: batch mean of ``log WMC(✗)``;
- ``semantic/p_holds``: batch mean of ``WMC(✓) / (WMC(✓) + WMC(✗)) = σ(ρ)``, the probability
  that the program holds under its conditioning constraint, ``P_θ(P | P_C)``, exactly when
  ``✓ ∩ ✗ = ∅`` (no additive constraint; worlds in both sets are counted on both sides).

Example (tiny model, a few seconds)::

    from datasets import Dataset
    from dpalogic.training.models import load_model
    from dpalogic.training.trainer import CompiledLossTrainer, make_dpo_config

    model, tok = load_model("tiny")
    data = Dataset.from_list([{"prompt": "2+2=", "chosen": "4", "rejected": "5"}] * 8)
    trainer = CompiledLossTrainer(
        model=model, loss="Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))",  # ORPO's logic
        args=make_dpo_config("/tmp/run", max_steps=2), train_dataset=data, processing_class=tok,
    )
    trainer.train()
    assert trainer.ref_model is None  # no Ref in the program: no reference model
"""

from __future__ import annotations

import copy
import logging
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn
from trl import DPOConfig, DPOTrainer

from dpalogic.errors import DPALogicError

__all__ = ["CompiledLossTrainer", "LossTerm", "make_dpo_config", "resolve_loss_terms"]

logger = logging.getLogger(__name__)

_NON_MODEL_KEYS = frozenset({"completion_mask", "ref_chosen_logps", "ref_rejected_logps"})


def make_dpo_config(out_dir: str | Path, **kw: Any) -> DPOConfig:
    """A :class:`trl.DPOConfig` with defaults that work on a CPU-only machine.

    Defaults (each overridable by keyword): ``bf16=False`` (TRL 1.16 defaults to ``True``,
    which fails on most CPUs), ``use_cpu=True`` when no CUDA device is present,
    ``report_to="none"``, ``logging_steps=1``, ``save_strategy="no"``,
    ``per_device_train_batch_size=4``, ``per_device_eval_batch_size=4``, ``max_length=256``,
    ``dataloader_num_workers=0``, ``disable_tqdm=True``, ``gradient_checkpointing=False`` (TRL
    turns it on; for small models on CPU it only costs time).

    Example:
        >>> cfg = make_dpo_config("/tmp/dpalogic-run", max_steps=3, beta=0.1)
        >>> (cfg.bf16, cfg.max_steps, cfg.beta)
        (False, 3, 0.1)
    """
    defaults: dict[str, Any] = {
        "bf16": False,
        "fp16": False,
        "use_cpu": not torch.cuda.is_available(),
        "report_to": "none",
        "logging_steps": 1,
        "save_strategy": "no",
        "per_device_train_batch_size": 4,
        "per_device_eval_batch_size": 4,
        "max_length": 256,
        "dataloader_num_workers": 0,
        "disable_tqdm": True,
        "gradient_checkpointing": False,
    }
    defaults.update(kw)
    return DPOConfig(output_dir=str(out_dir), **defaults)


def _is_compiled(obj: Any) -> bool:
    """Duck-typed compiled loss: callable with ``details`` and ``requires_reference``."""
    return callable(obj) and hasattr(obj, "details") and hasattr(obj, "requires_reference")


class LossTerm:
    """One weighted term ``weight · mean_batch loss(**tensors)`` of a trainer's loss."""

    __slots__ = ("loss", "name", "weight")

    def __init__(self, loss: Any, weight: float = 1.0, name: str | None = None) -> None:
        self.loss = loss
        self.weight = float(weight)
        self.name = name or _describe(loss)

    @property
    def requires_reference(self) -> bool:
        """Whether this term needs reference log-probabilities (its structure mentions ``Ref``)."""
        return bool(self.loss.requires_reference)

    def __repr__(self) -> str:
        return f"LossTerm({self.name!r}, weight={self.weight})"


def _describe(loss: Any) -> str:
    name = getattr(loss, "name", None)
    if isinstance(name, str) and name:
        return name
    structure = getattr(loss, "structure", None)
    return str(getattr(structure, "region", structure)) if structure is not None else repr(loss)


def resolve_loss_terms(
    loss: Any,
    *,
    beta: float | None = None,
    link: Any = None,
    length_normalize: bool | None = None,
    default_beta: float | None = None,
    **options: Any,
) -> list[LossTerm]:
    """Compile ``loss`` into weighted terms.

    ``loss`` is a zoo name, a program string, a structure, a compiled loss, or a sequence whose
    items are any of those or ``(spec, weight)`` pairs. ``beta``, ``link``, ``length_normalize``
    and ``options`` are forwarded to :func:`dpalogic.compile` for every item that is not already
    compiled (``None`` keeps the compiler's / zoo entry's default). ``default_beta`` is the β of
    programs and structures when ``beta`` is ``None`` (zoo names keep their entry's β).

    Example:
        >>> terms = resolve_loss_terms([("DPO", 1.0), ("DPO", 0.5)], beta=0.1)  # doctest: +SKIP
        >>> [t.weight for t in terms]  # doctest: +SKIP
        [1.0, 0.5]
    """
    items: list[tuple[Any, float]]
    if isinstance(loss, (str, bytes)) or _is_compiled(loss) or not isinstance(loss, Sequence):
        items = [(loss, 1.0)]
    else:
        if len(loss) == 0:
            raise DPALogicError("loss= is an empty list; give at least one loss")
        items = []
        for item in loss:
            if (
                isinstance(item, tuple)
                and len(item) == 2
                and isinstance(item[1], (int, float))
                and not isinstance(item[1], bool)
            ):
                items.append((item[0], float(item[1])))
            else:
                items.append((item, 1.0))
    kw: dict[str, Any] = dict(options)
    if beta is not None:
        kw["beta"] = float(beta)
    if link is not None:
        kw["link"] = link
    if length_normalize is not None:
        kw["length_normalize"] = bool(length_normalize)
    terms = []
    for spec, weight in items:
        if not math.isfinite(weight):
            raise DPALogicError(f"loss weight must be finite, got {weight}")
        if _is_compiled(spec):
            compiled = spec
        else:
            import dpalogic
            from dpalogic.api import loss_name

            item_kw = dict(kw)
            if beta is None and default_beta is not None and loss_name(spec) is None:
                item_kw["beta"] = float(default_beta)
            compiled = dpalogic.compile(spec, **item_kw)
        name = spec if isinstance(spec, str) else None
        terms.append(LossTerm(compiled, weight, name))
    return terms


class _NoReferenceModel(nn.Module):
    """Stands in for the reference model while ``DPOTrainer.__init__`` runs, then is dropped.

    With ``ref_model=None`` TRL 1.16 loads a second copy of the policy from its name/path (or
    precomputes reference log-probs with a full pass over the data). A loss that never mentions
    ``Ref`` needs neither, so the trainer hands TRL this weightless module instead and sets
    ``self.ref_model = None`` as soon as TRL's constructor returns. It has no parameters, so no
    reference weights are ever held.
    """

    def __init__(self) -> None:
        super().__init__()
        from transformers import PretrainedConfig

        self.config = PretrainedConfig()  # TRL's fused-LM-head patch reads the config

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never called
        raise RuntimeError("this loss uses no reference model")


class CompiledLossTrainer(DPOTrainer):
    """TRL's ``DPOTrainer`` with the loss replaced by any compiled DPA loss (or a sum of them).

    Args:
        model, ref_model, args, data_collator, train_dataset, eval_dataset, processing_class,
        compute_metrics, callbacks, optimizers, quantization_config, peft_config:
            as for :class:`trl.DPOTrainer` (TRL 1.16). ``args`` defaults to
            :func:`make_dpo_config` ``("dpalogic-run")``.
        loss: zoo name (``"dpo"``), program string, structure, compiled loss, or a sequence of
            those / of ``(spec, weight)`` pairs (weighted sum of batch means).
        beta: β for every term compiled here. ``None``: a zoo name keeps its entry's β (e.g.
            SimPO's 2.0, CE's 1.0); a program or structure takes ``args.beta`` (TRL's knob). A
            ready compiled loss always keeps its own β.
        link: link name or callable ``f(ρ, β)``; ``None`` keeps the default (zoo entry's link,
            else logistic).
        length_normalize: divide log-probs by completion length; ``None`` keeps the default.
        sft_weight: λ of TRL's ``"sft"`` term (mean NLL over chosen completion tokens of the
            batch), added to the loss; ``0`` disables it.
        loss_options: extra keywords for :func:`dpalogic.compile` (e.g. link parameters).

    Raises:
        DPALogicError: unknown loss, bad weights, a loss that needs reference log-probs with
            no reference available, or a TRL option that changes the loss (``ld_alpha``,
            ``use_weighting``, a non-default ``f_divergence_type``).

    The reference model is used only when some term ``requires_reference``. Then it is
    ``ref_model`` if given, else — as in TRL — the base model under PEFT, log-probs
    precomputed with the initial policy (``precompute_ref_log_probs=True``), or the policy
    re-loaded from its local folder. Otherwise there is no reference model: ``ref_model``
    and precomputation are skipped (with a log message) and ``self.ref_model is None``.
    """

    _tag_names: ClassVar[list[str]] = ["trl", "dpo", "dpalogic"]

    def __init__(
        self,
        model: Any,
        ref_model: Any = None,
        args: DPOConfig | None = None,
        data_collator: Any = None,
        train_dataset: Any = None,
        eval_dataset: Any = None,
        processing_class: Any = None,
        compute_metrics: Any = None,
        callbacks: Any = None,
        optimizers: tuple[Any, Any] = (None, None),
        quantization_config: Any = None,
        peft_config: Any = None,
        *,
        loss: Any = "dpo",
        beta: float | None = None,
        link: Any = None,
        length_normalize: bool | None = None,
        sft_weight: float = 0.0,
        loss_options: dict[str, Any] | None = None,
    ) -> None:
        if args is None:
            args = make_dpo_config("dpalogic-run")
        if args.ld_alpha is not None:
            raise DPALogicError("ld_alpha (LD-DPO) is not supported by CompiledLossTrainer")
        if args.use_weighting:
            raise DPALogicError("use_weighting (WPO) is not supported by CompiledLossTrainer")
        if args.f_divergence_type != "reverse_kl":
            raise DPALogicError(
                "f_divergence_type is not supported by CompiledLossTrainer: "
                "the compiled loss defines the loss"
            )
        if list(args.loss_type) != ["sigmoid"]:
            logger.warning(
                "DPOConfig.loss_type %s is ignored: loss= defines the loss", args.loss_type
            )
        sft_weight = float(sft_weight)
        if not math.isfinite(sft_weight) or sft_weight < 0:
            raise DPALogicError(f"sft_weight must be a finite number >= 0, got {sft_weight}")

        terms = resolve_loss_terms(
            loss,
            beta=beta,
            default_beta=args.beta,
            link=link,
            length_normalize=length_normalize,
            **(loss_options or {}),
        )
        self.loss_terms: list[LossTerm] = terms
        self.sft_weight = sft_weight
        self.requires_reference = any(t.requires_reference for t in terms)

        from accelerate.utils import is_peft_model

        uses_peft = peft_config is not None or is_peft_model(model)
        if self.requires_reference:
            if (
                ref_model is None
                and not uses_peft
                and not args.precompute_ref_log_probs
                and not _reloadable(model)
            ):
                needs = next(t for t in terms if t.requires_reference)
                raise DPALogicError(
                    f"loss {needs.name!r} needs reference log-probs (it mentions Ref) but no "
                    "reference model is available: pass ref_model=, set "
                    "precompute_ref_log_probs=True, or train a PEFT adapter"
                )
        else:
            if ref_model is not None:
                logger.info("the loss never mentions Ref: ref_model is not used and not kept")
            if args.precompute_ref_log_probs or args.sync_ref_model:
                args = copy.copy(args)
                args.precompute_ref_log_probs = False
                args.sync_ref_model = False
            ref_model = _NoReferenceModel()

        super().__init__(
            model=model,
            ref_model=ref_model,
            args=args,
            data_collator=data_collator,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=processing_class,
            compute_metrics=compute_metrics,
            callbacks=callbacks,
            optimizers=optimizers,
            quantization_config=quantization_config,
            peft_config=peft_config,
        )
        if not self.requires_reference:
            self.ref_model = None
        # TRL's reward metrics use self.beta; keep them on the scale of the (first) loss.
        self.beta = float(getattr(terms[0].loss, "beta", args.beta))

    # ------------------------------------------------------------------ loss
    def set_loss(
        self,
        loss: Any,
        *,
        beta: float | None = None,
        link: Any = None,
        length_normalize: bool | None = None,
        sft_weight: float | None = None,
        loss_options: dict[str, Any] | None = None,
    ) -> None:
        """Replace the loss (e.g. between training phases); same arguments as the constructor.

        Raises:
            DPALogicError: the new loss needs reference log-probs but this trainer was built
                without a reference (its first loss never mentioned ``Ref``).
        """
        terms = resolve_loss_terms(
            loss,
            beta=beta,
            default_beta=self.args.beta,
            link=link,
            length_normalize=length_normalize,
            **(loss_options or {}),
        )
        needs_ref = any(t.requires_reference for t in terms)
        has_ref = self.ref_model is not None or self.precompute_ref_logps or _peft(self.model)
        if needs_ref and not has_ref:
            name = next(t for t in terms if t.requires_reference).name
            raise DPALogicError(
                f"loss {name!r} needs reference log-probs (it mentions Ref) but this "
                "trainer has no reference model; build a new trainer with ref_model="
            )
        if sft_weight is not None:
            sft_weight = float(sft_weight)
            if not math.isfinite(sft_weight) or sft_weight < 0:
                raise DPALogicError(f"sft_weight must be a finite number >= 0, got {sft_weight}")
            self.sft_weight = sft_weight
        self.loss_terms = terms
        self.requires_reference = needs_ref
        self.beta = float(getattr(terms[0].loss, "beta", self.args.beta))

    def compute_loss(
        self,
        model: nn.Module,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        """The compiled loss of one batch (chosen rows then rejected rows, as TRL collates)."""
        mode = "train" if self.model.training else "eval"
        completion_mask = inputs["completion_mask"]
        shift_completion_mask = completion_mask[..., 1:]
        model_kwargs = {k: v for k, v in inputs.items() if k not in _NON_MODEL_KEYS}
        model_kwargs["use_cache"] = False
        if self.aux_loss_enabled:
            model_kwargs["output_router_logits"] = True
        labels = inputs["input_ids"].masked_fill(completion_mask == 0, -100)
        outputs = model(**model_kwargs, labels=labels, fused_lm_head=True)
        seq_len = shift_completion_mask.size(1)
        per_token_logps = outputs.log_probs[:, -seq_len:]
        chosen_logps, rejected_logps = per_token_logps.sum(dim=1).chunk(2, dim=0)
        # Completion lengths as TRL counts them for its length-normalised losses (ipo, …_norm).
        lengths = completion_mask.sum(dim=1).clamp(min=1).to(chosen_logps.dtype)
        chosen_lengths, rejected_lengths = lengths.chunk(2, dim=0)

        tensors: dict[str, torch.Tensor] = {
            "policy_chosen_logps": chosen_logps,
            "policy_rejected_logps": rejected_logps,
            "chosen_lengths": chosen_lengths,
            "rejected_lengths": rejected_lengths,
        }
        ref_chosen = ref_rejected = None
        if self.requires_reference:
            ref_chosen, ref_rejected = self._reference_logps(inputs)
            tensors["reference_chosen_logps"] = ref_chosen
            tensors["reference_rejected_logps"] = ref_rejected

        # The first term is evaluated through details() so the semantic metrics cost no extra pass.
        first = self.loss_terms[0]
        details = first.loss.details(**tensors)
        loss = first.weight * details.loss.mean()
        for term in self.loss_terms[1:]:
            loss = loss + term.weight * term.loss(**tensors).mean()
        if self.sft_weight:
            chosen_mask, _ = shift_completion_mask.chunk(2, dim=0)
            chosen_tokens, _ = per_token_logps.chunk(2, dim=0)
            loss = loss + self.sft_weight * -chosen_tokens[chosen_mask.bool()].mean()
        if self.aux_loss_enabled:
            loss = loss + self.router_aux_loss_coef * outputs.aux_loss
            self._metrics[mode]["aux_loss"].append(
                self.accelerator.gather_for_metrics(outputs.aux_loss).mean().item()
            )

        self._log_batch_metrics(
            mode, inputs, outputs, seq_len, chosen_logps, rejected_logps, ref_chosen, ref_rejected
        )
        self._log_semantic_metrics(mode, details)

        if return_outputs:
            warnings.warn(
                "return_outputs=True recomputes the logits with an extra forward pass",
                FutureWarning,
                stacklevel=2,
            )
            with torch.no_grad():
                outputs = model(**model_kwargs)
            return loss, outputs
        return loss

    def _reference_logps(self, inputs: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed reference completion log-probs: precomputed, or one no-grad reference pass."""
        if self.precompute_ref_logps:
            if "ref_chosen_logps" not in inputs:
                raise DPALogicError(
                    "precompute_ref_log_probs is set but the batch has no ref log-probs"
                )
            return inputs["ref_chosen_logps"], inputs["ref_rejected_logps"]
        if self.ref_model is None and not _peft(self.model):
            raise DPALogicError(
                "this loss needs reference log-probs but there is no reference model"
            )
        # TRL's own reference pass (handles PEFT adapters and gradient checkpointing).
        ref_model = self.ref_model if self.ref_model is not None else self.model
        chosen, rejected = self.compute_ref_log_probs(ref_model, inputs)
        return chosen, rejected

    # --------------------------------------------------------------- metrics
    def _log_batch_metrics(
        self,
        mode: str,
        inputs: dict[str, Any],
        outputs: Any,
        seq_len: int,
        chosen_logps: torch.Tensor,
        rejected_logps: torch.Tensor,
        ref_chosen: torch.Tensor | None,
        ref_rejected: torch.Tensor | None,
    ) -> None:
        """TRL's metrics under TRL's names, with TRL's definitions."""
        acc = self.accelerator
        metrics = self._metrics[mode]
        mask = inputs["completion_mask"][..., 1:]
        total_tokens = acc.gather_for_metrics(mask.sum()).sum()
        if outputs.entropy is not None:
            entropy_sum = (outputs.entropy[:, -seq_len:].detach() * mask).sum()
            entropy_sum = acc.gather_for_metrics(entropy_sum).sum()
            metrics["entropy"].append(
                (entropy_sum / total_tokens).item() if total_tokens > 0 else 0.0
            )
        if mode == "train":
            n_tokens = acc.gather_for_metrics(inputs["attention_mask"].sum()).sum().item()
            self._total_train_tokens += n_tokens // self._tp_size
        metrics["num_tokens"] = [self._total_train_tokens]

        chosen_mask, rejected_mask = mask.chunk(2, dim=0)
        if outputs.mean_logits is not None:
            mean_c, mean_r = outputs.mean_logits[:, -seq_len:].detach().chunk(2, dim=0)
            for key, ml, m in (
                ("chosen", mean_c, chosen_mask),
                ("rejected", mean_r, rejected_mask),
            ):
                s = acc.gather_for_metrics(ml[m.bool()].sum()).sum().item()
                n = acc.gather_for_metrics(m.sum()).sum().item()
                metrics[f"logits/{key}"].append(s / n if n > 0 else 0.0)
        if outputs.is_top1 is not None:
            top1_c, _ = outputs.is_top1[:, -seq_len:].chunk(2, dim=0)
            correct = acc.gather_for_metrics((top1_c & chosen_mask.bool()).sum()).sum()
            n = acc.gather_for_metrics(chosen_mask.sum()).sum()
            metrics["mean_token_accuracy"].append((correct / n).item() if n > 0 else 0.0)

        chosen_logps, rejected_logps = chosen_logps.detach(), rejected_logps.detach()
        chosen_ratio = chosen_logps if ref_chosen is None else chosen_logps - ref_chosen
        rejected_ratio = rejected_logps if ref_rejected is None else rejected_logps - ref_rejected
        chosen_rewards = self.beta * chosen_ratio
        rejected_rewards = self.beta * rejected_ratio
        metrics["rewards/chosen"].append(acc.gather(chosen_rewards).mean().item())
        metrics["rewards/rejected"].append(acc.gather(rejected_rewards).mean().item())
        accuracies = (chosen_rewards > rejected_rewards).float()
        metrics["rewards/accuracies"].append(acc.gather(accuracies).mean().item())
        metrics["rewards/margins"].append(
            acc.gather(chosen_rewards - rejected_rewards).mean().item()
        )
        metrics["logps/chosen"].append(acc.gather(chosen_logps).mean().item())
        metrics["logps/rejected"].append(acc.gather(rejected_logps).mean().item())

    def _log_semantic_metrics(self, mode: str, details: Any) -> None:
        """``semantic/log_wmc_top``, ``semantic/log_wmc_bottom``, ``semantic/p_holds``."""
        acc = self.accelerator
        metrics = self._metrics[mode]
        top = acc.gather(details.log_wmc_top.detach().reshape(-1))
        bottom = acc.gather(details.log_wmc_bottom.detach().reshape(-1))
        # p = WMC(✓)/(WMC(✓)+WMC(✗)) in log space: exp(top − logaddexp(top, bottom)), no overflow.
        p_holds = torch.exp(top - torch.logaddexp(top, bottom))
        metrics["semantic/log_wmc_top"].append(_finite_mean(top))
        metrics["semantic/log_wmc_bottom"].append(_finite_mean(bottom))
        metrics["semantic/p_holds"].append(_finite_mean(p_holds))


def _finite_mean(x: torch.Tensor) -> float:
    """Mean over the finite entries (a degenerate structure gives ±inf log-WMCs); nan if none."""
    x = x.float()
    finite = x[torch.isfinite(x)]
    return finite.mean().item() if finite.numel() else float("nan")


def _peft(model: Any) -> bool:
    from accelerate.utils import is_peft_model

    return bool(is_peft_model(model))


def _reloadable(model: Any) -> bool:
    """Whether TRL can re-load a reference copy of ``model`` offline (a path or a local folder)."""
    if isinstance(model, str):
        return True
    name = getattr(getattr(model, "config", None), "_name_or_path", "") or ""
    return bool(name) and Path(name).is_dir() and (Path(name) / "config.json").is_file()
