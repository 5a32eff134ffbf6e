"""Aliyun (Alibaba Cloud) SMS adapter: `SendSms` and `SendBatchSms`, API version 2017-05-25.

Written to the published RPC API: a signed GET to the endpoint root with the
common parameters and the action's own. Every answer is JSON with a `Code`; "OK"
means the provider accepted the message (delivery is reported later,
keyed by BizId and our OutId). SendBatchSms carries up to 100 numbers of one
template, each with its own parameters, and answers one verdict for all of them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import requests

from .port import MAX_BATCH, BatchOutcome, SmsMessage, SmsReceipt, SmsRejected, SmsSender, SmsUnavailable
from .signature import canonicalized_query, percent_encode, sign

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
PROVIDER = "aliyun"
# (connect, read) seconds: a login code that takes longer is better retried
# by the caller than waited for.
TIMEOUT = (3.0, 5.0)

# Codes that say the provider failed, not the message: sending again later can
# succeed. isp.SYSTEM_ERROR's documented remedy is "call again"; Throttling.*
# is the API gateway's request-rate limit (unlike isv.BUSINESS_LIMIT_CONTROL,
# the per-number limit, which stays a rejection).
_RETRYABLE_CODES = frozenset({"isp.SYSTEM_ERROR", "InternalError", "ServiceUnavailable", "ServiceTimeout"})


def _is_retryable(code: str) -> bool:
    return code in _RETRYABLE_CODES or code.startswith("Throttling")


def _utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nonce() -> str:
    return str(uuid.uuid4())


class AliyunSmsSender:
    """`SmsSender` for Aliyun SMS. Create once and reuse: it keeps one HTTP
    session (connection pool) for its lifetime."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = DEFAULT_ENDPOINT,
        region_id: str = "cn-hangzhou",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        clock: Callable[[], str] = _utc_timestamp,
        nonce: Callable[[], str] = _nonce,
    ) -> None:
        self._access_key_id = access_key_id
        self._access_key_secret = access_key_secret
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._url = endpoint.rstrip("/") + "/"
        self._region_id = region_id
        self._session = session or requests.Session()
        self._timeout = timeout
        self._clock = clock
        self._nonce = nonce

    def _template_code(self, template: str) -> str:
        template_code = self._templates.get(template)
        if template_code is None:
            # our configuration, not the provider, lacks it; resending won't help
            raise SmsRejected("TemplateNotConfigured", f"no Aliyun template code for {template!r}")
        return template_code

    def _common(self, action: str) -> dict[str, str]:
        return {
            "AccessKeyId": self._access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self._region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self._clock(),
            "Version": API_VERSION,
        }

    def _signed(self, params: dict[str, str]) -> str:
        signature = sign(params, self._access_key_secret)
        # send exactly the bytes that were signed rather than letting the HTTP
        # library re-encode the values its own way (it would turn space into +)
        return f"Signature={percent_encode(signature)}&{canonicalized_query(params)}"

    def signed_batch_query(self, msgs: list[SmsMessage]) -> str:
        """The query string of the SendBatchSms request for `msgs` (one template), signed."""
        if len({m.template for m in msgs}) != 1:
            raise ValueError("a batch carries one template")
        params = {
            **self._common("SendBatchSms"),
            "PhoneNumberJson": _compact([m.phone for m in msgs]),
            "SignNameJson": _compact([self._sign_name] * len(msgs)),
            "TemplateCode": self._template_code(msgs[0].template),
            "TemplateParamJson": _compact([m.params for m in msgs]),
        }
        return self._signed(params)

    def signed_query(self, msg: SmsMessage) -> str:
        """The query string of the SendSms request for `msg`, signed."""
        params = {
            **self._common("SendSms"),
            "PhoneNumbers": msg.phone,
            "SignName": self._sign_name,
            "TemplateCode": self._template_code(msg.template),
        }
        if msg.params:
            # compact JSON as in Aliyun's examples; values must be strings
            params["TemplateParam"] = json.dumps(msg.params, ensure_ascii=False, separators=(",", ":"))
        if msg.idempotency_key:
            # echoed in delivery receipts, so a receipt finds its event
            params["OutId"] = msg.idempotency_key
        return self._signed(params)

    def send(self, msg: SmsMessage) -> SmsReceipt:
        return self._get(self.signed_query(msg))

    def send_batch(self, msgs: list[SmsMessage]) -> BatchOutcome:
        """One SendBatchSms for the lot. Its verdict covers every number, so when it refuses a
        batch of several (one bad number refuses them all), each message is sent on its own to
        find which one it was. SmsUnavailable is raised: nothing was decided."""
        if len(msgs) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} messages per batch")
        if len(msgs) == 1:
            return [self._outcome(lambda: self.send(msgs[0]))]
        try:
            receipt = self._get(self.signed_batch_query(msgs))
        except SmsRejected:
            return [self._outcome(lambda m=m: self.send(m)) for m in msgs]
        return [receipt] * len(msgs)

    @staticmethod
    def _outcome(send) -> SmsReceipt | SmsRejected:
        try:
            return send()
        except SmsRejected as exc:
            return exc

    def _get(self, query: str) -> SmsReceipt:
        try:
            response = self._session.get(self._url + "?" + query, timeout=self._timeout)
        except requests.RequestException as exc:
            # refused connection, DNS failure or timeout: nothing was decided
            raise SmsUnavailable(f"Aliyun SMS not reachable: {exc}") from exc
        return _receipt_from(response)


def _compact(value) -> str:
    # compact JSON as in Aliyun's examples; parameter values must be strings
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _receipt_from(response: requests.Response) -> SmsReceipt:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "Code" not in body:
        # a proxy's error page or a truncated answer: no verdict from Aliyun
        if status >= 500 or status < 400:
            raise SmsUnavailable(f"Aliyun SMS gave an unreadable answer (HTTP {status})")
        raise SmsRejected(f"HTTP{status}", response.text[:200])
    code = str(body["Code"])
    message = str(body.get("Message", ""))
    if code == "OK" and status < 400:
        return SmsReceipt(provider_message_id=str(body.get("BizId", "")), provider=PROVIDER)
    if status >= 500 or _is_retryable(code):
        raise SmsUnavailable(f"Aliyun SMS failed: {code}: {message} (HTTP {status})")
    raise SmsRejected(code, message)


class SmsConfigError(RuntimeError):
    """A setting the SMS sender needs is missing or wrong; startup stops."""


def _required(environ: Mapping[str, str], name: str, why: str = "") -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise SmsConfigError(f"{name} is not set{why}")
    return value


# Templates a deployment may lack while Aliyun reviews them (approval takes days): logins must
# not wait for them. A text for a template without a code is refused (TemplateNotConfigured),
# recorded and counted like any refusal, and nothing else is affected.
OPTIONAL_TEMPLATES = ("coupon_issued", "coupon_expiring")


def _template_variable(key: str) -> str:
    return f"ALIYUN_SMS_TEMPLATE_{key.upper()}"


def sender_from_env(environ: Mapping[str, str]) -> SmsSender:
    """Build the sender from settings (the composition root passes os.environ).

    SMS_PROVIDER=aliyun  the real service: ALIYUN_ACCESS_KEY_ID,
                         ALIYUN_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME and
                         ALIYUN_SMS_TEMPLATE_LOGIN_CODE are required;
                         ALIYUN_SMS_TEMPLATE_COUPON_ISSUED and
                         ALIYUN_SMS_TEMPLATE_COUPON_EXPIRING are optional (see
                         OPTIONAL_TEMPLATES); ALIYUN_SMS_ENDPOINT overrides the
                         public endpoint.
    SMS_PROVIDER=fake    the same adapter against the local fake server at
                         ALIYUN_SMS_ENDPOINT (required), always with the fake's
                         test credentials; sign name and template codes default to
                         readable values so the fake's console shows
                         "login_code" rather than a provider id.
    """
    provider = _required(environ, "SMS_PROVIDER", " (expected 'aliyun' or 'fake')")
    if provider == "aliyun":
        return AliyunSmsSender(
            access_key_id=_required(environ, "ALIYUN_ACCESS_KEY_ID"),
            access_key_secret=_required(environ, "ALIYUN_ACCESS_KEY_SECRET"),
            sign_name=_required(environ, "ALIYUN_SMS_SIGN_NAME"),
            templates={
                "login_code": _required(environ, "ALIYUN_SMS_TEMPLATE_LOGIN_CODE"),
                **{
                    key: environ[_template_variable(key)].strip()
                    for key in OPTIONAL_TEMPLATES
                    if environ.get(_template_variable(key), "").strip()
                },
            },
            endpoint=environ.get("ALIYUN_SMS_ENDPOINT", "").strip() or DEFAULT_ENDPOINT,
        )
    if provider == "fake":
        # imported here: production never needs the fake's module
        from .fake_server import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

        why = " (SMS_PROVIDER=fake needs the fake server's URL, e.g. http://127.0.0.1:8090)"
        return AliyunSmsSender(
            # always the test pair: a real secret has no business on a fake
            access_key_id=TEST_ACCESS_KEY_ID,
            access_key_secret=TEST_ACCESS_KEY_SECRET,
            sign_name=environ.get("ALIYUN_SMS_SIGN_NAME", "").strip() or "CRM测试",
            templates={
                key: environ.get(_template_variable(key), "").strip() or key
                for key in ("login_code", *OPTIONAL_TEMPLATES)
            },
            endpoint=_required(environ, "ALIYUN_SMS_ENDPOINT", why),
        )
    raise SmsConfigError(f"SMS_PROVIDER={provider!r} is not supported (expected 'aliyun' or 'fake')")
