"""``dpalogic train``: train a model with any compiled loss (a shell over training.run).

Flags and YAML keys are the same (``--batch-size`` ≙ ``batch_size:``); with ``--config FILE`` the
file is read first and the flags given on the command line override it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from dpalogic.errors import DPALogicError


def register(app: typer.Typer) -> None:
    """Add the ``train`` command to *app*."""

    @app.command("train")
    def train_command(
        loss: str | None = typer.Option(
            None, "--loss", "-l", help="Zoo name (DPO, cCPO, ORPO, ...) or a program string."
        ),
        model: str | None = typer.Option(
            None, "--model", "-m", help="tiny | smollm2-135m | a local folder | a hub id."
        ),
        data: str | None = typer.Option(
            None, "--data", "-d", help="builtin[:TASK,TASK] | a .jsonl/.json/.parquet file | NAME."
        ),
        steps: int | None = typer.Option(None, "--steps", help="Optimizer steps."),
        batch_size: int | None = typer.Option(None, "--batch-size", help="Pairs per device step."),
        lr: float | None = typer.Option(None, "--lr", help="Learning rate."),
        beta: float | None = typer.Option(None, "--beta", help="β of the link function."),
        link: str | None = typer.Option(None, "--link", help="Link f (default: the loss's own)."),
        length_normalize: bool | None = typer.Option(
            None, "--length-normalize/--no-length-normalize",
            help="Mean instead of summed token log-probs (default: the loss's own).",
        ),
        sft_weight: float | None = typer.Option(
            None, "--sft-weight", help="Weight of an added NLL(chosen) term."
        ),
        lora: bool | None = typer.Option(None, "--lora/--no-lora", help="Train a LoRA adapter."),
        lora_r: int | None = typer.Option(None, "--lora-r", help="LoRA rank."),
        reference: str | None = typer.Option(
            None, "--reference",
            help="auto (frozen copy / adapter-disabled model) | none | a model name or path.",
        ),
        seed: int | None = typer.Option(None, "--seed", help="Seed for data, model and training."),
        out: str | None = typer.Option(
            None, "--out", "-o", help="Run directory (default runs/<loss>-<model>-s<seed>)."
        ),
        max_length: int | None = typer.Option(None, "--max-length", help="Max prompt+completion."),
        n_train: int | None = typer.Option(None, "--n-train", help="Built-in data: train pairs."),
        n_test: int | None = typer.Option(None, "--n-test", help="Built-in data: held-out pairs."),
        checkpoint_every: int | None = typer.Option(
            None, "--checkpoint-every", help="Checkpoint every N steps (0: never)."
        ),
        evaluate: bool | None = typer.Option(
            None, "--eval/--no-eval", help="Evaluate before and after training."
        ),
        save_model: bool | None = typer.Option(
            None, "--save-model/--no-save-model", help="Save the model and tokenizer in model/."
        ),
        resume: bool | None = typer.Option(
            None, "--resume/--no-resume", help="Continue an interrupted run from its checkpoint."
        ),
        overwrite: bool | None = typer.Option(
            None, "--overwrite/--no-overwrite", help="Replace an existing run directory."
        ),
        stop_after: int | None = typer.Option(
            None, "--stop-after",
            help="Stop after N steps as if interrupted (checkpointed; --resume continues).",
        ),
        config: Path | None = typer.Option(
            None, "--config", "-c", help="YAML file with the same keys; flags override it."
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
        json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ) -> None:
        """Train a model with any compiled loss; write config, metrics, evaluation and a figure."""
        flags: dict[str, Any] = {
            "loss": loss, "model": model, "data": data, "steps": steps, "batch_size": batch_size,
            "lr": lr, "beta": beta, "link": link, "length_normalize": length_normalize,
            "sft_weight": sft_weight, "lora": lora, "lora_r": lora_r, "reference": reference,
            "seed": seed, "out": out, "max_length": max_length, "n_train": n_train,
            "n_test": n_test, "checkpoint_every": checkpoint_every, "evaluate": evaluate,
            "save_model": save_model, "resume": resume, "overwrite": overwrite,
        }
        cfg = build_config(config, flags)
        from dpalogic.training.run import train

        result = train(cfg, progress=not (quiet or json_out), stop_after=stop_after)
        summary = result.summary()
        if json_out:
            print(json.dumps(summary))
        elif result.status == "interrupted":
            typer.echo(f"stopped at step {result.steps}/{cfg.steps}; checkpoint in {result.out} "
                       "(run the same command with --resume to continue)", err=True)
        elif quiet:
            typer.echo(str(result.out))


def build_config(config_file: Path | None, flags: dict[str, Any]) -> Any:
    """Merge a YAML config with the flags that were given (not ``None``) into a TrainConfig."""
    from dpalogic.training.run import TrainConfig, read_yaml

    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update({str(k).replace("-", "_"): v for k, v in read_yaml(config_file).items()})
    merged.update({k: v for k, v in flags.items() if v is not None})
    if not merged.get("loss"):
        raise DPALogicError("no loss given: pass --loss NAME_OR_PROGRAM or a config with 'loss:'")
    return TrainConfig.from_dict(merged, source=str(config_file) if config_file else "options")
