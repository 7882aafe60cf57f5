"""Step time of CompiledLossTrainer (compiled DPO) vs TRL's built-in sigmoid loss, one run.

Both trainers get the same model weights, the same reference, the same batch and the same
DPOConfig; each "step" is ``trainer.training_step`` (forward of policy + reference, loss,
backward) followed by ``zero_grad``. Steps alternate between the two trainers (ABAB…) so that
load changes on a shared machine hit both equally; after a warm-up, the median of the timed
steps is reported with the ratio ours / TRL (goal ≤ 1.05).

Usage::

    python benchmarks/bench_trainer.py                      # tiny model, 30 steps each
    python benchmarks/bench_trainer.py --model smollm2-135m --steps 10 --batch-size 4
    python benchmarks/bench_trainer.py --json               # machine-readable result
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import tempfile
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
from datasets import Dataset
from trl import DPOTrainer

from dpalogic.training.models import load_model
from dpalogic.training.trainer import CompiledLossTrainer, make_dpo_config


def _rows(n: int) -> list[dict[str, str]]:
    """Preference pairs with completions of varied length (a few dozen tokens)."""
    rows = []
    for i in range(n):
        a, b = 3 + 7 * i, 11 + 5 * i
        rows.append(
            {
                "prompt": f"Question {i}: what is {a} + {b}? Answer with the number.",
                "chosen": f"{a} + {b} = {a + b}. The answer is {a + b}.",
                "rejected": f"I think it is {a + b + 1 + i % 3}, but I am not sure." * (1 + i % 2),
            }
        )
    return rows


def _time_step(trainer: Any, batch: dict[str, Any]) -> float:
    model = trainer.model
    t0 = time.perf_counter()
    trainer.training_step(model, batch)
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - t0


def run(model_name: str, steps: int, warmup: int, batch_size: int, threads: int | None) -> dict:
    """Benchmark both trainers; returns medians (seconds), the ratio and the machine."""
    if threads:
        torch.set_num_threads(threads)
    policy, tok = load_model(model_name, seed=0)
    ref = copy.deepcopy(policy)
    data = Dataset.from_list(_rows(batch_size))
    out = tempfile.mkdtemp(prefix="dpalogic-bench-")
    args = make_dpo_config(out, beta=0.1, per_device_train_batch_size=batch_size, max_length=128)

    ours_policy, ours_ref = copy.deepcopy(policy), copy.deepcopy(ref)
    trl_trainer = DPOTrainer(
        model=policy,
        ref_model=ref,
        args=args,
        train_dataset=data,
        processing_class=tok,
    )
    ours = CompiledLossTrainer(
        model=ours_policy,
        ref_model=ours_ref,
        args=args,
        train_dataset=data,
        processing_class=tok,
        loss="dpo",
        beta=0.1,
    )
    batches = {}
    for name, tr in (("trl", trl_trainer), ("ours", ours)):
        tr.model.train()
        tr.current_gradient_accumulation_steps = 1  # normally set by Trainer.train's loop
        rows = [tr.train_dataset[i] for i in range(batch_size)]
        batches[name] = tr._prepare_inputs(tr.data_collator(rows))

    times: dict[str, list[float]] = {"trl": [], "ours": []}
    for i in range(warmup + steps):
        order = (
            (("trl", trl_trainer), ("ours", ours))
            if i % 2 == 0
            else (("ours", ours), ("trl", trl_trainer))
        )
        for name, tr in order:
            dt = _time_step(tr, batches[name])
            if i >= warmup:
                times[name].append(dt)

    med_trl = statistics.median(times["trl"])
    med_ours = statistics.median(times["ours"])
    return {
        "model": model_name,
        "batch_size": batch_size,
        "tokens_per_batch": int(batches["trl"]["attention_mask"].sum()),
        "steps": steps,
        "warmup": warmup,
        "median_s_trl_sigmoid": med_trl,
        "median_s_compiled_dpo": med_ours,
        "ratio": med_ours / med_trl,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="10 steps (make bench --quick)")
    a = parser.parse_args(argv)
    if a.quick:
        a.steps = min(a.steps, 10)
    result = run(a.model, a.steps, a.warmup, a.batch_size, a.threads)
    if a.json:
        print(json.dumps(result))
        return
    print(
        f"model={result['model']} batch={result['batch_size']} pairs "
        f"({result['tokens_per_batch']} tokens), {result['steps']} steps after "
        f"{result['warmup']} warm-up, {result['machine']['torch_threads']} torch threads"
    )
    print(
        f"TRL DPOTrainer (sigmoid)      median step {result['median_s_trl_sigmoid'] * 1e3:8.1f} ms"
    )
    print(
        f"CompiledLossTrainer (DPO)     median step {result['median_s_compiled_dpo'] * 1e3:8.1f} ms"
    )
    verdict = "OK" if result["ratio"] <= 1.05 else "ABOVE GOAL"
    print(f"ratio ours/TRL = {result['ratio']:.3f}  (goal <= 1.05: {verdict})")


if __name__ == "__main__":
    main()
