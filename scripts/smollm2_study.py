"""Train SmolLM2-135M-Instruct on the built-in data with DPO and a novel loss; record the numbers.

Regenerates the "SmolLM2-135M study" section of docs/training.md and the training-results
section of README.md (between the ``study:begin`` / ``study:end`` markers),
docs/results/smollm2_study.json and the figures docs/figures/smollm2-<loss>.png. One run at a
time, with ``demo_config``'s settings (what ``make demo`` trains); each takes a few minutes on 2
CPU cores::

    .venv/bin/python scripts/smollm2_study.py                      # DPO and cCPO
    .venv/bin/python scripts/smollm2_study.py --losses DPO ref-ORPO --steps 60
    .venv/bin/python scripts/smollm2_study.py --report-only        # docs from the saved JSON
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _docgen import ROOT, describe, machine, replace_section

DOC = ROOT / "docs" / "training.md"
README = ROOT / "README.md"
RESULTS = ROOT / "docs" / "results" / "smollm2_study.json"
FIGURES = ROOT / "docs" / "figures"


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def setting(study: dict[str, Any]) -> str:
    """Where, when and how the study ran, as one paragraph."""
    cfg = study["settings"]
    minutes = sum(r["seconds"] for r in study["runs"]) / 60
    return (
        f"Measured {study['date']} on {describe(study['machine'])}, {minutes:.0f} min for "
        f"{len(study['runs'])} runs (model load, evaluation before and after, training). "
        f"Settings (`demo_config`, what `make demo` trains): `model={cfg['model']}`, "
        f"`steps={cfg['steps']}`, `batch_size={cfg['batch_size']}`, `lr={cfg['lr']}`, "
        f"`max_length={cfg['max_length']}`, `n_train={cfg['n_train']}`, held-out "
        f"`n_test={cfg['n_test']}` pairs (generation accuracy on the first "
        f"{cfg['generation_limit']}), `seed={cfg['seed']}`, one seed; β is each loss's own "
        "default."
    )


def logps(run: dict[str, Any]) -> str:
    """Which log-probabilities the loss (and so its preference accuracy) compares."""
    from dpalogic.training.run import demo_config, resolve_loss

    # the study never overrides length normalisation: it is the loss's own default
    norm = bool(getattr(resolve_loss(demo_config(run["loss"])), "length_normalize", False))
    return "per-token mean" if norm else "summed"


def readme_section(study: dict[str, Any]) -> str:
    """The README's short version: held-out accuracy before → after, and one figure."""
    lines = [
        "| loss | log-probs | held-out preference accuracy | generation accuracy | final loss |",
        "|---|---|---|---|---|",
    ]
    for r in study["runs"]:
        lines.append(
            f"| `{r['loss']}` ({r['kind']}) | {logps(r)} "
            f"| {fmt(r['preference_accuracy_before'])} → "
            f"**{fmt(r['preference_accuracy_after'])}** | "
            f"{fmt(r['generation_accuracy_before'])} → {fmt(r['generation_accuracy_after'])} "
            f"| {fmt(r['final_loss'])} |"
        )
    last = study["runs"][-1]
    lines += [
        "",
        f"{setting(study)} Reproduce: `.venv/bin/python scripts/smollm2_study.py`; more in "
        "[docs/training.md](docs/training.md#smollm2-135m-study).",
        "",
        f"![{last['loss']} on SmolLM2-135M: training dynamics](docs/figures/{last['figure']})",
    ]
    return "\n".join(lines) + "\n"


def write_docs(study: dict[str, Any]) -> None:
    """docs/results JSON, the docs/training.md section and the README section."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(study, indent=2) + "\n")
    replace_section(DOC, "study", markdown(study))
    replace_section(README, "study", readme_section(study))


def markdown(study: dict[str, Any]) -> str:
    """The docs section: settings, a results table and the figures."""
    lines = [
        f"{setting(study)} Regenerate with `.venv/bin/python scripts/smollm2_study.py`.",
        "",
        "| loss | kind | β | log-probs | pref. acc. before | pref. acc. after "
        "| margin before → after | gen. acc. before → after | final loss | time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in study["runs"]:
        lines.append(
            f"| {r['loss']} | {r['kind']} | {r['beta']:g} | {logps(r)} "
            f"| {fmt(r['preference_accuracy_before'])} | **{fmt(r['preference_accuracy_after'])}** "
            f"| {fmt(r['margin_before'])} → {fmt(r['margin_after'])} "
            f"| {fmt(r['generation_accuracy_before'])} → {fmt(r['generation_accuracy_after'])} "
            f"| {fmt(r['final_loss'])} | {r['seconds'] / 60:.1f} min |"
        )
    lines.append("")
    for r in study["runs"]:
        lines.append(f"![{r['loss']} training dynamics](figures/{r['figure']})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losses", nargs="+", default=["DPO", "cCPO"])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--generation-limit", type=int, default=None)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--runs", default=str(ROOT / "runs" / "smollm2-study"))
    parser.add_argument("--no-docs", action="store_true", help="Do not touch docs/ (a probe).")
    parser.add_argument("--report-only", action="store_true",
                        help="Rewrite the docs from docs/results/smollm2_study.json.")
    args = parser.parse_args(argv)
    if args.report_only:
        write_docs(json.loads(RESULTS.read_text()))
        return 0

    from dpalogic import zoo
    from dpalogic.training.run import demo_config, resolve_loss, train

    changes: dict[str, Any] = {"model": args.model, "overwrite": True}
    for key in ("steps", "batch_size", "lr", "n_test", "generation_limit"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = value
    study: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": demo_config("DPO", **changes).to_dict(),
        "runs": [],
    }
    befores: dict[bool, Any] = {}
    for loss in args.losses:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", loss).strip("-").lower()
        out = Path(args.runs) / slug
        config = demo_config(loss, out=str(out), **changes)
        print(f"[{time.strftime('%H:%M:%S')}] training {loss}: {config.to_dict()}", flush=True)
        norm = bool(getattr(resolve_loss(config), "length_normalize", False))
        # the untrained model is the same for every loss: evaluate it once per accuracy kind
        result = train(config, progress=False, before=befores.get(norm))
        befores[norm] = result.before
        s = result.summary()
        entry = zoo.get(loss) if loss in zoo.names() else None
        run = {
            **s,
            "kind": getattr(entry, "kind", "program"),
            "beta": float(resolve_loss(config).beta),
            "margin_before": (result.before or {}).get("preference", {}).get("mean_margin"),
            "margin_after": (result.after or {}).get("preference", {}).get("mean_margin"),
            "figure": f"smollm2-{slug}.png",
        }
        study["runs"].append(run)
        print(f"[{time.strftime('%H:%M:%S')}] {loss}: {json.dumps(run)}", flush=True)
        if not args.no_docs:
            FIGURES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / "dynamics.png", FIGURES / run["figure"])
    if not args.no_docs:
        write_docs(study)
    print(markdown(study))
    return 0


if __name__ == "__main__":
    sys.exit(main())
