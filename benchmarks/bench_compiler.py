"""Compiled vs hand-written losses: forward + backward time on N preference pairs.

One command::

    .venv/bin/python benchmarks/bench_compiler.py            # 1M pairs
    .venv/bin/python benchmarks/bench_compiler.py --n 10000  # quick check (or --quick)

The hand-written baselines are written the way TRL writes them (``trl`` 1.16 ``DPOTrainer``
sigmoid, ``CPOTrainer`` sigmoid and SimPO, ``ORPOTrainer`` odds ratio), plus ``ORPO*``: ORPO with
the same safe ``log(1 − p)`` as the compiler. Both sides run in the same process on the same
tensors, interleaved; the script prints the best-of-reps times and the ratio compiled / hand-written
(goal: ≤ 1.2×).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from dpalogic.compiler import compile_structure
from dpalogic.logic import NO_REF, WITH_REF, Atom, PreferenceStructure

BETA, GAMMA = 0.1, 0.5
LN2 = math.log(2.0)


def _structure(variables: tuple[Atom, ...], top, bottom) -> PreferenceStructure:
    n = len(variables)
    t = b = 0
    for w in range(1 << n):
        bits = [bool((w >> i) & 1) for i in range(n)]
        t |= int(top(*bits)) << w
        b |= int(bottom(*bits)) << w
    return PreferenceStructure(variables, t, b)


def hand_dpo(pc, pr, rc, rr, **_):
    logits = (pc - pr) - (rc - rr)
    return -F.logsigmoid(BETA * logits)


def hand_cpo(pc, pr, **_):
    return -F.logsigmoid(BETA * (pc - pr))


def hand_orpo(pc, pr, **_):
    log_odds = (pc - pr) - (torch.log1p(-torch.exp(pc)) - torch.log1p(-torch.exp(pr)))
    return -F.logsigmoid(log_odds)


def hand_orpo_stable(pc, pr, **_):
    """ORPO with the same numerically safe log(1 − p) the compiler uses, written inline."""

    def log1m(a):
        x = a.clamp(max=-torch.finfo(a.dtype).tiny)
        return torch.where(x > -LN2, torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))

    log_odds = (pc - pr) - (log1m(pc) - log1m(pr))
    return -F.logsigmoid(log_odds)


def hand_simpo(pc, pr, lc, lr, **_):
    return -F.logsigmoid(BETA * (pc / lc - pr / lr) - GAMMA)


def cases() -> list[tuple[str, Callable, Callable]]:
    """(name, hand-written, compiled) triples taking the same positional tensors."""
    dpo = compile_structure(
        _structure(WITH_REF, lambda w, lo, rw, rl: w and rl, lambda w, lo, rw, rl: lo and rw),
        beta=BETA,
    )
    cpo = compile_structure(
        PreferenceStructure.from_worlds(["TT", "TF"], ["TT", "FT"], NO_REF), beta=BETA
    )
    orpo = compile_structure(PreferenceStructure.from_worlds(["TF"], ["FT"], NO_REF), beta=1.0)
    mref = (Atom("M", "yw"), Atom("M", "yl"), Atom("Mref", "yw"), Atom("Mref", "yl"))
    simpo = compile_structure(
        _structure(mref, lambda w, lo, mw, ml: w and ml, lambda w, lo, mw, ml: lo and mw),
        beta=BETA,
        length_normalize={"M"},
    )
    margin = (torch.tensor(0.0), torch.tensor(-GAMMA / BETA))  # log m_w − log m_l = γ/β

    def c_dpo(pc, pr, rc, rr, **_):
        return dpo(
            policy_chosen_logps=pc,
            policy_rejected_logps=pr,
            reference_chosen_logps=rc,
            reference_rejected_logps=rr,
        )

    def c_cpo(pc, pr, **_):
        return cpo(policy_chosen_logps=pc, policy_rejected_logps=pr)

    def c_orpo(pc, pr, **_):
        return orpo(policy_chosen_logps=pc, policy_rejected_logps=pr)

    def c_simpo(pc, pr, lc, lr, **_):
        return simpo(
            policy_chosen_logps=pc,
            policy_rejected_logps=pr,
            chosen_lengths=lc,
            rejected_lengths=lr,
            Mref=margin,
        )

    return [
        ("DPO", hand_dpo, c_dpo),
        ("CPO", hand_cpo, c_cpo),
        ("ORPO", hand_orpo, c_orpo),
        ("ORPO*", hand_orpo_stable, c_orpo),
        ("SimPO", hand_simpo, c_simpo),
    ]


def make_inputs(n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = {k: -5.0 * torch.rand(n, generator=g) - 1e-3 for k in ("pc", "pr", "rc", "rr")}
    x["lc"] = torch.randint(1, 200, (n,), generator=g).float()
    x["lr"] = torch.randint(1, 200, (n,), generator=g).float()
    return x


def time_fwd_bwd(fn: Callable, leaves: dict[str, torch.Tensor]) -> float:
    """Seconds for one forward + backward (log-prob leaves are reused; their grads reset)."""
    for v in leaves.values():
        v.grad = None
    t0 = time.perf_counter()
    loss = fn(**leaves).mean()
    loss.backward()
    return time.perf_counter() - t0


def measure(n: int = 1_000_000, reps: int = 15, compile_: bool = False,
            threads: int = 1) -> dict[str, Any]:
    """Time every case; returns ``{"setting": {...}, "rows": [{"loss", "hand_ms", "compiled_ms",
    "ratio"}, ...]}`` (best of *reps* interleaved repetitions, after a check that both agree)."""
    torch.set_num_threads(threads)
    inputs = make_inputs(n)
    for k in ("pc", "pr", "rc", "rr"):
        inputs[k].requires_grad_()
    rows = []
    for name, hand, comp in cases():
        if compile_:
            hand, comp = torch.compile(hand), torch.compile(comp)
        # check they agree, then warm up
        with torch.no_grad():
            torch.testing.assert_close(comp(**inputs), hand(**inputs), rtol=1e-5, atol=1e-5)
        for _ in range(3):
            time_fwd_bwd(hand, inputs)
            time_fwd_bwd(comp, inputs)
        th, tc = [], []
        for _ in range(reps):  # interleaved so machine noise hits both alike
            th.append(time_fwd_bwd(hand, inputs))
            tc.append(time_fwd_bwd(comp, inputs))
        mh, mc = min(th), min(tc)  # best of reps: robust to a busy machine
        rows.append({"loss": name, "hand_ms": mh * 1e3, "compiled_ms": mc * 1e3,
                     "ratio": mc / mh})
    setting = {"n": n, "reps": reps, "compile": compile_, "threads": torch.get_num_threads(),
               "dtype": "float32", "torch": torch.__version__,
               "processor": platform.processor() or platform.machine()}
    return {"setting": setting, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of preference pairs")
    ap.add_argument("--reps", type=int, default=15, help="timed repetitions per loss")
    ap.add_argument("--compile", action="store_true", help="torch.compile both versions first")
    ap.add_argument("--quick", action="store_true", help="reduced size (100k pairs, 5 reps)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: steadier timings)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.reps = min(args.n, 100_000), min(args.reps, 5)
    result = measure(args.n, args.reps, args.compile, args.threads)
    if args.json:
        print(json.dumps(result))
        return
    s = result["setting"]
    print(
        f"# dpalogic compiler benchmark: n={s['n']:,} pairs, float32, forward+backward, "
        f"torch {s['torch']}, {s['threads']} threads, {s['processor']}"
        + (", torch.compile" if s["compile"] else ", eager")
    )
    print(f"{'loss':8s} {'hand (ms)':>10s} {'compiled (ms)':>14s} {'ratio':>7s}")
    for r in result["rows"]:
        print(f"{r['loss']:8s} {r['hand_ms']:10.2f} {r['compiled_ms']:14.2f} {r['ratio']:6.2f}x")
    print(f"max ratio {max(r['ratio'] for r in result['rows']):.2f}x (goal <= 1.2x)")
    print("ORPO: TRL's log1p(-exp(a)) (NaN/-inf at p = 1); ORPO*: hand-written with the compiler's")
    print("safe log(1 - p) (expm1/log1p branch at -ln 2, clamp at -tiny)")


if __name__ == "__main__":
    main()
