"""The rules of the fake Aliyun SMS provider, without the HTTP around them.

`FakeAliyunSms.answer(params)` takes the decoded query parameters of a
request to `/` and returns (HTTP status, JSON body) the way dysmsapi does:

- gateway errors (credentials, signature, timestamp, nonce, missing
  parameters) come back as HTTP 4xx with RequestId, HostId, Code, Message;
- SendSms's own verdicts (bad number, template, sign, parameters) come back as
  HTTP 200 with a Code other than "OK";
- an accepted message answers {"Code": "OK", "Message": "OK", "BizId", "RequestId"}.

Codes and messages follow Aliyun's published ones where we know them; the
fake only speaks Format=JSON and the SendSms and SendBatchSms actions of version
2017-05-25. A batch is recorded as one message per number, each with its own
parameters, under one BizId; one bad entry refuses the whole batch.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .port import is_mainland_mobile
from .signature import signature_matches, string_to_sign

HOST_ID = "dysmsapi.aliyuncs.com"
# Aliyun refuses requests whose Timestamp is more than 15 minutes off.
CLOCK_SKEW = timedelta(minutes=15)
MAX_NUMBERS = 1000
_COMMON_REQUIRED = (
    "AccessKeyId",
    "Action",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
)
_SEND_REQUIRED = ("PhoneNumbers", "SignName", "TemplateCode")
_BATCH_REQUIRED = ("PhoneNumberJson", "SignNameJson", "TemplateCode")
MAX_BATCH_NUMBERS = 100
_ACTIONS = ("SendSms", "SendBatchSms")

Answer = tuple[int, dict[str, Any]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def mainland_number(raw: str) -> str | None:
    """The 11-digit number, accepting the +86 / 0086 / 86 prefixes SendSms
    accepts for mainland numbers; None when it is not a mainland mobile."""
    number = raw.strip()
    for prefix in ("+86", "0086", "86"):
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            number = number[len(prefix) :]
            break
    return number if is_mainland_mobile(number) else None


class FakeAliyunSms:
    """In-memory state of the fake provider; safe to call from many threads."""

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        *,
        sign_names: Iterable[str] | None = None,
        template_codes: Iterable[str] | None = None,
        echo: Callable[[dict[str, Any]], None] | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._keys = {access_key_id: access_key_secret}
        # None accepts any sign name / template, the way a developer's machine
        # has no provider console to register them in
        self._sign_names = set(sign_names) if sign_names is not None else None
        self._template_codes = set(template_codes) if template_codes is not None else None
        self._echo = echo
        self._now = now
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._nonces: set[str] = set()
        self._forced: list[Answer] = []

    # -- inspection, for tests and the developer -------------------------------

    def messages(self, phone: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [{**m, "params": dict(m["params"])} for m in self._messages if phone is None or m["phone"] == phone]

    def clear(self) -> int:
        with self._lock:
            count = len(self._messages)
            self._messages.clear()
            return count

    def fail_next(self, code: str, message: str = "", status: int = 200) -> None:
        """Make the next correctly signed request fail with this Code, e.g.
        isv.BUSINESS_LIMIT_CONTROL (HTTP 200) or ServiceUnavailable (503)."""
        if not 200 <= status <= 599:
            raise ValueError(f"status must be an HTTP status 200-599, not {status}")
        body = {"RequestId": self._request_id(), "Code": code, "Message": message or code}
        if status >= 400:
            body["HostId"] = HOST_ID
        with self._lock:
            self._forced.append((status, body))

    # -- the API ---------------------------------------------------------------

    def answer(self, params: Mapping[str, str], method: str = "GET") -> Answer:
        refused = self._authenticate(params, method)
        if refused:
            return refused
        return self._send_batch(params) if params["Action"] == "SendBatchSms" else self._send_sms(params)

    def _authenticate(self, params: Mapping[str, str], method: str) -> Answer | None:
        for name in _COMMON_REQUIRED:
            if not params.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        secret = self._keys.get(params["AccessKeyId"])
        if secret is None:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return self._error(
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.",
            )
        if not signature_matches(params, secret, method):
            # Aliyun shows its string to sign so a client can find its mistake
            return self._error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. "
                f"server string to sign is:{string_to_sign(params, method)}",
            )
        try:
            sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return self._error(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        if abs(self._now() - sent_at.replace(tzinfo=UTC)) > CLOCK_SKEW:
            return self._error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        with self._lock:
            if params["SignatureNonce"] in self._nonces:
                return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(params["SignatureNonce"])
        if params["Action"] not in _ACTIONS:
            return self._error(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            )
        if params["Version"] != "2017-05-25":
            return self._error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if params.get("Format", "XML").upper() != "JSON":
            return self._error(400, "Fake.UnsupportedFormat", "The fake SMS server answers Format=JSON only.")
        return None

    def _send_sms(self, params: Mapping[str, str]) -> Answer:
        with self._lock:
            forced = self._forced.pop(0) if self._forced else None
        if forced is not None:
            return forced
        for name in _SEND_REQUIRED:
            if not params.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        raw_numbers = params["PhoneNumbers"].split(",")
        if len(raw_numbers) > MAX_NUMBERS:
            return self._refusal("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        numbers = [mainland_number(n) for n in raw_numbers]
        if None in numbers:
            return self._refusal("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if self._sign_names is not None and params["SignName"] not in self._sign_names:
            return self._refusal("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if self._template_codes is not None and params["TemplateCode"] not in self._template_codes:
            return self._refusal("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        template_params = _template_params(params.get("TemplateParam"))
        if template_params is None:
            return self._refusal("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        return 200, self._accept(numbers, params, template_params)

    def _send_batch(self, params: Mapping[str, str]) -> Answer:
        with self._lock:
            forced = self._forced.pop(0) if self._forced else None
        if forced is not None:
            return forced
        for name in _BATCH_REQUIRED:
            if not params.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        raw_numbers, sign_names = _json_list(params["PhoneNumberJson"]), _json_list(params["SignNameJson"])
        each_params = _json_list(params.get("TemplateParamJson") or "[]")
        if raw_numbers is None or sign_names is None or each_params is None:
            return self._refusal("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if len(raw_numbers) > MAX_BATCH_NUMBERS:
            return self._refusal("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        if len(sign_names) != len(raw_numbers) or (each_params and len(each_params) != len(raw_numbers)):
            return self._refusal("isv.INVALID_PARAMETERS", "参数数量不一致")
        numbers = [mainland_number(str(n)) for n in raw_numbers]
        if None in numbers:
            return self._refusal("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if self._sign_names is not None and not set(sign_names) <= self._sign_names:
            return self._refusal("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if self._template_codes is not None and params["TemplateCode"] not in self._template_codes:
            return self._refusal("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        decoded = [_template_params(json.dumps(p)) if isinstance(p, dict) else None for p in each_params]
        if None in decoded:
            return self._refusal("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        return 200, self._accept(numbers, params, decoded or [{}] * len(numbers), sign_names)

    def _accept(
        self,
        numbers: list[str | None],
        params: Mapping[str, str],
        template_params: dict[str, str] | list[dict[str, str]],
        sign_names: list[str] | None = None,
    ) -> dict[str, Any]:
        # BizId looks like Aliyun's: digits, "^", a sequence number
        biz_id = f"{random.randrange(10**17, 10**18)}^0"
        request_id = self._request_id()
        received_at = self._now().isoformat()
        each = template_params if isinstance(template_params, list) else [template_params] * len(numbers)
        signs = sign_names or [params.get("SignName", "")] * len(numbers)
        records = [
            {
                "phone": number,
                "sign_name": signs[i],
                "template_code": params["TemplateCode"],
                "params": each[i],
                "out_id": params.get("OutId", ""),
                "biz_id": biz_id,
                "request_id": request_id,
                "received_at": received_at,
            }
            for i, number in enumerate(numbers)
        ]
        with self._lock:
            self._messages.extend(records)
        if self._echo is not None:
            for record in records:
                self._echo(record)
        return {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}

    @staticmethod
    def _request_id() -> str:
        return str(uuid.uuid4()).upper()

    def _error(self, status: int, code: str, message: str) -> Answer:
        return status, {
            "RequestId": self._request_id(),
            "HostId": HOST_ID,
            "Code": code,
            "Message": message,
        }

    def _refusal(self, code: str, message: str) -> Answer:
        return 200, {"RequestId": self._request_id(), "Code": code, "Message": message}


def _json_list(raw: str) -> list | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _template_params(raw: str | None) -> dict[str, str] | None:
    """The decoded TemplateParam, or None when it is not a JSON object of
    strings (SendSms accepts string values only)."""
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return value
