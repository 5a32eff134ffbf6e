"""Reliability runs (issue 11): the real system as processes (launcher's Cluster: every service
a process on PostgreSQL, RabbitMQ and Redis), driven through the gateway's OpenAPI document."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import requests
from people import Api, tenant_with_every_role

from launcher.cluster import Cluster

# Figures the runs report at the end (and write to $RELIABILITY_FIGURES when set).
FIGURES: Counter = Counter()


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    # Thousands of requests from one address and a handful of people: the gateway's limits
    # (checked by its own tests) would answer 429 to most of them.
    limits = {"RATE_LIMIT_PUBLIC_PER_MIN": "1000000", "RATE_LIMIT_ACTOR_PER_MIN": "1000000"}
    plat = Cluster(workdir=tmp_path_factory.mktemp("reliability"), extra_env=limits)
    try:
        plat.start()
        yield plat
    finally:
        plat.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "platform" in item.fixturenames:
        plat = item.funcargs.get("platform")
        if plat is not None:
            report.sections.append(("platform logs", plat.logs()))


@pytest.fixture(scope="session")
def anon(platform) -> Api:
    return Api(platform.gateway_url)


@pytest.fixture(scope="session")
def document(platform) -> dict:
    response = requests.get(f"{platform.gateway_url}/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="session")
def tenant_a(platform, anon):
    return tenant_with_every_role(anon, platform.sms_server, "甲商贸")


@pytest.fixture(scope="session")
def tenant_b(platform, anon):
    return tenant_with_every_role(anon, platform.sms_server, "乙商贸")


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, value in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name}: {value}")
    if os.environ.get("RELIABILITY_FIGURES"):
        with open(os.environ["RELIABILITY_FIGURES"], "w", encoding="utf-8") as out:
            json.dump(dict(FIGURES), out, indent=2, sort_keys=True)
