"""Helpers shared by the scripts that regenerate generated sections of README.md and docs/."""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def replace_section(path: Path, name: str, body: str) -> None:
    """Replace the text between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->`` in *path*
    (appending the markers and *body* when the file has none)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else ""
    body = body.rstrip() + "\n"
    if begin in text and end in text:
        pre, rest = text.split(begin, 1)
        _, post = rest.split(end, 1)
        path.write_text(f"{pre}{begin}\n{body}{end}{post}")
    else:
        path.write_text(f"{text}\n{begin}\n{body}{end}\n")


def load_benchmark(name: str) -> ModuleType:
    """Import ``benchmarks/NAME.py`` (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def describe(m: dict[str, Any]) -> str:
    """One phrase for a :func:`machine` record."""
    gpu = f", GPU {m['gpu']}" if m.get("gpu") else ", no GPU"
    load = m.get("load_average_at_start")
    busy = f", load average {load[0]:.1f} at start" if load else ""
    return (f"{m['cpu']} ({m['cores']} logical CPUs{gpu}), torch {m['torch']}, "
            f"Python {m['python']}{busy}")
