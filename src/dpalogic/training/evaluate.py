"""Evaluation beyond log-probs: exact batched completion log-probs, preference accuracy, and
task-level generation accuracy (greedy generations scored by each task's verifier).

Tokenisation follows TRL's ``DPOTrainer`` (trl 1.16) so the numbers match what training sees:

- standard rows: ``tokenizer(prompt)`` and ``tokenizer(prompt + completion + eos)`` (EOS appended
  unless the completion already ends with it);
- conversational rows: ``apply_chat_template(prompt, add_generation_prompt=True)`` and
  ``apply_chat_template(prompt + completion)``;

and the completion is the tokens after the common prefix of the two. The log-probability of a
completion is the sum over its tokens of ``log p(token | prefix)``; with ``length_normalize`` it
is divided by the number of completion tokens. Batches are right-padded and padded positions
masked, so a batched value equals the one-by-one value (causal attention never looks right).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch

from dpalogic.errors import DataError
from dpalogic.training.tasks import TASKS

__all__ = [
    "completion_logps",
    "encode_completion",
    "encode_prompt",
    "generation_accuracy",
    "preference_accuracy",
    "sequence_logps",
]

Message = Mapping[str, str]
Text = str | Sequence[Message]


def _common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _ids(encoded: Any) -> list[int]:
    """input_ids from whatever a tokenizer / apply_chat_template returned."""
    if isinstance(encoded, Mapping) or hasattr(encoded, "keys"):
        encoded = encoded["input_ids"]
    if isinstance(encoded, torch.Tensor):
        encoded = encoded.tolist()
    if encoded and isinstance(encoded[0], list):  # a batch of one
        encoded = encoded[0]
    return [int(t) for t in encoded]


def _chat_ids(tokenizer: Any, messages: Sequence[Message], *, generation_prompt: bool) -> list[int]:
    if not getattr(tokenizer, "chat_template", None):
        raise DataError(
            "conversational rows need a tokenizer with a chat template "
            "(set tokenizer.chat_template or use standard string rows)"
        )
    return _ids(
        tokenizer.apply_chat_template(
            list(messages), tokenize=True, add_generation_prompt=generation_prompt, return_dict=True
        )
    )


def encode_prompt(tokenizer: Any, prompt: Text) -> list[int]:
    """Token ids of a prompt as generation sees it (chat template + generation prompt if any)."""
    if isinstance(prompt, str):
        return _ids(tokenizer(text=prompt))
    return _chat_ids(tokenizer, prompt, generation_prompt=True)


def encode_completion(
    tokenizer: Any, prompt: Text, completion: Text
) -> tuple[list[int], list[int]]:
    """``(prompt_ids, completion_ids)`` with TRL's convention (see the module docstring)."""
    if isinstance(prompt, str):
        if not isinstance(completion, str):
            raise DataError("a standard (string) prompt needs a string completion")
        eos = getattr(tokenizer, "eos_token", None)
        if eos and not completion.endswith(eos):
            completion = completion + eos
        prompt_ids = _ids(tokenizer(text=prompt))
        full = _ids(tokenizer(text=prompt + completion))
    else:
        messages = (
            [{"role": "assistant", "content": completion}]
            if isinstance(completion, str)
            else list(completion)
        )
        prompt_ids = _chat_ids(tokenizer, prompt, generation_prompt=True)
        full = _chat_ids(tokenizer, [*prompt, *messages], generation_prompt=False)
    k = _common_prefix_length(prompt_ids, full)
    return full[:k], full[k:]


def _model_device(model: Any) -> torch.device:
    try:
        return next(model.parameters()).device
    except (StopIteration, AttributeError):
        return torch.device("cpu")


def _pad_id(tokenizer: Any) -> int:
    for name in ("pad_token_id", "eos_token_id"):
        value = getattr(tokenizer, name, None)
        if value is not None:
            return int(value)
    return 0


@contextlib.contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """Evaluation mode without gradients; the model's previous mode is restored."""
    was_training = bool(getattr(model, "training", False))
    if hasattr(model, "eval"):
        model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        if was_training and hasattr(model, "train"):
            model.train()


def sequence_logps(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Text],
    completions: Sequence[Text],
    *,
    batch_size: int = 8,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed completion log-probs and completion lengths (tokens), both ``Tensor[n]`` on CPU.

    ``log p(y | x) = Σ_t log softmax(logits_{t-1})[y_t]`` over the completion tokens only: the
    prompt and the padding are masked. Computed from ``log_softmax`` of float32 logits (stable in
    log-space: no probabilities are multiplied).
    """
    if len(prompts) != len(completions):
        raise DataError(f"{len(prompts)} prompts but {len(completions)} completions")
    if batch_size < 1:
        raise DataError(f"batch_size must be >= 1, got {batch_size}")
    encoded = [
        encode_completion(tokenizer, p, c) for p, c in zip(prompts, completions, strict=True)
    ]
    device = _model_device(model)
    pad = _pad_id(tokenizer)
    sums = torch.zeros(len(encoded), dtype=torch.float32)
    lengths = torch.zeros(len(encoded), dtype=torch.long)
    with _eval_mode(model):
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            width = max(len(p) + len(c) for p, c in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            attn = torch.zeros((len(chunk), width), dtype=torch.long)
            comp = torch.zeros((len(chunk), width), dtype=torch.bool)
            for i, (p, c) in enumerate(chunk):  # right padding: positions 0..len-1 are real
                ids[i, : len(p) + len(c)] = torch.tensor(p + c, dtype=torch.long)
                attn[i, : len(p) + len(c)] = 1
                comp[i, len(p) : len(p) + len(c)] = True
            logits = model(input_ids=ids.to(device), attention_mask=attn.to(device)).logits
            logits = logits[:, :-1].float()
            targets = ids[:, 1:].to(device)
            mask = comp[:, 1:].to(device)
            # log-softmax then gather: exact per-token log-probs without forming probabilities
            token_logps = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1))
            token_logps = token_logps.squeeze(-1).masked_fill(~mask, 0.0)
            # a completion token at position 0 (empty prompt) has no prediction: not counted
            sums[start : start + len(chunk)] = token_logps.sum(-1).cpu()
            lengths[start : start + len(chunk)] = mask.sum(-1).cpu()
    return sums, lengths


def completion_logps(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Text],
    completions: Sequence[Text],
    *,
    batch_size: int = 8,
    length_normalize: bool = False,
) -> torch.Tensor:
    """Log-probability of each completion given its prompt: ``Tensor[n]`` (float32, CPU).

    Summed over completion tokens, or averaged with ``length_normalize`` (SimPO-style
    ``log p / |y|``). Batched and exact: equal to scoring the pairs one by one.

    Args:
        model: a causal LM returning ``.logits`` (e.g. ``AutoModelForCausalLM``).
        tokenizer: its tokenizer (chat template used for conversational rows).
        prompts: strings, or lists of ``{"role", "content"}`` messages.
        completions: strings, or lists holding the assistant message(s).
        batch_size: pairs per forward pass.
        length_normalize: divide by the number of completion tokens.
    """
    sums, lengths = sequence_logps(model, tokenizer, prompts, completions, batch_size=batch_size)
    if length_normalize:
        return sums / lengths.clamp(min=1).to(sums.dtype)
    return sums


def _rows(dataset: Any) -> list[Mapping[str, Any]]:
    if isinstance(dataset, Mapping):  # a DatasetDict (a dict of splits)
        raise DataError("pass one split (e.g. dataset['test']), not a DatasetDict")
    return list(dataset)


def _mean(xs: torch.Tensor) -> float | None:
    return float(xs.mean()) if xs.numel() else None


def preference_accuracy(
    model: Any,
    tokenizer: Any,
    dataset: Any,
    *,
    length_normalize: bool = False,
    batch_size: int = 8,
) -> dict[str, Any]:
    """Held-out preference accuracy: how often the model prefers ``chosen`` to ``rejected``.

    accuracy = mean over pairs of ``[log p(chosen|x) > log p(rejected|x)]`` (strict, like TRL's
    ``rewards/accuracies``; optionally length-normalised log-probs). Returns ``{"accuracy",
    "mean_chosen_logp", "mean_rejected_logp", "mean_margin", "n"}`` (means are None when n = 0).
    """
    rows = _rows(dataset)
    prompts = [r["prompt"] for r in rows]
    scores = completion_logps(
        model,
        tokenizer,
        prompts + prompts,
        [r["chosen"] for r in rows] + [r["rejected"] for r in rows],
        batch_size=batch_size,
        length_normalize=length_normalize,
    )
    chosen, rejected = scores[: len(rows)], scores[len(rows) :]
    return {
        "accuracy": int((chosen > rejected).sum()) / len(rows) if rows else None,
        "mean_chosen_logp": _mean(chosen),
        "mean_rejected_logp": _mean(rejected),
        "mean_margin": _mean(chosen - rejected),
        "n": len(rows),
    }


def _prompt_text(prompt: Text) -> str:
    if isinstance(prompt, str):
        return prompt
    return "\n".join(str(m.get("content", "")) for m in prompt)


def generate_greedy(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Text],
    *,
    max_new_tokens: int = 24,
    batch_size: int = 8,
) -> list[str]:
    """Greedy completions (decoded, special tokens skipped) for each prompt; left-padded batches."""
    device = _model_device(model)
    pad = _pad_id(tokenizer)
    eos = getattr(tokenizer, "eos_token_id", None)
    encoded = [encode_prompt(tokenizer, p) for p in prompts]
    out: list[str] = []
    with _eval_mode(model):
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            width = max(len(e) for e in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            attn = torch.zeros((len(chunk), width), dtype=torch.long)
            for i, e in enumerate(chunk):  # left padding: generation appends on the right
                ids[i, width - len(e) :] = torch.tensor(e, dtype=torch.long)
                attn[i, width - len(e) :] = 1
            generated = model.generate(
                input_ids=ids.to(device),
                attention_mask=attn.to(device),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                num_beams=1,
                pad_token_id=pad,
                eos_token_id=eos,
            )
            new = generated[:, width:].cpu()
            out.extend(tokenizer.decode(row.tolist(), skip_special_tokens=True) for row in new)
    return out


def generation_accuracy(
    model: Any,
    tokenizer: Any,
    dataset: Any,
    *,
    max_new_tokens: int = 24,
    batch_size: int = 8,
    limit: int | None = None,
    n_samples: int = 8,
) -> dict[str, Any]:
    """Task-level outcome: greedy generations on held-out prompts scored by each task's verifier.

    Uses the rows whose ``task`` names a task in :data:`~dpalogic.training.tasks.TASKS` and that
    carry an ``answer`` (the built-in data does; user data may); other rows are skipped. Returns
    ``{"accuracy", "per_task", "n", "samples"}``: accuracy = fraction of verified generations
    (None when n = 0), ``per_task`` = ``{task: {"accuracy", "n"}}``, ``samples`` = the first
    ``n_samples`` rows as ``{"task", "prompt", "answer", "completion", "correct"}``.
    """
    rows = [
        r for r in _rows(dataset) if r.get("task") in TASKS and r.get("answer") not in (None, "")
    ]
    if limit is not None:
        rows = rows[: max(limit, 0)]
    completions = generate_greedy(
        model,
        tokenizer,
        [r["prompt"] for r in rows],
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
    )
    correct = [
        TASKS[r["task"]].verify(str(r["answer"]), c) for r, c in zip(rows, completions, strict=True)
    ]
    per_task: dict[str, dict[str, Any]] = {}
    for r, ok in zip(rows, correct, strict=True):
        entry = per_task.setdefault(r["task"], {"correct": 0, "n": 0})
        entry["correct"] += int(ok)
        entry["n"] += 1
    return {
        "accuracy": sum(correct) / len(correct) if correct else None,
        "per_task": {
            t: {"accuracy": e["correct"] / e["n"], "n": e["n"]} for t, e in sorted(per_task.items())
        },
        "n": len(rows),
        "samples": [
            {
                "task": r["task"],
                "prompt": _prompt_text(r["prompt"]),
                "answer": str(r["answer"]),
                "completion": c,
                "correct": ok,
            }
            for r, c, ok in list(zip(rows, completions, correct, strict=True))[:n_samples]
        ],
    }
