"""Issue 12.2: the jobs' --now is read in one place, for `python -m <service>.jobs` and the
embedded launcher alike; a job lacking what it declared it needs stops before doing anything."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmkit.declaration import Declaration, Job
from crmkit.jobs import check, parse_now, report
from crmkit.settings import MissingSetting, Settings


def test_i12_now_is_an_aware_time_read_as_utc():
    assert parse_now("2026-01-05T16:00:00+08:00") == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert parse_now(None).tzinfo is not None
    with pytest.raises(argparse.ArgumentTypeError, match="time zone"):
        parse_now("2026-01-05T08:00:00")
    with pytest.raises(ValueError):
        parse_now("yesterday")


def test_i12_a_job_prints_what_it_did_and_when():
    line = report("pool-sweep", datetime(2026, 1, 5, tzinfo=UTC), {"returned": 2})
    assert line == '{"job": "pool-sweep", "now": "2026-01-05T00:00:00+00:00", "returned": 2}'


def test_i12_a_job_without_what_it_declared_stops_naming_it():
    job = Job("ask", run="x:y", schedule="* * * * *", redis=True, peers=("orders",))
    with pytest.raises(MissingSetting, match="REDIS_URL"):
        check(job, Settings(service="coupons"))
    with pytest.raises(MissingSetting, match="ORDERS_ADDR"):
        check(job, Settings(service="coupons", redis_url="redis://x", service_token="t"))
    check(job, Settings(service="coupons", redis_url="redis://x", service_token="t", peers={"orders": "h:1"}))


def test_i12_a_declaration_refuses_a_job_asking_a_service_it_does_not_declare():
    with pytest.raises(ValueError, match="not its peers"):
        Declaration(
            name="coupons",
            grpc_port=1,
            doc="",
            grpc_services=(),
            build="x:y",
            migrations=Path("."),
            jobs=(Job("ask", run="x:y", schedule="* * * * *", peers=("orders",)),),
        )
