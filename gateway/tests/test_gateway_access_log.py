"""Issue 16 (P1 P2): the access log keeps every error and every slow request, and a share of
the rest (ACCESS_LOG_SAMPLE_RATE): a JSON line per request was a visible part of the gateway's CPU."""

from __future__ import annotations

import logging

import pytest

from crmkit.settings import env_fraction


def access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "gateway.access"]


def test_p16_unsampled_successes_are_not_logged_but_errors_are(make_app, auth, caplog):
    client = make_app(access_log_sample_rate=0.0).test_client()
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        ok = client.get("/api/v1/me", headers=auth)
        missing = client.get("/api/v1/me")
        bad = client.post("/api/v1/stores", json={"name": ""}, headers=auth)

    assert (ok.status_code, missing.status_code, bad.status_code) == (200, 401, 400)
    assert [r.status for r in access_lines(caplog)] == [401, 400]


def test_p16_slow_requests_are_always_logged(make_app, auth, caplog):
    client = make_app(access_log_sample_rate=0.0, access_log_slow_ms=0).test_client()
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        client.get("/api/v1/me", headers=auth)

    (line,) = access_lines(caplog)
    assert line.status == 200 and not hasattr(line, "sample_rate")


def test_p16_a_full_sample_logs_every_request_and_says_its_rate(make_app, auth, caplog):
    client = make_app(access_log_sample_rate=1.0, access_log_slow_ms=60_000).test_client()
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        for _ in range(3):
            client.get("/api/v1/me", headers=auth)

    lines = access_lines(caplog)
    assert [(r.status, r.sample_rate) for r in lines] == [(200, 1.0)] * 3
    assert lines[0].getMessage() == "GET /api/v1/me 200"


def test_p16_the_sample_rate_setting_is_a_share_and_a_bad_one_stops_startup(monkeypatch):
    monkeypatch.setenv("ACCESS_LOG_SAMPLE_RATE", "0.05")
    assert env_fraction("ACCESS_LOG_SAMPLE_RATE", 0.01) == 0.05
    monkeypatch.delenv("ACCESS_LOG_SAMPLE_RATE")
    assert env_fraction("ACCESS_LOG_SAMPLE_RATE", 0.01) == 0.01
    for bad in ("1.5", "-0.1", "often"):
        monkeypatch.setenv("ACCESS_LOG_SAMPLE_RATE", bad)
        with pytest.raises(ValueError, match="ACCESS_LOG_SAMPLE_RATE"):
            env_fraction("ACCESS_LOG_SAMPLE_RATE", 0.01)
