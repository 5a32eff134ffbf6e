"""JSON log lines with the request id, configured once per process."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from crmkit.context import current_request_id


class _RequestIdFilter(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.service = self.service
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter(service))
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pika and kombu are chatty at INFO about every (re)connection attempt.
    for noisy in ("pika", "kombu", "amqp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
