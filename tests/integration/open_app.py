"""What the web apps do to hear of alerts (web/src/shared/alerts.ts), for the journeys: start from
now, then ask about every 100 ms with the cursor of the previous answer."""

from __future__ import annotations

import time

from client import Api

# The architecture's promise: an open app hears of it within 2 s.
ALERT_WITHIN_SECONDS = 2.0


class OpenApp:
    """A staff member's open app."""

    def __init__(self, api: Api):
        self.api = api
        self.cursor = _ok(api.get("/api/v1/alerts"))["cursor"]

    def poll(self) -> list[dict]:
        body = _ok(self.api.get("/api/v1/alerts", params={"after": self.cursor}))
        self.cursor = body["cursor"]
        return body["alerts"]

    def wait_for_alert(self, started: float) -> tuple[list[dict], float]:
        """Polls until an alert comes or the 2 s since `started` are up; (alerts, seconds taken)."""
        while True:
            alerts = self.poll()
            taken = time.monotonic() - started
            if alerts or taken > ALERT_WITHIN_SECONDS:
                return alerts, taken
            time.sleep(0.1)


def _ok(resp) -> dict:
    assert resp.status_code == 200, resp.text
    return resp.json()
