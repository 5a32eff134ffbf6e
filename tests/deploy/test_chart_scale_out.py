"""Issue 16 item 5: the chart is ready to scale out. gRPC clients reach every replica (headless
Services), each stateless Deployment has a HorizontalPodAutoscaler, and the pods' database pools,
at the autoscalers' maxima, fit in PostgreSQL's max_connections (or PgBouncer's pools do).

The connection sum is computed here from the values, independently of the chart's own check
(templates/_capacity.tpl), and the two must agree."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import create_engine
from test_helm_chart import CHART, CI_VALUES, DEFAULTS, SERVICES, env_of, objects, pod_spec

from crmkit.db import POOL_OVERFLOW, make_engine
from launcher import declarations

PG_URL = "postgresql+psycopg://u@127.0.0.1:1/none"  # engines connect lazily: never opened here


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def pods_at_most(replicas: int, autoscaling: dict | None = None) -> int:
    """Replicas (or the autoscaler's maximum) plus a rolling update's 25% surge, rounded up."""
    pods = autoscaling["maxReplicas"] if autoscaling and autoscaling.get("enabled") else replicas
    return pods + -(-pods // 4)


def client_connections(values: dict) -> int:
    """Every connection the release's pods could hold at once, from the values alone."""
    total = 0
    for svc in values["services"].values():
        if not svc["enabled"]:
            continue
        db = svc["database"]
        per_process = db["poolSize"] + db.get("maxOverflow", 0) + db.get("extraConnections", 0)
        total += pods_at_most(svc["replicas"], svc.get("autoscaling")) * per_process
        if svc.get("worker", {}).get("enabled"):
            total += pods_at_most(svc["worker"]["replicas"]) * svc["worker"]["databasePoolSize"]
        total += 1 if values["migrations"]["enabled"] else 0
    jobs = sum(1 for job in values["cronJobs"].values() if job["enabled"])
    return total + jobs * values["postgresql"]["connectionsPerJob"]


def room(values: dict) -> int:
    return values["postgresql"]["maxConnections"] - values["postgresql"]["reservedConnections"]


def _values_file(tmp_path, name: str, data: dict):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_i16_default_pools_at_every_autoscalers_maximum_fit_in_max_connections():
    assert 0 < client_connections(DEFAULTS) <= room(DEFAULTS)


def test_i16_too_many_connections_fail_the_render_with_the_sum_the_values_give(render, tmp_path):
    extra = {"services": {"orders": {"autoscaling": {"maxReplicas": 40}}}}
    error = render(_values_file(tmp_path, "big.yaml", extra), expect_failure=True)

    expected = client_connections(_merge(DEFAULTS, extra))
    assert expected > room(DEFAULTS)
    assert f"the pods could open {expected} PostgreSQL connections" in error
    assert f"maxConnections - reservedConnections = {room(DEFAULTS)}" in error


def test_i16_pgbouncer_lets_the_same_pods_share_a_server_with_postgres_default_max_connections(render, tmp_path):
    small = {"postgresql": {"maxConnections": 100}}
    assert "PostgreSQL connections" in render(_values_file(tmp_path, "small.yaml", small), expect_failure=True)

    pooled = _merge(small, {"pgbouncer": {"enabled": True}})
    docs = render(_values_file(tmp_path, "pooled.yaml", pooled))

    values = _merge(DEFAULTS, pooled)
    bouncer = values["pgbouncer"]
    server_side = bouncer["replicas"] * len(SERVICES) * (bouncer["defaultPoolSize"] + bouncer["reservePoolSize"])
    assert server_side <= room(values)
    assert client_connections(values) <= bouncer["maxClientConn"]
    ini = objects(docs, "ConfigMap")["crm-pgbouncer"]["data"]["pgbouncer.ini"]
    assert re.search(r"(?m)^pool_mode = transaction$", ini)
    assert re.search(rf"(?m)^default_pool_size = {bouncer['defaultPoolSize']}$", ini)
    assert "%include /etc/pgbouncer/secret/databases.ini" in ini
    deployment = objects(docs, "Deployment")["crm-pgbouncer"]
    # Never more pods than counted, not even during a rollout.
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
    secret_volume = next(v for v in pod_spec(deployment)["volumes"] if v["name"] == "secret")
    assert secret_volume["secret"]["secretName"] == bouncer["existingSecret"]
    assert objects(docs, "Service")["crm-pgbouncer"]["spec"]["ports"][0]["port"] == bouncer["port"]


def test_i16_pgbouncer_with_more_server_connections_than_postgres_takes_fails_the_render(render, tmp_path):
    extra = {"postgresql": {"maxConnections": 50}, "pgbouncer": {"enabled": True, "defaultPoolSize": 20}}
    error = render(_values_file(tmp_path, "bouncer.yaml", extra), expect_failure=True)
    assert "PgBouncer could open" in error


@pytest.mark.parametrize("values", [(), (CI_VALUES,)], ids=["default", "ci"])
def test_i16_each_process_gets_the_pool_the_arithmetic_counts(render, values):
    merged = _merge(DEFAULTS, yaml.safe_load(CI_VALUES.read_text())) if values else DEFAULTS
    deployments = objects(render(*values), "Deployment")
    for service in SERVICES:
        svc = merged["services"][service]
        (server,) = pod_spec(deployments[f"crm-{service}"])["containers"]
        env = env_of(server)
        assert env["DATABASE_POOL_SIZE"]["value"] == str(svc["database"]["poolSize"]), service
        assert env["DATABASE_MAX_OVERFLOW"]["value"] == str(svc["database"]["maxOverflow"]), service
        if svc["worker"]["enabled"]:
            (worker,) = pod_spec(deployments[f"crm-{service}-worker"])["containers"]
            assert env_of(worker)["DATABASE_POOL_SIZE"]["value"] == str(svc["worker"]["databasePoolSize"])
            assert env_of(worker)["DATABASE_MAX_OVERFLOW"]["value"] == "0"


def test_i16_connections_outside_the_pool_are_what_the_code_opens(monkeypatch):
    """extraConnections and connectionsPerJob are counted, not set: they must be the code's."""
    from orders.service import numbers

    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    counters = numbers._counter_engine(create_engine(PG_URL))
    assert counters.pool.size() + counters.pool._max_overflow == declarations.load()["orders"].extra_connections
    job = make_engine(PG_URL, pool_size=2)  # crmkit.jobs' pool
    assert job.pool.size() + job.pool._max_overflow == DEFAULTS["postgresql"]["connectionsPerJob"]


def test_i16_a_fixed_pool_from_the_environment_has_no_overflow(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "6")
    engine = make_engine(PG_URL, pool_size=10)
    assert (engine.pool.size(), engine.pool._max_overflow) == (6, 0)
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "2")
    assert make_engine(PG_URL).pool._max_overflow == 2
    monkeypatch.delenv("DATABASE_POOL_SIZE")
    engine = make_engine(PG_URL, pool_size=10)
    assert (engine.pool.size(), engine.pool._max_overflow) == (10, POOL_OVERFLOW)  # the code's own choice


def test_i16_every_stateless_deployment_has_an_autoscaler_and_workers_have_none(render):
    docs = render()
    hpas = objects(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {f"crm-{s}" for s in SERVICES} | {"crm-gateway"}
    deployments = objects(docs, "Deployment")
    for name, hpa in hpas.items():
        cfg = DEFAULTS["gateway"] if name == "crm-gateway" else DEFAULTS["services"][name.removeprefix("crm-")]
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (
            cfg["replicas"],
            cfg["autoscaling"]["maxReplicas"],
        )
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        target = cfg["autoscaling"]["targetCPUUtilizationPercentage"]
        assert metric["resource"]["target"]["averageUtilization"] == target
        # The autoscaler owns the count: an upgrade must not reset it to `replicas`.
        assert "replicas" not in deployments[name]["spec"], name
        # Utilization is a share of the request: a container without one cannot be scaled.
        (container,) = pod_spec(deployments[name])["containers"]
        assert container["resources"]["requests"]["cpu"]


def test_i16_autoscaling_off_keeps_a_fixed_replica_count(render):
    docs = render(CI_VALUES)
    assert "crm-identity" not in objects(docs, "HorizontalPodAutoscaler")
    replicas = DEFAULTS["services"]["identity"]["replicas"]
    assert objects(docs, "Deployment")["crm-identity"]["spec"]["replicas"] == replicas


def test_i16_autoscaler_maximum_below_its_minimum_fails_the_render(render, tmp_path):
    extra = {"services": {"orders": {"replicas": 3, "autoscaling": {"maxReplicas": 2}}}}
    assert "maxReplicas 2 is below replicas 3" in render(_values_file(tmp_path, "hpa.yaml", extra), expect_failure=True)


@pytest.mark.parametrize("service", SERVICES)
def test_i16_grpc_clients_reach_every_pod_through_a_headless_service(render, service):
    docs = render()
    services = objects(docs, "Service")
    headless = services[f"crm-{service}-grpc"]
    port = DEFAULTS["services"][service]["grpcPort"]
    assert headless["spec"]["clusterIP"] == "None"
    assert [(p["name"], p["port"]) for p in headless["spec"]["ports"]] == [("grpc", port)]
    assert headless["spec"]["selector"] == services[f"crm-{service}"]["spec"]["selector"]
    # The Service of old keeps its name and cluster IP, for metrics scraping and anyone else.
    assert "clusterIP" not in services[f"crm-{service}"]["spec"]
    assert {p["name"] for p in services[f"crm-{service}"]["spec"]["ports"]} == {"grpc", "metrics"}


def test_i16_the_generated_values_carry_each_declarations_scaling():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for name, decl in declarations.load().items():
        svc = values["services"][name]
        assert svc["replicas"] == decl.replicas
        assert svc["autoscaling"]["maxReplicas"] == decl.max_replicas >= decl.replicas
        assert svc["database"]["poolSize"] == decl.database_pool
        assert svc["database"].get("extraConnections", 0) == decl.extra_connections
