"""FeieYun (飞鹅云) cloud printers, written to its published open API: one URL, form POSTs, each
signed `sig = sha1(user + UKEY + stime)` (40 lowercase hex; the UKEY itself is never sent).
Answers are `{"msg", "ret", "data", "serverExecutedTime"}`; `ret != 0` is an error.

There is no idempotency key: a print request that timed out may have been taken. The dispatcher
records the printer's count of the day's orders before each send and, after a timeout, asks it
again (Open_queryOrderInfoByDate) before sending again."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime

import requests

from .port import PrintFailed, PrintRefused, PrintUncertain

DEFAULT_URL = "https://api.feieyun.cn/Api/Open/"
CONTENT_MAX_BYTES = 5000
ALREADY_ADDED = "已被添加过"


def signature(user: str, ukey: str, stime: str) -> str:
    return hashlib.sha1((user + ukey + stime).encode("utf-8")).hexdigest()


class FeieyunError(PrintRefused):
    def __init__(self, ret: object, msg: str):
        super().__init__(f"FeieYun ret={ret}: {msg}"[:300])
        self.ret = ret


class FeieyunClient:
    def __init__(
        self,
        url: str,
        user: str,
        ukey: str,
        *,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ):
        self.url = url
        self.user = user
        self.ukey = ukey
        self.timeout = timeout
        self.clock = clock
        self.session = requests.Session()

    @property
    def configured(self) -> bool:
        return bool(self.url and self.user and self.ukey)

    def _call(self, apiname: str, *, sending: bool = False, **params: str):
        stime = str(int(self.clock()))
        form = {"user": self.user, "stime": stime, "sig": signature(self.user, self.ukey, stime), "apiname": apiname}
        form.update(params)
        try:
            resp = self.session.post(self.url, data=form, timeout=self.timeout)
        except requests.Timeout as exc:
            # Connected and sent, no answer: the cloud may have it.
            raise (PrintUncertain if sending else PrintFailed)(f"FeieYun {apiname}: timed out") from exc
        except requests.RequestException as exc:
            raise PrintFailed(f"FeieYun {apiname}: {exc.__class__.__name__}") from exc
        if resp.status_code != 200:
            raise PrintFailed(f"FeieYun {apiname}: HTTP {resp.status_code}")
        try:
            body = resp.json()
        except ValueError as exc:
            raise PrintFailed(f"FeieYun {apiname}: not JSON") from exc
        if body.get("ret") != 0:
            raise FeieyunError(body.get("ret"), str(body.get("msg", "")))
        return body.get("data")

    def add_printer(self, sn: str, key: str, remark: str) -> None:
        """Open_printerAddlist for one printer; one already on this account is fine."""
        line = "#".join((sn, key, remark.replace("#", " ").replace("\n", " ")))
        data = self._call("Open_printerAddlist", printerContent=line) or {}
        refused = [entry for entry in data.get("no") or [] if ALREADY_ADDED not in entry]
        if refused:
            raise FeieyunError("no", "; ".join(refused))

    def print_msg(self, sn: str, content: str, *, expired: datetime | None = None, times: int = 1) -> str:
        """Open_printMsg: the orderId FeieYun keeps the job under. `expired`: not printed after then
        (a printer back after an outage does not print tickets nobody waits for any more)."""
        if len(content.encode("utf-8")) > CONTENT_MAX_BYTES:
            raise PrintRefused(f"FeieYun content over {CONTENT_MAX_BYTES} bytes")
        params = {"sn": sn, "content": content, "times": str(times)}
        if expired is not None:
            params["expired"] = str(int(expired.timestamp()))
        return str(self._call("Open_printMsg", sending=True, **params))

    def order_printed(self, order_id: str) -> bool:
        """Open_queryOrderState: has the printer printed it?"""
        return self._call("Open_queryOrderState", orderid=order_id) is True

    def day_count(self, sn: str, date: str) -> int:
        """Open_queryOrderInfoByDate (date YYYY-MM-DD, Beijing): orders printed plus waiting."""
        data = self._call("Open_queryOrderInfoByDate", sn=sn, date=date) or {}
        return int(data.get("print", 0)) + int(data.get("waiting", 0))

    def close(self) -> None:
        self.session.close()
