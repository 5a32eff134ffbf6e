"""A tiny HTTP client for journeys: the test sees the platform only through the gateway."""

from __future__ import annotations

import time
import uuid

import requests


class Api:
    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url
        self.token = token
        self.http = requests.Session()

    def as_(self, token: str) -> Api:
        return Api(self.base_url, token)

    def request(
        self,
        method: str,
        path: str,
        *,
        json=None,
        params=None,
        idempotency_key: str | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        hdrs = dict(headers or {})
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if method == "POST" and idempotency_key is not False:
            hdrs["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        return self.http.request(method, self.base_url + path, json=json, params=params, headers=hdrs, timeout=15)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)


def eventually(check, *, timeout: float = 30, interval: float = 0.25):
    """Poll until `check()` returns a truthy value (events cross the broker asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
