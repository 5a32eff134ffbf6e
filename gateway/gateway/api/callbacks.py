"""The providers' callbacks (B6 B8 B12): WeChat Pay's payment and refund notifications and Dada's
delivery status. Public (the providers hold no token of ours), limited per address, at most
64 KB. Nothing is read or trusted here: the raw body bytes and the provider's own headers go to
the orders service's StorefrontService as a ProviderCallback, under the gateway's service token,
and the service verifies the signature, finds the order and its tenant, and says whether the
callback was taken. The answer is written in the provider's own format: anything but a 2xx makes
the provider send it again later, which is what a callback we could not take needs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from apiflask import APIBlueprint
from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from crm.orders.v1 import storefront_pb2 as pb
from crmkit import errors as de
from gateway.api.common import config
from gateway.ratelimit import callback_limit

log = logging.getLogger(__name__)

bp = APIBlueprint("callbacks", __name__, tag="Callbacks", url_prefix="/api/v1/callbacks")

MAX_CALLBACK_BYTES = 64 * 1024
# A refusal the provider should not retry as-is (it will anyway, and get the same answer) versus
# one of ours (a peer down): 400 against 500, both retried by the provider.
CALLER_FAULTS = (de.InvalidInput, de.NotFound, de.PermissionDenied, de.Conflict, de.AlreadyExists)


def _headers(wanted: Callable[[str], bool]) -> dict[str, str]:
    # WSGI hands header names over in their canonical form (Wechatpay-Signature): the names the
    # provider signs and documents, which the service reads case-insensitively anyway.
    return {name: value for name, value in request.headers.items() if wanted(name.lower())}


def _body() -> bytes | None:
    """The raw body, or None when it is over the limit (a Content-Length that says so is refused
    before anything is read)."""
    if (request.content_length or 0) > MAX_CALLBACK_BYTES:
        return None
    request.max_content_length = MAX_CALLBACK_BYTES
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return None
    return body if len(body) <= MAX_CALLBACK_BYTES else None


def forward(method: str, headers: dict[str, str], answer: Callable[[int, str], Response]) -> Response:
    body = _body()
    if body is None:
        return answer(413, "body too large")
    try:
        reply = config().storefront.call(method, pb.ProviderCallback(headers=headers, body=body), as_service=True)
    except CALLER_FAULTS as err:
        log.warning("%s refused: %s", method, err)
        return answer(400, err.code)
    except de.DomainError as err:
        log.error("%s could not be handled: %s", method, err)
        return answer(500, err.code)
    if not reply.accepted:
        log.warning("%s not accepted: %s", method, reply.message)
        return answer(400, reply.message or "not accepted")
    return answer(200, reply.message)


def _json(status: int, payload: dict) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


def _wechatpay_answer(status: int, message: str) -> Response:
    # WeChat Pay v3: 200 (or 204) and no body when taken; else 4xx/5xx {"code": "FAIL", "message"}.
    if status == 200:
        return Response(status=200)
    return _json(status, {"code": "FAIL", "message": message})


def _dada_answer(status: int, message: str) -> Response:
    # Dada retries until it gets a 200.
    if status == 200:
        return _json(200, {"status": "ok", "msg": message or "ok"})
    return _json(status, {"status": "fail", "msg": message})


CALLBACK_RESPONSES = {
    200: "Taken (or already taken before)",
    400: "Refused: the signature, the body or the order did not check out",
    413: "Body over 64 KB",
    429: "Too many from this address",
    500: "Not handled this time: send it again later",
}


@bp.post("/wechatpay")
@bp.doc(operation_id="wechatPayNotification", responses=CALLBACK_RESPONSES)
@callback_limit
def wechatpay():
    """WeChat Pay v3 notification: payments and refunds (public, signed by WeChat Pay)

    The raw body and the `Wechatpay-*` headers go to the orders service, which verifies the
    signature with the platform key. Answers 200 with no body when taken, else
    `{"code": "FAIL", "message"}` with 400 or 500 so WeChat Pay sends it again.
    """
    headers = _headers(lambda name: name.startswith("wechatpay-") or name == "content-type")
    return forward("HandlePaymentNotification", headers, _wechatpay_answer)


@bp.post("/dada")
@bp.doc(operation_id="dadaDeliveryCallback", responses=CALLBACK_RESPONSES)
@callback_limit
def dada():
    """Dada delivery status callback (public; its signature is in the JSON body)

    Answers 200 `{"status": "ok"}` when taken, else 400 or 500 `{"status": "fail", "msg"}` so
    Dada sends it again.
    """
    return forward("HandleDeliveryCallback", _headers(lambda name: name == "content-type"), _dada_answer)
