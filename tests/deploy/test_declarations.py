"""Issue 12.1: a service cannot be half-registered. Every folder under services/ declares itself
(crmkit.declaration, the `crm.services` entry point), its tests run in `make test`, what its
declaration names exists, and the chart's generated values are those its declaration renders."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from google.protobuf import descriptor_pool

from crmkit import testing
from crmkit.declaration import ENTRY_POINT_GROUP, resolve
from crmkit.settings import DEFAULT_GRPC_WORKERS
from launcher import declarations
from launcher.config import LaunchConfig
from launcher.main import Platform

REPO = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p.name for p in (REPO / "services").iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
DECLARED = declarations.load()


def _test_stages() -> dict[str, list[str]]:
    out = subprocess.run(["bash", "scripts/test.sh", "--list"], cwd=REPO, capture_output=True, text=True, check=True)
    return {line.split(" ", 1)[0]: line.split()[1:] for line in out.stdout.splitlines()}


def test_i12_every_service_folder_declares_itself_through_its_entry_point():
    for name in FOLDERS:
        assert (REPO / "services" / name / name / "declaration.py").exists(), name
        project = tomllib.loads((REPO / "services" / name / "pyproject.toml").read_text())["project"]
        point = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
        assert point == {name: f"{name}.declaration:DECLARATION"}, name
    # Installed (make install) and found by the launcher, nothing more and nothing less.
    assert sorted(DECLARED) == FOLDERS


def test_i12_every_service_folder_has_tests_and_make_test_runs_them():
    stages = _test_stages()
    for name in FOLDERS:
        tests = REPO / "services" / name / "tests"
        assert any(tests.rglob("test_*.py")), f"services/{name} has no tests"
        assert f"services/{name}/tests" in stages["unit"], name
        if (tests / "worker").is_dir():
            assert f"services/{name}/tests/worker" in stages["worker"], name


def test_i12_what_a_declaration_names_exists():
    pool = descriptor_pool.Default()
    for name, d in DECLARED.items():
        assert callable(resolve(d.build)), name
        assert d.ports is None or callable(resolve(d.ports)), name
        assert d.worker is None or callable(resolve(d.worker.wire)), name
        for job in d.jobs:
            assert callable(resolve(job.run)), (name, job.name)
            assert len(job.schedule.split()) == 5, (name, job.name)
        assert (d.migrations / "env.py").exists(), name
        assert set(d.peers) <= set(DECLARED) - {name}, name
        # Its build imports its servicers, and with them the generated protos of what it serves.
        for full_name in d.grpc_services:
            assert full_name.startswith(f"crm.{name}.v1."), (name, full_name)
            assert pool.FindServiceByName(full_name), (name, full_name)
        if d.worker:
            assert (REPO / "services" / name / name / "worker.py").exists(), name
        if d.jobs:
            assert (REPO / "services" / name / name / "jobs.py").exists(), name


def test_i12_the_charts_generated_values_are_current():
    assert declarations.render_chart(check=True) == 0, "run python -m launcher.declarations render-chart"


def test_p1_a_server_runs_its_declarations_worker_threads_unless_the_environment_says(monkeypatch, tmp_path):
    """Few gRPC threads per interpreter (issue 16), more where a call holds one while a reader's
    phone downloads a file; the launcher gives each service its declaration's."""
    monkeypatch.delenv("GRPC_WORKERS", raising=False)
    assert DECLARED["orders"].settings_from_env().grpc_workers == DEFAULT_GRPC_WORKERS == 8
    assert DECLARED["marketing"].settings_from_env().grpc_workers == 32
    config = LaunchConfig(
        var_dir=tmp_path,
        http_host="127.0.0.1",
        http_port=0,
        grpc_ports={"orders": 0, "marketing": 0},
        sms_port=0,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        amqp_url="amqp://nobody@127.0.0.1:1/",
        redis_url=testing.REDIS_URL,
        redis_prefix="crm:unused:",
        seed_demo=False,
    )
    platform = Platform(config)
    assert platform.settings("orders").grpc_workers == 8
    assert platform.settings("marketing").grpc_workers == 32
    monkeypatch.setenv("GRPC_WORKERS", "5")
    assert DECLARED["marketing"].settings_from_env().grpc_workers == 5
