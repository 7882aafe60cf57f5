"""The paper's case study at CPU scale: one sweep of 13 losses on SmolLM2-135M, written up.

Trains CE, CEUnl, CPO, ORPO, cCPO, unCPO, cfUnl, qfUnl, fUnl, cUNL, l20, sCE and DPO on the
built-in data with length-normalised log-probabilities and a small SFT weight (0.01, as in the
paper), all under one setting, with ``dpalogic.training.sweep``; then writes docs/case-study.md
(settings, machine, time, the results table with seed spread, the training-dynamics figure, the
lattice annotated with outcomes, what the numbers do and do not show) and
docs/figures/case-study-*.png::

    .venv/bin/python scripts/case_study.py              # the full study (about an hour, 2 cores)
    .venv/bin/python scripts/case_study.py --quick      # the whole pipeline on `tiny` (CI)
    .venv/bin/python scripts/case_study.py --report-only  # rewrite the doc from the run folders

The sweep folder (default runs/case-study) is resumable: rerunning the command skips finished
runs and continues interrupted ones. ``--quick`` writes to runs/case-study-quick/ and never
touches docs/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _docgen import ROOT, machine

#: The losses of the paper's case study, in its order.
LOSSES = ("CE", "CEUnl", "CPO", "ORPO", "cCPO", "unCPO", "cfUnl", "qfUnl", "fUnl", "cUNL", "l20",
          "sCE", "DPO")
QUICK_LOSSES = ("CE", "cCPO", "DPO")

#: The CPU-scale setting (chosen from a measured single run; see the doc's "Setting" section).
FULL: dict[str, Any] = {
    "model": "smollm2-135m",
    "data": "builtin",
    "steps": 12,
    "batch_size": 4,
    "lr": 2e-5,
    "length_normalize": True,
    "sft_weight": 0.01,
    "max_length": 96,
    "n_train": 48,
    "n_validation": 0,
    "n_test": 32,
    "eval_batch_size": 16,
    "generation_limit": 8,
    "max_new_tokens": 12,
    "checkpoint_every": 0,
}
QUICK: dict[str, Any] = {
    "model": "tiny",
    "data": "builtin",
    "steps": 3,
    "batch_size": 4,
    "lr": 5e-5,
    "length_normalize": True,
    "sft_weight": 0.01,
    "max_length": 96,
    "n_train": 16,
    "n_validation": 0,
    "n_test": 8,
    "eval_batch_size": 8,
    "generation_limit": 4,
    "max_new_tokens": 4,
    "checkpoint_every": 0,
}

SWEEPS = """\
The case study is one `dpalogic sweep`; any other selection of losses works the same way:

```bash
dpalogic sweep run DPO CPO ORPO --model tiny --steps 20 --seeds 0-2 --out runs/s  # named losses
dpalogic sweep run --around cCPO --out runs/around-ccpo        # cCPO and its 8 lattice neighbours
dpalogic sweep run --between CPO unCPO --where preference-monotone --out runs/cpo-uncpo
dpalogic sweep status runs/s                 # completed / interrupted / pending per run
dpalogic sweep report runs/s                 # runs/s/report.md + report-*.png, from the folders
```
Rerunning `sweep run` with the same `--out` skips finished runs, resumes interrupted ones
(from their last checkpoint with `--checkpoint-every N`, else from the start) and refuses a
changed shared setting. `--workers N` runs N worker processes; `--backend ray` runs each run as
a Ray task (a local instance, or `--ray-address` for a cluster whose nodes share the folder)."""

PAPER_SCALE = """\
```bash
# one GPU; a 0.5B SFT model (a local folder or a hub id) and UltraFeedback binarized from the hub
dpalogic sweep run CE CEUnl CPO ORPO cCPO unCPO cfUnl qfUnl fUnl cUNL l20 sCE DPO \\
    --model <Qwen1.5-0.5B SFT checkpoint, e.g. a local folder> \\
    --data trl-lib/ultrafeedback_binarized \\
    --length-normalize --sft-weight 0.01 --steps 2000 --batch-size 32 --lr 1e-6 \\
    --max-length 1024 --generation-limit 0 --checkpoint-every 200 \\
    --seeds 0,1,2 --out runs/case-study-paper
dpalogic sweep report runs/case-study-paper
# several GPUs or machines: a Ray cluster, one GPU per run (the folder must be shared)
dpalogic sweep run ... --backend ray --ray-address auto --gpus-per-run 1
```
(unset `HF_HUB_OFFLINE` there. Held-out numbers then come from the dataset's own test
split; `--generation-limit 0` skips the built-in tasks' generation check, which UltraFeedback
rows do not carry. The paper's exact hyperparameters are not all stated in it; the values above
are a starting point, not a reproduction recipe. Not run here: no GPU was available.)"""


def _winner_trend(record: Any, k: int = 5) -> float | None:
    """Mean winner log-prob over the last k logged steps minus the first k (training batches)."""
    from dpalogic.training.plots import metric_series

    _, values = metric_series(record.metrics, "logps/chosen")
    if len(values) < 2 * k:
        k = max(1, len(values) // 2)
    if not values:
        return None
    return sum(values[-k:]) / k - sum(values[:k]) / k


def observations(records: list[Any], summaries: list[Any], base: Any) -> list[str]:
    """Plain statements computed from the numbers (no interpretation beyond them)."""
    out: list[str] = []
    acc = [(s.stats["pref_acc"][0], s.stats["pref_acc"][1], s.name) for s in summaries
           if s.stats["pref_acc"][0] is not None]
    if acc:
        acc.sort(reverse=True)
        b = base.stats["pref_acc"][0]
        best = ", ".join(f"`{n}` ({m:.3f})" for m, _, n in acc[:3])
        worst = ", ".join(f"`{n}` ({m:.3f})" for m, _, n in acc[-3:])
        out.append(f"Highest held-out preference accuracy: {best}; lowest: {worst}"
                   + (f"; the untrained model scores {b:.3f}." if b is not None else "."))
        stds = [sd for _, sd, _ in acc if sd is not None]
        if stds:
            spread = max(m for m, _, _ in acc) - min(m for m, _, _ in acc)
            which = ("" if len(stds) == len(acc) else
                     f" (measured on the {len(stds)} losses with more than one seed)")
            out.append(f"The spread between losses ({spread:.3f}) compares with a seed standard "
                       f"deviation of up to {max(stds):.3f} per loss (median "
                       f"{sorted(stds)[len(stds) // 2]:.3f}){which}: differences smaller than "
                       "about two seed standard deviations are not distinguishable here.")
        else:
            out.append("Each loss ran with one seed, so the table has no seed spread: "
                       "differences between losses may be noise.")
    gen = [(s.stats["gen_acc"][0], s.name) for s in summaries if s.stats["gen_acc"][0] is not None]
    if gen:
        g0 = base.stats["gen_acc"][0]
        changed = [n for g, n in gen if g0 is not None and abs(g - g0) > 1e-9]
        out.append(f"Task-level generation accuracy ranges from {min(g for g, _ in gen):.3f} to "
                   f"{max(g for g, _ in gen):.3f} (untrained: "
                   f"{'—' if g0 is None else f'{g0:.3f}'}); "
                   + (f"it moved for {len(changed)} of {len(gen)} losses."
                      if changed else "no loss changed it."))
    by_name: dict[str, list[Any]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    down, up = [], []
    for name, runs in by_name.items():
        trends = [t for t in (_winner_trend(r) for r in runs) if t is not None]
        if trends:
            (down if sum(trends) / len(trends) < 0 else up).append(name)
    if down or up:
        out.append("Over training, the winner log-probability on the training batches (mean of "
                   "the last five logged steps minus the first five) went down for "
                   + (", ".join(f"`{n}`" for n in down) or "no loss")
                   + " and up for " + (", ".join(f"`{n}`" for n in up) or "no loss") + ".")
    return out


#: Why the FULL setting is what it is (measured before the study; see the doc's "Setting").
WHY_FULL = (
    "Why these sizes: a timing probe (one DPO run of the paper-like setting first tried: batch 8, "
    "24 steps, 192 training and 48 held-out pairs) measured 60–67 s per optimizer step and 60 s "
    "for the untrained model's evaluation while another training job shared the two cores "
    "(load average ≈ 4.7) — about 30 min per loss, 6 h for the study. The batch was halved "
    "(4 pairs), the steps halved (12, so each of the 48 training pairs is seen once), the "
    "learning rate raised to 2e-5 (constant, no warm-up) so that 12 steps move the "
    "log-probabilities visibly, and the held-out set shrunk (32 pairs; the first 8 prompts for "
    "generation, 12 new tokens). The setting was fixed before any loss was trained and not "
    "tuned afterwards.")


def caveats(settings: dict[str, Any], n_seeds: int) -> str:
    """What the study shows and what it does not (with the study's own sizes)."""
    n_test = settings.get("n_test") or 0
    return (
        "What this study shows: that the whole pipeline — compiling each loss from its logical "
        "program, training with it through TRL, evaluating held-out preferences and task "
        "answers, placing the losses in the lattice — runs end to end under one shared "
        "setting, and how these losses move the winner/loser log-probabilities and the "
        "held-out margins of a small instruction model in its first "
        f"{settings.get('steps')} optimizer steps.\n\n"
        "What it does not show: anything about the paper's conclusions at its scale. A short "
        "CPU run of a 135M-parameter model cannot reproduce findings about a 0.5B model tuned "
        "on UltraFeedback for thousands of steps, and none of the numbers here should be read "
        f"as confirming or refuting them. The model is SmolLM2-135M-Instruct (not 0.5B), the "
        f"data are the library's small synthetic built-in tasks (not UltraFeedback), training "
        f"is {settings.get('steps')} steps of {settings.get('batch_size')} pairs "
        f"({settings.get('n_train')} training pairs), the held-out set is {n_test} pairs (one "
        f"pair is {1 / n_test if n_test else float('nan'):.3f} of accuracy) and "
        f"generation accuracy is measured on {settings.get('generation_limit')} prompts. "
        + ("Each loss ran with a single seed, so the seed spread is unknown: differences "
           "between losses in the table may be noise, and rankings are not meaningful. "
           if n_seeds <= 1 else
           f"There are {n_seeds} seeds per loss at most; rankings between losses whose "
           "mean ± std intervals overlap are not meaningful. ")
        + "All losses share one learning rate and use their own default β; no loss was tuned.")


def _seeds_line(records: list[Any]) -> str:
    by_name: dict[str, list[int]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r.seed)
    groups: dict[tuple[int, ...], list[str]] = {}
    for name, seeds in by_name.items():
        groups.setdefault(tuple(sorted(seeds)), []).append(name)
    if len(groups) == 1:
        (seeds,) = groups
        return f"Seeds: {', '.join(map(str, seeds))} for every loss"
    return "Seeds: " + "; ".join(f"{', '.join(map(str, k))} for {', '.join(v)}"
                                 for k, v in groups.items())


def write_doc(sweep_dir: Path, doc: Path, figures: Path, meta: dict[str, Any]) -> Path:
    """Write the case-study document from the run folders (and the run's metadata)."""
    from dpalogic.training.report import collect, report_markdown, summarise

    records = collect(sweep_dir)
    summaries, base = summarise(records)
    body = report_markdown(records, summaries, base, doc, figures, prefix="case-study",
                           title="Training dynamics of the case-study losses", heading_level=2)
    body = body.split("\n", 2)[2]  # drop the report's own title line
    m = meta.get("machine", {})
    per_run = [r.info.get("seconds") for r in records if r.info.get("seconds")]
    planned = meta.get("losses", [])
    done = [s.name for s in summaries]
    missing = [n for n in planned if n not in done]
    quick = meta.get("quick", False)
    settings = records[0].config
    n_seeds = max(len(s.seeds) for s in summaries)
    cmd = "python scripts/case_study.py" + (" --quick" if quick else "")
    flags = [f for f in meta.get("flags", []) if not f.startswith("--seeds")]
    seeds = ",".join(str(s) for s in sorted({r.seed for r in records}))
    invocations = meta.get("invocations") or [{"losses": planned, "seeds": [0]}]
    commands = []
    for inv in invocations:
        default = inv["losses"] == list(QUICK_LOSSES if quick else LOSSES)
        commands.append(cmd + ("" if default else " --losses " + " ".join(inv["losses"]))
                        + ("" if inv["seeds"] == [0] else
                           " --seeds " + ",".join(map(str, inv["seeds"]))))
    lines = [
        "# Case study: thirteen losses of the lattice, trained at CPU scale",
        "",
        "This page is generated by `" + "` then `".join(commands) + "` "
        "(`python scripts/case_study.py --report-only` regenerates it from the run folders). "
        "It reproduces, at a scale that fits a 2-core CPU, the setting of the paper's case "
        "study (Richardson, Srikumar & Sabharwal, ICML 2025): the same losses — CE, CEUnl, "
        "CPO, ORPO, cCPO, unCPO, cfUnl, qfUnl, fUnl, cUNL, l20, sCE and DPO — trained under "
        "one setting with length-normalised log-probabilities and a small SFT weight (0.01).",
        "",
        "## Setting",
        "",
        f"- Run on {meta.get('date', '?')}: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, "
        f"{m.get('torch_threads', '?')} torch threads, "
        + (f"GPU {m['gpu']}" if m.get("gpu") else "no GPU")
        + f"; torch {m.get('torch', '?')}, Python {m.get('python', '?')}.",
        f"- Wall time: {meta.get('wall_minutes', 0):.0f} min for {len(records)} runs"
        + (f" (load average {m['load_average_at_start'][0]:.1f} at start on "
           f"{m.get('cores', '?')} cores; other jobs on the machine can only lengthen the times)"
           if m.get("load_average_at_start") else "")
        + ": training and evaluating one run took "
        + (f"{min(per_run) / 60:.1f}–{max(per_run) / 60:.1f} min (median "
           f"{sorted(per_run)[len(per_run) // 2] / 60:.1f} min)"
           if per_run else "?")
        + "; the untrained model is evaluated once per seed and shared by the runs.",
        f"- {_seeds_line(records)} (a seed fixes the data sample and the training order; the "
        "pretrained start is the same).",
        "- Setting: " + meta.get("choice", ""),
    ]
    if not quick:
        lines.append(f"- {WHY_FULL}")
    lines.append("- The same runs from the command line: `dpalogic sweep run " + " ".join(planned)
                 + " " + " ".join(flags) + f" --seeds {seeds} --out runs/case-study` "
                 "(the YAML-only keys `n_validation: 0`, `eval_batch_size`, `max_new_tokens` "
                 "go in a `--config` file); the script calls the same library functions "
                 "(`plan_sweep`, `run_sweep`, `report_markdown`) and then writes this page.")
    if missing:
        lines += ["", f"**Not run (time ran out):** {', '.join(missing)}. They are part of the "
                  "plan; rerunning the command trains only them."]
    lines += ["", body.rstrip(), "", "## Observations", ""]
    lines += [f"- {o}" for o in observations(records, summaries, base)]
    lines += ["", "## What this does and does not show", "", caveats(settings, n_seeds), "",
              "## Your own sweep", "", SWEEPS, "",
              "## The same study at paper scale", "",
              "On a GPU with a 0.5B model (the paper used Qwen1.5-0.5B after SFT) and "
              "UltraFeedback binarized from the Hugging Face hub:", "", PAPER_SCALE, ""]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(lines))
    return doc


def flags_of(settings: dict[str, Any], seeds: list[int]) -> list[str]:
    """The ``dpalogic sweep run`` flags that give *settings*."""
    out = []
    for key, value in settings.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            out.append(flag if value else f"--no-{key.replace('_', '-')}")
        elif key in ("n_validation", "eval_batch_size", "max_new_tokens"):
            continue  # YAML-only keys (pass them with --config)
        else:
            out.append(f"{flag} {value}")
    return [*out, f"--seeds {','.join(map(str, seeds))}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny model, 3 losses, seconds.")
    parser.add_argument("--losses", nargs="+", default=None)
    parser.add_argument("--seeds", default=None, help="e.g. 0,1 (default 0)")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", default=None, help="Sweep folder.")
    parser.add_argument("--doc", default=None, help="Markdown output.")
    parser.add_argument("--figures", default=None, help="Figure folder.")
    parser.add_argument("--report-only", action="store_true",
                        help="Only rewrite the doc from the existing run folders.")
    args = parser.parse_args(argv)

    from dpalogic.training.run import TrainConfig
    from dpalogic.training.sweep import (
        parse_seeds,
        plan_sweep,
        print_progress,
        run_sweep,
        select_losses,
    )

    settings = dict(QUICK if args.quick else FULL)
    if args.steps is not None:
        settings["steps"] = args.steps
    losses = list(args.losses or (QUICK_LOSSES if args.quick else LOSSES))
    seeds = parse_seeds(args.seeds or "0")
    runs = Path(args.runs) if args.runs else ROOT / "runs" / (
        "case-study-quick" if args.quick else "case-study")
    if args.quick:
        doc = Path(args.doc) if args.doc else runs / "case-study.md"
        figures = Path(args.figures) if args.figures else doc.parent
    else:
        doc = Path(args.doc) if args.doc else ROOT / "docs" / "case-study.md"
        figures = Path(args.figures) if args.figures else ROOT / "docs" / "figures"
    meta_path = runs / "case-study-meta.json"
    if args.report_only:
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        print(write_doc(runs, doc, figures, meta))
        return 0

    plan = plan_sweep(runs, select_losses(losses), TrainConfig.from_dict(settings), seeds=seeds)
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    meta.update({
        "date": meta.get("date") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": meta.get("machine") or machine(),
        "quick": args.quick,
        "losses": list(dict.fromkeys([*meta.get("losses", []), *losses])),
        "flags": flags_of(settings, seeds),
        "invocations": [*meta.get("invocations", []),
                        {"losses": losses, "seeds": seeds,
                         "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}],
        "choice": (
            "Quick mode: the random `tiny` model, a handful of steps and pairs; the numbers "
            "mean nothing, the pipeline is what is tested." if args.quick else
            f"Sizes chosen so the study fits in about an hour on this machine: "
            f"{settings['steps']} steps of {settings['batch_size']} pairs (lr "
            f"{settings['lr']}, constant), {settings['n_train']} training pairs, "
            f"{settings['n_test']} held-out pairs for preference accuracy and the first "
            f"{settings['generation_limit']} of them for generation accuracy "
            f"({settings['max_new_tokens']} new tokens), max length {settings['max_length']} "
            "tokens. β is each loss's own default."),
    })
    runs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    started = meta.get("wall_seconds_before", 0.0)
    print(f"[{time.strftime('%H:%M:%S')}] {len(plan.runs)} runs in {runs}", flush=True)
    try:
        outcomes = run_sweep(plan, workers=args.workers, on_result=print_progress)
    finally:
        meta["wall_seconds_before"] = started + time.perf_counter() - t0
        meta["wall_minutes"] = meta["wall_seconds_before"] / 60
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"failed: {o.dir}: {o.error}", file=sys.stderr)
    print(write_doc(runs, doc, figures, meta))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
