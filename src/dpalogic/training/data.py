"""Preference data: the built-in verifiable data set and loaders for user data.

Rows follow TRL's preference formats (columns ``prompt``, ``chosen``, ``rejected``):

- **standard**: three strings; TRL tokenises ``prompt + chosen`` so completions start with a space.
- **conversational**: ``prompt`` is a list of ``{"role", "content"}`` messages ending with the user
  turn; ``chosen`` / ``rejected`` are lists holding the assistant turn.

Built-in rows also carry ``task`` and ``answer`` (the verifier's input), which
:func:`dpalogic.training.evaluate.generation_accuracy` uses; user rows may carry them too.

>>> dd = builtin_dataset(["arithmetic"], n_train=4, n_validation=2, n_test=2, seed=0)
>>> sorted(dd), dd["train"].num_rows
(['test', 'train', 'validation'], 4)
>>> row = dd["train"][0]
>>> row["prompt"].endswith("Answer:"), row["chosen"].startswith(" ")
(True, True)
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dpalogic.errors import DataError
from dpalogic.training.tasks import TASKS

if TYPE_CHECKING:  # datasets is an optional ("train") dependency: imported lazily
    from datasets import Dataset, DatasetDict

__all__ = [
    "SPLITS",
    "builtin_dataset",
    "builtin_rows",
    "is_conversational",
    "load_preferences",
    "parse_builtin_source",
    "split_rows",
    "to_conversational",
    "validate_preferences",
]

SPLITS: tuple[str, str, str] = ("train", "validation", "test")
"""Split names every loader returns."""

COLUMNS: tuple[str, str, str] = ("prompt", "chosen", "rejected")
_ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})
_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "eval": "validation",
    "test": "test",
    "testing": "test",
}
_DATA_SUFFIXES = frozenset({".jsonl", ".json", ".parquet", ".pq"})
_MAX_TRIES = 500  # draws per task before it is declared exhausted (no new unique prompt)


def _datasets() -> Any:
    try:
        import datasets
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise DataError(
            "preference data needs the 'datasets' package: pip install 'dpalogic[train]'"
        ) from err
    return datasets


# --------------------------------------------------------------------------- built-in data


def _format_row(task: str, prompt: str, answer: str, chosen: str, rejected: str, conv: bool):
    if conv:
        return {
            "prompt": [{"role": "user", "content": prompt}],
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}],
            "task": task,
            "answer": answer,
        }
    # standard format: TRL concatenates prompt + completion, so the prompt ends with a cue and
    # the completion starts with a space (a natural token boundary)
    return {
        "prompt": f"{prompt}\nAnswer:",
        "chosen": f" {chosen}",
        "rejected": f" {rejected}",
        "task": task,
        "answer": answer,
    }


def _resolve_tasks(tasks: Iterable[str] | str | None) -> list[str]:
    if tasks is None:
        return list(TASKS)
    names = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks)
    names = [n for n in names if n]
    if not names:
        raise DataError("no task named: give at least one of " + ", ".join(TASKS))
    for name in names:
        if name not in TASKS:
            raise DataError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return list(dict.fromkeys(names))


def builtin_rows(
    tasks: Iterable[str] | str | None,
    n: int,
    *,
    seed: int | str,
    exclude: set[str] | None = None,
    conversational: bool = False,
) -> list[dict[str, Any]]:
    """``n`` rows with distinct prompts (none in ``exclude``), tasks interleaved round-robin.

    Deterministic in ``seed``. A task that cannot produce a new prompt in ``_MAX_TRIES`` draws is
    dropped from the rotation (its prompt space is exhausted); the others fill the remaining rows.
    ``exclude`` is updated with the prompts drawn.
    """
    names = _resolve_tasks(tasks)
    if n < 0:
        raise DataError(f"number of rows must be >= 0, got {n}")
    rng = random.Random(f"dpalogic-builtin:{seed}")
    seen = exclude if exclude is not None else set()
    rows: list[dict[str, Any]] = []
    active = list(names)
    i = 0
    while len(rows) < n:
        if not active:
            raise DataError(
                f"the built-in tasks {', '.join(names)} have fewer than the {n} distinct prompts "
                "asked for (with the other splits); ask for fewer rows or add tasks"
            )
        name = active[i % len(active)]
        task = TASKS[name]
        for _ in range(_MAX_TRIES):
            ex = task.make(rng)
            if ex.prompt not in seen:
                seen.add(ex.prompt)
                rows.append(
                    _format_row(name, ex.prompt, ex.answer, ex.chosen, ex.rejected, conversational)
                )
                i += 1
                break
        else:
            active.remove(name)
    return rows


def builtin_dataset(
    tasks: Iterable[str] | str | None = None,
    *,
    n_train: int = 512,
    n_validation: int = 64,
    n_test: int = 64,
    seed: int = 0,
    conversational: bool = False,
) -> DatasetDict:
    """The built-in verifiable preference data set: splits train / validation / test.

    Columns ``prompt, chosen, rejected, task, answer``; ``chosen`` is correct and ``rejected`` a
    plausible mistake (see :mod:`dpalogic.training.tasks`). The same seed gives the same data.
    No prompt occurs twice, so no prompt is shared between splits. The test split is drawn
    first, then validation, then train, each from its own random stream: the held-out sets do
    not change when ``n_train`` does.

    Args:
        tasks: task names (list or comma-separated string); None = every task in ``TASKS``.
        n_train, n_validation, n_test: rows per split.
        seed: data seed.
        conversational: TRL's conversational format (message lists) instead of strings.
    """
    datasets = _datasets()
    names = _resolve_tasks(tasks)
    seen: set[str] = set()
    out = {}
    for split, n in (("test", n_test), ("validation", n_validation), ("train", n_train)):
        rows = builtin_rows(
            names, n, seed=f"{seed}:{split}", exclude=seen, conversational=conversational
        )
        out[split] = _to_dataset(rows, datasets)
    return datasets.DatasetDict({s: out[s] for s in SPLITS})


def _to_dataset(rows: list[dict[str, Any]], datasets: Any) -> Dataset:
    if rows:
        return datasets.Dataset.from_list(rows)
    return datasets.Dataset.from_dict({c: [] for c in (*COLUMNS, "task", "answer")})


# --------------------------------------------------------------------------- formats


def is_conversational(row: Mapping[str, Any]) -> bool:
    """True when the row's prompt is a list of messages (TRL's conversational format)."""
    return isinstance(row.get("prompt"), list)


def to_conversational(row: Mapping[str, Any]) -> dict[str, Any]:
    """A standard-format row as a conversational one (completions lose their leading space)."""
    if is_conversational(row):
        return dict(row)
    out = dict(row)
    prompt = str(row["prompt"])
    if prompt.endswith("\nAnswer:"):
        prompt = prompt[: -len("\nAnswer:")]
    out["prompt"] = [{"role": "user", "content": prompt}]
    out["chosen"] = [{"role": "assistant", "content": str(row["chosen"]).strip()}]
    out["rejected"] = [{"role": "assistant", "content": str(row["rejected"]).strip()}]
    return out


# --------------------------------------------------------------------------- validation


def _check_messages(value: list[Any], where: str, *, completion: bool) -> None:
    if not value:
        raise DataError(f"{where}: empty list of messages")
    for j, msg in enumerate(value):
        if not isinstance(msg, Mapping):
            raise DataError(
                f"{where}: message {j} is {type(msg).__name__}, expected a "
                "{'role': ..., 'content': ...} mapping"
            )
        for key in ("role", "content"):
            if key not in msg or msg[key] is None:
                raise DataError(f"{where}: message {j} has no {key!r}")
        if msg["role"] not in _ROLES:
            raise DataError(
                f"{where}: message {j} has unknown role {msg['role']!r} "
                f"(expected one of {', '.join(sorted(_ROLES))})"
            )
        if not isinstance(msg["content"], str):
            raise DataError(
                f"{where}: message {j} content is {type(msg['content']).__name__}, expected text"
            )
        if not msg["content"].strip():
            raise DataError(f"{where}: message {j} has empty content")
    if completion and value[-1]["role"] != "assistant":
        raise DataError(f"{where}: the last message must have role 'assistant'")
    if not completion and value[-1]["role"] == "assistant":
        raise DataError(f"{where}: the prompt ends with an assistant message")


def _key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def validate_preferences(rows: Iterable[Mapping[str, Any]], source: str = "data") -> int:
    """Check preference rows; raise :class:`DataError` naming the first bad row and column.

    Every row needs ``prompt``, ``chosen`` and ``rejected``: all non-empty strings (standard
    format) or all lists of ``{"role", "content"}`` messages (conversational format), with
    ``chosen != rejected``; every row must use the same format as row 0. Rows are numbered from 0.
    Returns the number of rows checked.

    >>> validate_preferences([{"prompt": "2+2=", "chosen": " 4", "rejected": " 4"}])
    Traceback (most recent call last):
    ...
    dpalogic.errors.DataError: data: row 0, column 'rejected': identical to 'chosen'
    """
    first_conv: bool | None = None
    n = 0
    for i, row in enumerate(rows):
        n += 1
        if not isinstance(row, Mapping):
            raise DataError(
                f"{source}: row {i}: expected an object with columns prompt, chosen, rejected, "
                f"got {type(row).__name__}"
            )
        conv = None
        for col in COLUMNS:
            where = f"{source}: row {i}, column {col!r}"
            if col not in row:
                raise DataError(f"{where}: missing")
            value = row[col]
            if value is None:
                raise DataError(f"{where}: missing (null)")
            if isinstance(value, str):
                if not value.strip():
                    raise DataError(f"{where}: empty string")
                kind = False
            elif isinstance(value, list):
                _check_messages(value, where, completion=col != "prompt")
                kind = True
            else:
                raise DataError(
                    f"{where}: expected text or a list of messages, got {type(value).__name__}"
                )
            if conv is None:
                conv = kind
            elif kind != conv:
                fmt = "conversational" if kind else "standard"
                raise DataError(
                    f"{where}: {fmt} value but column 'prompt' uses the other format "
                    "(a row is either all strings or all message lists)"
                )
        if first_conv is None:
            first_conv = conv
        elif conv != first_conv:
            raise DataError(
                f"{source}: row {i}, column 'prompt': "
                f"{'conversational' if conv else 'standard'} row, but row 0 is "
                f"{'conversational' if first_conv else 'standard'} (do not mix formats)"
            )
        if _key(row["chosen"]) == _key(row["rejected"]):
            raise DataError(f"{source}: row {i}, column 'rejected': identical to 'chosen'")
    if n == 0:
        raise DataError(f"{source}: no rows")
    return n


# --------------------------------------------------------------------------- splitting


def split_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    seed: int = 0,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
) -> dict[str, list[dict[str, Any]]]:
    """Split rows deterministically into train / validation / test; each prompt in one split.

    Rows are grouped by prompt (several pairs may share a prompt) and the groups shuffled with
    ``seed``; validation and test each get ``round(fraction * n_groups)`` groups, at least one
    when the fraction is positive and there are 3 or more groups.
    """
    if not 0 <= validation_fraction < 1 or not 0 <= test_fraction < 1:
        raise DataError("validation and test fractions must be in [0, 1)")
    if validation_fraction + test_fraction >= 1:
        raise DataError("validation_fraction + test_fraction must be below 1")
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(_key(row["prompt"]), []).append(dict(row))
    keys = list(groups)
    random.Random(f"dpalogic-split:{seed}").shuffle(keys)

    def count(fraction: float) -> int:
        k = round(fraction * len(keys))
        return max(k, 1) if fraction > 0 and len(keys) >= 3 else k

    n_test, n_val = count(test_fraction), count(validation_fraction)
    parts = {
        "test": keys[:n_test],
        "validation": keys[n_test : n_test + n_val],
        "train": keys[n_test + n_val :],
    }
    return {s: [r for k in parts[s] for r in groups[k]] for s in SPLITS}


# --------------------------------------------------------------------------- loading


def parse_builtin_source(source: str) -> list[str] | None:
    """``"builtin"`` → None (every task); ``"builtin:arithmetic,counting"`` → the named tasks."""
    if source == "builtin":
        return None
    if not source.startswith("builtin:"):
        raise DataError(f"not a built-in data source: {source!r}")
    return _resolve_tasks(source[len("builtin:") :])


def _read_jsonl(path: Path) -> list[Any]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataError(f"{path}: line {lineno}: invalid JSON ({err.msg})") from err
    return rows


def _read_json(path: Path) -> list[Any] | dict[str, list[Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: invalid JSON ({err.msg} at line {err.lineno})") from err
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if all(isinstance(v, list) for v in data.values()) and set(data) & set(COLUMNS):
            # a dict of columns: {"prompt": [...], "chosen": [...], "rejected": [...]}
            lengths = {len(v) for v in data.values()}
            if len(lengths) != 1:
                raise DataError(f"{path}: columns have different lengths {sorted(lengths)}")
            n = lengths.pop()
            return [{k: v[i] for k, v in data.items()} for i in range(n)]
        if all(isinstance(v, list) for v in data.values()):
            return {str(k): v for k, v in data.items()}  # {"train": [...], "test": [...]}
        if "data" in data and isinstance(data["data"], list):
            return data["data"]
    raise DataError(
        f"{path}: expected a JSON list of rows, a dict of split name → rows, or a dict of columns"
    )


def _read_parquet(path: Path) -> list[Any]:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover
        raise DataError("reading Parquet needs pyarrow: pip install pyarrow") from err
    try:
        return pq.read_table(path).to_pylist()
    except Exception as err:  # pyarrow raises several types for unreadable files
        raise DataError(f"{path}: not a readable Parquet file ({err})") from err


def _read_file(path: Path) -> list[Any] | dict[str, list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(path)
    if suffix == ".json":
        return _read_json(path)
    if suffix in {".parquet", ".pq"}:
        return _read_parquet(path)
    raise DataError(f"{path}: unsupported file type {suffix!r} (use .jsonl, .json or .parquet)")


def _read_dir(path: Path) -> dict[str, list[Any]]:
    """A ``save_to_disk`` folder, or a folder of per-split files (train.jsonl, test.parquet)."""
    datasets = _datasets()
    if (path / "dataset_dict.json").exists() or (path / "state.json").exists():
        try:
            loaded = datasets.load_from_disk(str(path))
        except Exception as err:
            raise DataError(f"{path}: cannot load the saved data set ({err})") from err
        if isinstance(loaded, datasets.DatasetDict):
            return {name: list(ds) for name, ds in loaded.items()}
        return {"train": list(loaded)}
    found: dict[str, list[Any]] = {}
    files = [f for f in sorted(path.iterdir()) if f.suffix.lower() in _DATA_SUFFIXES]
    named = [f for f in files if _SPLIT_ALIASES.get(f.stem.lower().split("-")[0])]
    if len(files) == 1 and not named:  # one data file with any name: a single split
        data = _read_file(files[0])
        return data if isinstance(data, dict) else {"train": data}
    for file in files:
        split = _SPLIT_ALIASES.get(file.stem.lower().split("-")[0])
        if split is None:
            continue
        if split in found:
            raise DataError(f"{path}: two files for split {split!r}")
        data = _read_file(file)
        if isinstance(data, dict):
            raise DataError(f"{file}: a per-split file must hold a list of rows")
        found[split] = data
    if not found:
        raise DataError(
            f"{path}: no data found (expected a datasets.save_to_disk folder or files named "
            "train/validation/test with .jsonl, .json or .parquet)"
        )
    return found


def _load_hub(name: str, **kwargs: Any) -> dict[str, list[Any]]:
    datasets = _datasets()
    try:
        loaded = datasets.load_dataset(name, **kwargs)
    except Exception as err:  # offline / unknown name / bad config: one clear message
        raise DataError(
            f"cannot load data set {name!r}: {type(err).__name__}: {err} "
            "(no network? give a local .jsonl/.json/.parquet file or folder instead)"
        ) from err
    if isinstance(loaded, datasets.DatasetDict):
        return {name_: list(ds) for name_, ds in loaded.items()}
    return {"train": list(loaded)}


def _normalise_splits(
    data: list[Any] | dict[str, list[Any]], source: str
) -> dict[str, list[Any]] | list[Any]:
    if isinstance(data, list):
        return data
    out: dict[str, list[Any]] = {}
    unknown = []
    for name, rows in data.items():
        split = _SPLIT_ALIASES.get(name.lower())
        if split is None:
            unknown.append(name)
            continue
        if split in out:
            raise DataError(f"{source}: two splits map to {split!r}")
        out[split] = rows
    if not out:
        if len(unknown) == 1:  # one split with an unusual name: treat it as the only split
            return data[unknown[0]]
        raise DataError(
            f"{source}: no train/validation/test split among {', '.join(map(repr, unknown))}"
        )
    return out


def load_preferences(
    source: str,
    *,
    seed: int = 0,
    conversational: bool = False,
    n_train: int = 512,
    n_validation: int = 64,
    n_test: int = 64,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
    **load_kwargs: Any,
) -> DatasetDict:
    """Load preference data from a source string into train / validation / test splits.

    ``source`` is one of:

    - ``"builtin"`` or ``"builtin:arithmetic,counting"`` — :func:`builtin_dataset` with
      ``n_train``, ``n_validation``, ``n_test``, ``seed``;
    - a ``.jsonl`` / ``.json`` / ``.parquet`` file (a JSON file may be a list of rows, a dict of
      columns, or a dict of split name → rows);
    - a folder: ``datasets.save_to_disk`` output, or files named ``train``/``validation``/``test``;
    - a ``datasets`` hub name (needs the network; ``load_kwargs`` go to ``load_dataset``).

    Rows are checked with :func:`validate_preferences` (errors name split, row and column).
    Missing splits are made deterministically (by ``seed``) from the train split with
    :func:`split_rows`, keeping every prompt in a single split. ``conversational=True`` converts
    standard rows to TRL's conversational format; otherwise user rows keep their format.
    """
    datasets = _datasets()
    if source == "builtin" or source.startswith("builtin:"):
        return builtin_dataset(
            parse_builtin_source(source),
            n_train=n_train,
            n_validation=n_validation,
            n_test=n_test,
            seed=seed,
            conversational=conversational,
        )
    path = Path(source).expanduser()
    if path.is_file():
        raw = _normalise_splits(_read_file(path), source)
    elif path.is_dir():
        raw = _normalise_splits(_read_dir(path), source)
    elif path.suffix.lower() in _DATA_SUFFIXES:
        raise DataError(f"{source}: no such file")
    else:
        raw = _normalise_splits(_load_hub(source, **load_kwargs), source)

    if isinstance(raw, list):
        validate_preferences(raw, source=source)
        splits = split_rows(
            raw, seed=seed, validation_fraction=validation_fraction, test_fraction=test_fraction
        )
    else:
        for name, rows in raw.items():
            validate_preferences(rows, source=f"{source} [{name}]")
        if "train" not in raw:
            raise DataError(f"{source}: no train split (found {', '.join(raw)})")
        splits = dict(raw)
        missing = [s for s in ("validation", "test") if s not in splits]
        if missing:
            parts = split_rows(
                splits["train"],
                seed=seed,
                validation_fraction=validation_fraction if "validation" in missing else 0.0,
                test_fraction=test_fraction if "test" in missing else 0.0,
            )
            splits["train"] = parts["train"]
            for s in missing:
                splits[s] = parts[s]
    if conversational:
        splits = {s: [to_conversational(r) for r in rows] for s, rows in splits.items()}
    return datasets.DatasetDict(
        {s: _rows_to_dataset(splits[s], datasets, f"{source} [{s}]") for s in SPLITS}
    )


def _rows_to_dataset(rows: list[dict[str, Any]], datasets: Any, source: str) -> Dataset:
    if not rows:
        return datasets.Dataset.from_dict({c: [] for c in COLUMNS})
    try:
        return datasets.Dataset.from_list([dict(r) for r in rows])
    except Exception as err:  # inconsistent extra columns across rows (arrow type clash)
        raise DataError(f"{source}: rows do not share one schema ({err})") from err
