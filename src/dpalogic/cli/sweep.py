"""``dpalogic sweep``: train many losses × seeds under one setting, and report on them.

Subcommands (a thin shell over :mod:`dpalogic.training.sweep` and
:mod:`dpalogic.training.report`)::

    dpalogic sweep run DPO CPO ORPO --model tiny --steps 20 --seeds 0,1 --out runs/sweep
    dpalogic sweep run --around cCPO --out runs/around-ccpo
    dpalogic sweep run --between CPO unCPO --where preference-monotone --out runs/cpo-uncpo
    dpalogic sweep status runs/sweep
    dpalogic sweep report runs/sweep            # runs/sweep/report.md + report-*.png

Running ``sweep run`` again with the same ``--out`` resumes the sweep: completed runs are
skipped, interrupted ones resumed, new losses/seeds added.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from dpalogic.errors import DPALogicError

sweep_app = typer.Typer(
    name="sweep",
    help="Train many losses (× seeds) under one shared setting; resumable, parallel; reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@sweep_app.command("run")
def run_command(
    losses: list[str] = typer.Argument(None, help="Zoo names or program strings to sweep."),
    out: Path = typer.Option(..., "--out", "-o", help="Sweep folder (re-run it to resume)."),
    around: str | None = typer.Option(
        None, "--around", help="Add this loss and its immediate lattice neighbours."
    ),
    between: tuple[str, str] | None = typer.Option(
        None, "--between", help="Add every loss between A (more constrained) and B: A B."
    ),
    where: list[str] = typer.Option(
        [], "--where", "-w",
        help="Keep selected losses with this property (repeatable; 'not-' negates).",
    ),
    limit: int = typer.Option(64, "--limit", help="Refuse selections larger than this."),
    seeds: str = typer.Option("0", "--seeds", help="Seeds per loss: 0,1,2 or 0-2."),
    workers: int = typer.Option(1, "--workers", "-j", help="Runs at a time (worker processes)."),
    backend: str = typer.Option("local", "--backend", help="local | ray."),
    threads: int | None = typer.Option(
        None, "--threads", help="Torch threads per run (default: cores / workers)."
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster address (default: running/local instance)."
    ),
    gpus_per_run: float = typer.Option(
        0, "--gpus-per-run", help="GPUs per run as a Ray task (--backend ray only)."
    ),
    keep_models: bool = typer.Option(
        False, "--keep-models", help="Keep each run's trained model in <run>/model."
    ),
    report: bool = typer.Option(True, "--report/--no-report",
                                help="Write <out>/report.md when the sweep finishes."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan and list the runs only."),
    model: str | None = typer.Option(None, "--model", "-m", help="tiny | smollm2-135m | path."),
    data: str | None = typer.Option(None, "--data", "-d", help="builtin[:TASKS] | file | name."),
    steps: int | None = typer.Option(None, "--steps", help="Optimizer steps per run."),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Pairs per step."),
    lr: float | None = typer.Option(None, "--lr", help="Learning rate."),
    beta: float | None = typer.Option(None, "--beta", help="β (default: each loss's own)."),
    link: str | None = typer.Option(None, "--link", help="Link (default: each loss's own)."),
    length_normalize: bool | None = typer.Option(
        None, "--length-normalize/--no-length-normalize",
        help="Mean token log-probs (default: each loss's own).",
    ),
    sft_weight: float | None = typer.Option(None, "--sft-weight", help="Added NLL weight."),
    lora: bool | None = typer.Option(None, "--lora/--no-lora", help="Train LoRA adapters."),
    reference: str | None = typer.Option(None, "--reference", help="auto | none | a model."),
    max_length: int | None = typer.Option(None, "--max-length", help="Max prompt+completion."),
    n_train: int | None = typer.Option(None, "--n-train", help="Built-in data: train pairs."),
    n_test: int | None = typer.Option(None, "--n-test", help="Built-in data: held-out pairs."),
    generation_limit: int | None = typer.Option(
        None, "--generation-limit", help="Held-out prompts for generation accuracy."
    ),
    checkpoint_every: int | None = typer.Option(
        None, "--checkpoint-every", help="Checkpoint every N steps (resume point; 0: never)."
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="YAML with shared training keys; flags override it."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-run progress lines."),
    json_out: bool = typer.Option(False, "--json", help="Print the outcomes as JSON."),
) -> None:
    """Train every (loss, seed) in its own folder under --out; skip finished runs."""
    from dpalogic.training.run import TrainConfig, read_yaml
    from dpalogic.training.sweep import (
        parse_seeds,
        plan_sweep,
        print_progress,
        run_sweep,
        select_losses,
    )

    shared: dict[str, Any] = {}
    if config is not None:
        shared.update({str(k).replace("-", "_"): v for k, v in read_yaml(config).items()})
    flags = {"model": model, "data": data, "steps": steps, "batch_size": batch_size, "lr": lr,
             "beta": beta, "link": link, "length_normalize": length_normalize,
             "sft_weight": sft_weight, "lora": lora, "reference": reference,
             "max_length": max_length, "n_train": n_train, "n_test": n_test,
             "generation_limit": generation_limit, "checkpoint_every": checkpoint_every}
    shared.update({k: v for k, v in flags.items() if v is not None})
    for key in ("loss", "seed", "out"):
        if key in shared:
            raise DPALogicError(f"'{key}' is per run in a sweep: give losses as arguments, "
                                "--seeds and --out instead")
    base = TrainConfig.from_dict(shared, source=str(config) if config else "options")
    selected = select_losses(list(losses or []), around=around, between=between,
                             where=where, limit=limit)
    plan = plan_sweep(out, selected, base, seeds=parse_seeds(seeds))
    if dry_run:
        rows = [{"name": r.loss.name, "seed": r.seed, "dir": str(out / r.dir),
                 "spec": r.loss.spec, "origin": r.loss.origin} for r in plan.runs]
        if json_out:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            _print_runs(rows, title=f"{len(rows)} runs planned in {out}")
        return
    progress = None if (quiet or json_out) else print_progress
    outcomes = run_sweep(plan, workers=workers, backend=backend, threads=threads,
                         ray_address=ray_address, gpus_per_run=gpus_per_run,
                         keep_models=keep_models, on_result=progress)
    report_path = None
    if report and any(o.status in ("completed", "skipped") for o in outcomes):
        from dpalogic.training.report import write_report

        report_path = write_report(out)
    failed = [o for o in outcomes if o.status == "failed"]
    if json_out:
        print(json.dumps({"out": str(out), "report": str(report_path) if report_path else None,
                          "runs": [o.to_dict() for o in outcomes]}, ensure_ascii=False))
    elif not quiet:
        done = sum(o.status in ("completed", "skipped") for o in outcomes)
        typer.echo(f"{done}/{len(outcomes)} runs complete in {out}"
                   + (f"; report: {report_path}" if report_path else ""), err=True)
    if failed:
        for o in failed:
            print(f"dpalogic: run {o.dir} failed: {(o.error or '').splitlines()[0]}",
                  file=sys.stderr)
        # (typer.Exit would be swallowed: main() runs click with standalone_mode=False)
        raise DPALogicError(f"{len(failed)} of {len(outcomes)} runs failed; fix the cause and "
                            "rerun the same command (finished runs are skipped)")


@sweep_app.command("report")
def report_command(
    sweep_dir: Path = typer.Argument(..., help="A sweep folder (or any folder of run folders)."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Markdown file (default <DIR>/report.md)."),
    figures: Path | None = typer.Option(None, "--figures",
                                        help="Folder for the PNGs (default: next to the .md)."),
    prefix: str = typer.Option("report", "--prefix", help="Figure file name prefix."),
    title: str | None = typer.Option(None, "--title", help="Report title."),
    json_out: bool = typer.Option(False, "--json", help="Print the per-loss table as JSON."),
) -> None:
    """Regenerate the report (Markdown + PNGs) from the run folders alone."""
    from dpalogic.training.report import collect, summarise, write_report

    path = write_report(sweep_dir, out, figures_dir=figures, prefix=prefix, title=title)
    if json_out:
        summaries, base = summarise(collect(sweep_dir))
        print(json.dumps({"report": str(path), "losses": [
            {"name": s.name, "spec": s.spec, "seeds": s.seeds,
             **{k: {"mean": m, "std": sd, "n": n} for k, (m, sd, n) in s.stats.items()}}
            for s in [base, *summaries]]}, ensure_ascii=False))
    else:
        typer.echo(str(path))


@sweep_app.command("status")
def status_command(
    sweep_dir: Path = typer.Argument(..., help="A sweep folder."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Which runs of a sweep are completed, interrupted or pending."""
    from dpalogic.training.sweep import sweep_status

    rows = sweep_status(sweep_dir)
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    _print_runs(rows, title=f"sweep {sweep_dir}")


def _print_runs(rows: list[dict[str, Any]], *, title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    keys = [k for k in ("name", "seed", "state", "dir", "origin") if rows and k in rows[0]]
    for k in keys:
        table.add_column(k)
    for row in rows:
        table.add_row(*(escape(str(row[k])) for k in keys))
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command group (run, report, status) to *app*."""
    app.add_typer(sweep_app, name="sweep")
