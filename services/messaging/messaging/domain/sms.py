"""What a SendSms request must look like before anything is stored or sent (F1)."""

from __future__ import annotations

from collections.abc import Mapping

from crmkit.errors import InvalidInput

# Mainland mobile numbers only (the port's rule): our provider account and templates are for China.
from ..sms.port import is_mainland_mobile

# Our template keys and the parameters each one fills. The adapter maps a key to the
# provider's template id; a key missing here is refused before we pay for a provider call.
TEMPLATES: dict[str, frozenset[str]] = {
    "login_code": frozenset({"code"}),
    # E2 E5: to a coupon's holder; name = the coupon template's name, valid_until = YYYY-MM-DD
    # in China time (domain/coupon_notices.py).
    "coupon_issued": frozenset({"name", "code", "valid_until"}),
    "coupon_expiring": frozenset({"name", "code", "valid_until"}),
}
# Aliyun caps each template variable at 35 characters; longer values are refused there anyway.
MAX_PARAM_LENGTH = 35
MAX_KEY_LENGTH = 100


def validate_send(phone: str, template: str, params: Mapping[str, object], idempotency_key: str) -> None:
    """Raise InvalidInput naming every bad field (request field names, `params.<name>`)."""
    fields: dict[str, str] = {}
    if not phone:
        fields["phone"] = "validation.required"
    elif not is_mainland_mobile(phone):
        fields["phone"] = "validation.phone_invalid"
    if not template:
        fields["template"] = "validation.required"
    elif template not in TEMPLATES:
        fields["template"] = "validation.invalid_choice"
    else:
        expected = TEMPLATES[template]
        for name in sorted(expected - params.keys()):
            fields[f"params.{name}"] = "validation.required"
        for name in sorted(params.keys() - expected):
            fields[f"params.{name}"] = "validation.unknown_field"
    for name, value in params.items():
        if f"params.{name}" in fields:
            continue
        if not isinstance(value, str):
            fields[f"params.{name}"] = "validation.invalid"
        elif not value:
            fields[f"params.{name}"] = "validation.required"
        elif len(value) > MAX_PARAM_LENGTH:
            fields[f"params.{name}"] = "validation.too_long"
    if not idempotency_key:
        fields["idempotency_key"] = "validation.required"
    elif len(idempotency_key) > MAX_KEY_LENGTH:
        fields["idempotency_key"] = "validation.too_long"
    if fields:
        raise InvalidInput(fields=fields)
