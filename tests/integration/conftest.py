"""Every journey runs against both modes of the platform (ADR 0008): `cluster` (every service a
process on PostgreSQL, RabbitMQ and Redis) and `embedded` (what `make run` starts: one process,
SQLite, the local broker, the journaled Redis stand-in). A journey about one mode's machinery
(stopping RabbitMQ) is marked `cluster_only` and runs against the cluster alone."""

import pytest
from client import Api
from journey import PASSWORD, create_staff, login, sign_up, use_platform

from launcher import example_service
from launcher.cluster import Cluster

MODES = ("cluster", "embedded")
# Every journey signs up and logs in its own people, all from 127.0.0.1: the per-address limit of
# the public endpoints (20/min, checked by the gateway's own tests) would refuse the later
# journeys' logins.
# Journeys act as several addresses (X-Forwarded-For from this machine, believed as from the
# Ingress) so each merchant's sign-up counts against its own per-address limits.
LIMITS = {"RATE_LIMIT_PUBLIC_PER_MIN": "10000", "TRUSTED_PROXY_HOPS": "1", "TRUSTED_PROXIES": "127.0.0.1/32"}


def pytest_configure(config):
    config.addinivalue_line("markers", "cluster_only: the journey is about the cluster's own machinery")


def pytest_collection_modifyitems(config, items):
    deselected = [
        item
        for item in items
        if item.get_closest_marker("cluster_only")
        and getattr(item, "callspec", None)
        and item.callspec.params.get("platform") == "embedded"
    ]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture(scope="session")
def added_service(tmp_path_factory) -> dict[str, str]:
    """Issue 12: both platforms also run a throwaway service added by its declaration alone
    (launcher.example_service); test_added_service_journey.py checks it is there."""
    return example_service.install(tmp_path_factory.mktemp("added-service"))


@pytest.fixture(scope="session", params=MODES)
def platform(request, tmp_path_factory, added_service):
    if request.param == "cluster":
        plat = Cluster(workdir=tmp_path_factory.mktemp("cluster"), extra_env={**LIMITS, **added_service})
    else:
        # Imported here: it builds every service in this process.
        from launcher.embedded_platform import EmbeddedPlatform

        plat = EmbeddedPlatform(workdir=tmp_path_factory.mktemp("embedded"), extra_env=LIMITS)
    try:
        plat.start()
        use_platform(plat)
        yield plat
    finally:
        plat.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # On failure, show what the processes logged: the test only sees HTTP.
    if report.failed and "platform" in item.fixturenames:
        plat = item.funcargs.get("platform")
        if plat is not None:
            report.sections.append(("platform logs", plat.logs()))


@pytest.fixture(scope="session")
def world(platform):
    """Two tenants; the first with a store manager and two salespeople and a required field."""
    anon = Api(platform.gateway_url)
    first = sign_up(anon, "一号商贸")
    second = sign_up(anon, "二号商贸")
    # H1/A2: the owner logs in with a password.
    owner = anon.as_(login(anon, first["owner_phone"]))
    store_id = first["head_store"]["id"]
    manager = create_staff(owner, "李店长", ["store_manager"], store_id, password=PASSWORD)
    sales_a = create_staff(owner, "张业务", ["salesperson"], store_id)
    sales_b = create_staff(owner, "赵业务", ["salesperson"], store_id, password=PASSWORD)
    resp = owner.put(
        "/api/v1/customer-fields/shop_type",
        json={"label": "门店类型", "kind": "choice", "required": True, "options": ["超市", "便利店"], "position": 1},
    )
    assert resp.status_code == 200, resp.text
    return {
        "anon": anon,
        "owner": owner,
        "store_id": store_id,
        "manager": anon.as_(login(anon, manager["phone"])),
        "manager_id": manager["id"],
        "sales_a": sales_a,
        "sales_b": anon.as_(login(anon, sales_b["phone"])),
        "other_owner": anon.as_(login(anon, second["owner_phone"])),
    }
