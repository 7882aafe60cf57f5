"""CLI: dpalogic census (JSON keys, the tables, one-line errors)."""

from __future__ import annotations

import json

import pytest

from dpalogic.cli import main
from dpalogic.landscape.census import census


def test_census_json_keys_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["census", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("n", "total", "degenerate", "policy_independent", "antisymmetric", "monotone",
                "antisymmetric_monotone"):
        assert key in data
    assert set(data["monotone"]) >= {"certified", "refuted", "undecided"}
    expected = census().to_json()
    for key in ("n", "total", "degenerate", "policy_independent", "antisymmetric", "monotone",
                "antisymmetric_monotone", "combinations"):
        assert data[key] == expected[key]
    assert (data["n"], data["total"]) == (2, 256)


def test_census_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["census"]) == 0
    out = capsys.readouterr().out
    r = census()
    for word in ("degenerate", "policy-independent", "antisymmetric", "monotone: certified",
                 "Combinations", f"{r.monotone_certified:,}", f"{r.antisymmetric_monotone:,}"):
        assert word in out


def test_census_bad_workers_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["census", "--workers", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("dpalogic: error:") and "--workers" in err and "\n" not in err


@pytest.mark.slow
def test_census_reference_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["census", "--reference", "--json", "--workers", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["n"], data["total"]) == (4, 4294967296)
    assert data["monotone"]["undecided"] == 0


def test_census_progress_bar_path(capsys: pytest.CaptureFixture[str]) -> None:
    from dpalogic.cli.census import _run

    result = _run(False, None, show_progress=True)
    assert result.total == 256
    capsys.readouterr()
