"""F1: what SendSms accepts before anything is stored or sent."""

import pytest

from crmkit.errors import InvalidInput
from messaging.domain.sms import validate_send

OK = {"phone": "13800138000", "template": "login_code", "params": {"code": "123456"}, "idempotency_key": "k1"}


def fields_of(**changes):
    request = {**OK, **changes}
    with pytest.raises(InvalidInput) as err:
        validate_send(request["phone"], request["template"], request["params"], request["idempotency_key"])
    return err.value.fields


def test_f1_valid_login_code_request_passes():
    assert validate_send(OK["phone"], OK["template"], OK["params"], OK["idempotency_key"]) is None


@pytest.mark.parametrize(
    ("phone", "key"),
    [
        ("", "validation.required"),
        ("12800138000", "validation.phone_invalid"),  # second digit must be 3-9
        ("1380013800", "validation.phone_invalid"),  # 10 digits
        ("138001380001", "validation.phone_invalid"),  # 12 digits
        ("+8613800138000", "validation.phone_invalid"),  # we take the bare national number only
        ("1380013800a", "validation.phone_invalid"),
        ("13800138000\n", "validation.phone_invalid"),  # `$` alone would let a trailing newline in
    ],
)
def test_f1_bad_phone_names_the_phone_field(phone, key):
    assert fields_of(phone=phone) == {"phone": key}


@pytest.mark.parametrize(("template", "key"), [("", "validation.required"), ("marketing", "validation.invalid_choice")])
def test_f1_unknown_template_is_refused(template, key):
    assert fields_of(template=template, params={}) == {"template": key}


def test_f1_template_params_must_match_the_template():
    assert fields_of(params={}) == {"params.code": "validation.required"}
    assert fields_of(params={"code": "1", "extra": "x"}) == {"params.extra": "validation.unknown_field"}


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (123456, "validation.invalid"),
        (None, "validation.invalid"),
        ("", "validation.required"),
        ("9" * 36, "validation.too_long"),
    ],
)
def test_f1_template_params_are_non_empty_short_strings(value, key):
    assert fields_of(params={"code": value}) == {"params.code": key}


def test_f1_idempotency_key_is_required_and_bounded():
    assert fields_of(idempotency_key="") == {"idempotency_key": "validation.required"}
    assert fields_of(idempotency_key="k" * 101) == {"idempotency_key": "validation.too_long"}


def test_f1_every_bad_field_is_named_at_once():
    assert fields_of(phone="1", idempotency_key="") == {
        "phone": "validation.phone_invalid",
        "idempotency_key": "validation.required",
    }
