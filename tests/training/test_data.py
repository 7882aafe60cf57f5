"""Built-in preference data and user-data loaders."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("datasets")

from dpalogic.errors import DataError
from dpalogic.training.data import (
    SPLITS,
    builtin_dataset,
    load_preferences,
    parse_builtin_source,
    split_rows,
    to_conversational,
    validate_preferences,
)
from dpalogic.training.tasks import TASKS

SMALL = {"n_train": 40, "n_validation": 10, "n_test": 10}


def _prompts(ds) -> set[str]:
    return {p if isinstance(p, str) else json.dumps(p) for p in ds["prompt"]}


# --------------------------------------------------------------------------- built-in


def test_builtin_is_deterministic_and_seeded():
    a = builtin_dataset(seed=1, **SMALL)
    b = builtin_dataset(seed=1, **SMALL)
    c = builtin_dataset(seed=2, **SMALL)
    for split in SPLITS:
        assert a[split].to_list() == b[split].to_list()
    assert a["train"].to_list() != c["train"].to_list()


def test_builtin_splits_sizes_columns_and_disjoint():
    dd = builtin_dataset(n_train=300, n_validation=40, n_test=50, seed=0)
    assert list(dd) == list(SPLITS)
    assert [dd[s].num_rows for s in SPLITS] == [300, 40, 50]
    for split in SPLITS:
        assert set(dd[split].column_names) == {"prompt", "chosen", "rejected", "task", "answer"}
        assert len(_prompts(dd[split])) == dd[split].num_rows  # no duplicate prompt
    tr, va, te = (_prompts(dd[s]) for s in SPLITS)
    assert not (tr & va) and not (tr & te) and not (va & te)
    assert set(dd["train"]["task"]) == set(TASKS)  # every task represented


def test_builtin_rows_verify():
    dd = builtin_dataset(**SMALL, seed=4)
    for row in dd["train"]:
        task = TASKS[row["task"]]
        assert task.verify(row["answer"], row["chosen"])
        assert not task.verify(row["answer"], row["rejected"])
        assert row["prompt"].endswith("\nAnswer:") and row["chosen"].startswith(" ")


def test_held_out_sets_do_not_depend_on_train_size():
    a = builtin_dataset(n_train=10, n_validation=8, n_test=8, seed=0)
    b = builtin_dataset(n_train=200, n_validation=8, n_test=8, seed=0)
    assert a["test"].to_list() == b["test"].to_list()
    assert a["validation"].to_list() == b["validation"].to_list()


def test_builtin_conversational_format():
    dd = builtin_dataset(["arithmetic", "counting"], conversational=True, **SMALL)
    row = dd["train"][0]
    assert row["prompt"] == [{"role": "user", "content": row["prompt"][0]["content"]}]
    assert row["chosen"][0]["role"] == "assistant" and row["rejected"][0]["role"] == "assistant"
    assert set(dd["train"]["task"]) == {"arithmetic", "counting"}
    validate_preferences(dd["train"])
    std = builtin_dataset(["arithmetic", "counting"], **SMALL)
    assert [to_conversational(r) for r in std["train"]] == dd["train"].to_list()


def test_builtin_task_selection_and_errors():
    assert parse_builtin_source("builtin") is None
    assert parse_builtin_source("builtin:arithmetic, reverse") == ["arithmetic", "reverse"]
    with pytest.raises(DataError, match="unknown task 'nope'"):
        builtin_dataset(["nope"])
    with pytest.raises(DataError, match="no task"):
        parse_builtin_source("builtin:")
    with pytest.raises(DataError, match="fewer than"):  # the prompt space is finite
        builtin_dataset(["next_letter"], n_train=500, n_validation=0, n_test=0)


def test_exhausted_task_leaves_rotation_others_fill():
    dd = builtin_dataset(["next_letter", "arithmetic"], n_train=400, n_validation=0, n_test=0)
    assert dd["train"].num_rows == 400
    assert len(_prompts(dd["train"])) == 400


# --------------------------------------------------------------------------- validation

GOOD = {"prompt": "2+2=", "chosen": " 4", "rejected": " 5"}
CONV = {
    "prompt": [{"role": "user", "content": "2+2?"}],
    "chosen": [{"role": "assistant", "content": "4"}],
    "rejected": [{"role": "assistant", "content": "5"}],
}


@pytest.mark.parametrize(
    ("bad", "column", "problem"),
    [
        ({"chosen": " 4", "rejected": " 5"}, "prompt", "missing"),
        ({**GOOD, "chosen": None}, "chosen", "missing"),
        ({**GOOD, "chosen": "   "}, "chosen", "empty string"),
        ({**GOOD, "rejected": ""}, "rejected", "empty string"),
        ({**GOOD, "rejected": " 4"}, "rejected", "identical to 'chosen'"),
        ({**GOOD, "prompt": 17}, "prompt", "got int"),
        ({**GOOD, "chosen": {"text": "4"}}, "chosen", "got dict"),
        ({**GOOD, "chosen": [{"role": "assistant", "content": "4"}]}, "chosen", "other format"),
        ({**CONV, "chosen": []}, "chosen", "empty list"),
        ({**CONV, "chosen": [{"role": "assistant"}]}, "chosen", "no 'content'"),
        ({**CONV, "chosen": [{"role": "robot", "content": "4"}]}, "chosen", "unknown role"),
        ({**CONV, "chosen": [{"role": "user", "content": "4"}]}, "chosen", "'assistant'"),
        ({**CONV, "chosen": [{"role": "assistant", "content": 4}]}, "chosen", "expected text"),
        ({**CONV, "rejected": CONV["chosen"]}, "rejected", "identical"),
    ],
)
def test_validation_names_row_and_column(bad, column, problem):
    rows = (
        [GOOD, GOOD, GOOD, bad]
        if isinstance(bad.get("prompt", ""), str)
        else [CONV, CONV, CONV, bad]
    )
    with pytest.raises(DataError) as err:
        validate_preferences(rows, source="mine.jsonl")
    msg = str(err.value)
    assert msg.startswith(f"mine.jsonl: row 3, column '{column}': "), msg
    assert problem in msg


def test_validation_mixed_formats_and_empty():
    with pytest.raises(DataError, match=r"row 1, column 'prompt'.*row 0 is standard"):
        validate_preferences([GOOD, CONV])
    with pytest.raises(DataError, match="no rows"):
        validate_preferences([])
    with pytest.raises(DataError, match="row 0: expected an object"):
        validate_preferences(["just text"])
    assert validate_preferences([GOOD, {**GOOD, "prompt": "3+3="}]) == 2


# --------------------------------------------------------------------------- splitting


def test_split_rows_deterministic_and_groups_prompts():
    rows = [{"prompt": f"p{i // 2}", "chosen": "a", "rejected": f"b{i}"} for i in range(200)]
    a = split_rows(rows, seed=3)
    assert a == split_rows(rows, seed=3)
    assert a != split_rows(rows, seed=4)
    assert sum(len(v) for v in a.values()) == 200
    prompts = {s: {r["prompt"] for r in a[s]} for s in SPLITS}
    assert not (prompts["train"] & prompts["test"]) and not (
        prompts["train"] & prompts["validation"]
    )
    assert len(prompts["test"]) == 10 and len(prompts["validation"]) == 10
    with pytest.raises(DataError):
        split_rows(rows, validation_fraction=0.6, test_fraction=0.5)


# --------------------------------------------------------------------------- loaders


def user_rows(n: int = 30, conversational: bool = False) -> list[dict]:
    rows = [
        {"prompt": f"What is {i} + 1?", "chosen": f" {i + 1}", "rejected": f" {i}", "id": i}
        for i in range(n)
    ]
    return [to_conversational(r) for r in rows] if conversational else rows


def _all_rows(dd) -> list[dict]:
    return sorted((r for s in SPLITS for r in dd[s].to_list()), key=lambda r: r["id"])


@pytest.mark.parametrize("conversational", [False, True])
def test_jsonl_roundtrip(tmp_path, conversational):
    rows = user_rows(conversational=conversational)
    path = tmp_path / "prefs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    dd = load_preferences(str(path), seed=0)
    assert _all_rows(dd) == rows
    assert [dd[s].num_rows for s in SPLITS] == [24, 3, 3]
    again = load_preferences(str(path), seed=0)
    assert dd["test"].to_list() == again["test"].to_list()


def test_json_list_columns_and_splits(tmp_path):
    rows = user_rows()
    (tmp_path / "list.json").write_text(json.dumps(rows))
    assert _all_rows(load_preferences(str(tmp_path / "list.json"))) == rows
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    (tmp_path / "cols.json").write_text(json.dumps(cols))
    assert _all_rows(load_preferences(str(tmp_path / "cols.json"))) == rows
    (tmp_path / "splits.json").write_text(json.dumps({"train": rows[:20], "test": rows[20:]}))
    dd = load_preferences(str(tmp_path / "splits.json"))
    assert dd["test"].to_list() == rows[20:]  # given splits are kept
    assert dd["train"].num_rows + dd["validation"].num_rows == 20


def test_parquet_roundtrip(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    rows = user_rows()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "prefs.parquet")
    assert _all_rows(load_preferences(str(tmp_path / "prefs.parquet"))) == rows


def test_save_to_disk_and_split_files(tmp_path):
    import datasets

    rows = user_rows()
    dd = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_list(rows[:20]),
            "valid": datasets.Dataset.from_list(rows[20:25]),
            "test": datasets.Dataset.from_list(rows[25:]),
        }
    )
    dd.save_to_disk(str(tmp_path / "saved"))
    loaded = load_preferences(str(tmp_path / "saved"))
    assert loaded["validation"].to_list() == rows[20:25]
    assert loaded["test"].to_list() == rows[25:]
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:25]))
    (folder / "test.json").write_text(json.dumps(rows[25:]))
    loaded = load_preferences(str(folder))
    assert loaded["test"].to_list() == rows[25:]
    assert loaded["train"].num_rows + loaded["validation"].num_rows == 25
    single = tmp_path / "single"
    single.mkdir()
    (single / "prefs.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assert _all_rows(load_preferences(str(single))) == rows
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no data found"):
        load_preferences(str(tmp_path / "empty"))


def test_standard_user_rows_to_conversational(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in user_rows()))
    dd = load_preferences(str(path), conversational=True)
    row = dd["train"][0]
    assert (
        row["prompt"][0]["role"] == "user"
        and row["chosen"][0]["content"] == row["chosen"][0]["content"].strip()
    )


def test_loader_errors_name_file_row_and_column(tmp_path):
    rows = user_rows(5)
    rows[3]["chosen"] = ""
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    with pytest.raises(DataError, match=r"bad\.jsonl: row 3, column 'chosen': empty string"):
        load_preferences(str(path))
    path.write_text('{"prompt": "a"}\n{not json\n')
    with pytest.raises(DataError, match="line 2: invalid JSON"):
        load_preferences(str(path))
    split_file = tmp_path / "s.json"
    split_file.write_text(json.dumps({"train": user_rows(5), "test": [{"prompt": "x"}]}))
    with pytest.raises(DataError, match=r"\[test\]: row 0, column 'chosen': missing"):
        load_preferences(str(split_file))
    with pytest.raises(DataError, match="no such file"):
        load_preferences(str(tmp_path / "missing.jsonl"))
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="unsupported file type"):
        load_preferences(str(tmp_path / "x.csv"))


def test_hub_name_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataError, match="cannot load data set 'no-such-org/no-such-data'"):
        load_preferences("no-such-org/no-such-data")


def test_load_builtin_source():
    dd = load_preferences("builtin:reverse", seed=2, n_train=8, n_validation=2, n_test=2)
    assert set(dd["train"]["task"]) == {"reverse"} and dd["train"].num_rows == 8
