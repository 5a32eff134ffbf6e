"""E2 E5: what a coupon holder's text says (domain/coupon_notices.py), and that SendSms's
validation accepts exactly those parameters."""

from datetime import UTC, datetime

import pytest

from crmkit.errors import InvalidInput
from messaging.domain.coupon_notices import (
    COUPON_EXPIRING,
    COUPON_ISSUED,
    china_date,
    idempotency_key,
    parse_coupon_event,
    sms_params,
)
from messaging.domain.notifications import MalformedEvent
from messaging.domain.sms import validate_send

DATA = {
    "coupon_id": "cp-1",
    "code": "123456789012",
    "template_id": "tpl-1",
    "template_name": "满50减5",
    "customer_id": "c-1",
    "phone": "13800138000",
    "channel": "send",
    # 16:30 UTC is already the next day in China
    "valid_until": "2026-12-31T16:30:00+00:00",
}


def test_e2_issued_text_names_the_coupon_its_code_and_the_china_date_it_ends():
    notice = parse_coupon_event(COUPON_ISSUED, DATA)
    assert sms_params(notice) == {"name": "满50减5", "code": "123456789012", "valid_until": "2027-01-01"}
    assert (notice.customer_id, notice.phone) == ("c-1", "13800138000")
    # the parameters are exactly what SendSms's template accepts
    validate_send(notice.phone, COUPON_ISSUED, sms_params(notice), idempotency_key(notice))


def test_e5_expiring_text_has_the_same_parameters_under_its_own_template():
    data = {k: v for k, v in DATA.items() if k != "channel"}
    notice = parse_coupon_event(COUPON_EXPIRING, data)
    assert notice.kind == COUPON_EXPIRING
    assert sms_params(notice)["valid_until"] == "2027-01-01"
    validate_send(notice.phone, COUPON_EXPIRING, sms_params(notice), idempotency_key(notice))


@pytest.mark.parametrize(
    ("moment", "date"),
    [
        (datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), "2026-03-01"),  # 23:59:59 in Beijing
        (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "2026-03-02"),  # midnight in Beijing
        (datetime(2026, 7, 1, 0, 0, tzinfo=UTC), "2026-07-01"),  # no summer time in China
    ],
)
def test_e2_valid_until_is_the_china_calendar_date(moment, date):
    assert china_date(moment) == date


def test_e2_a_naive_valid_until_is_read_as_utc_like_every_stored_time():
    notice = parse_coupon_event(COUPON_ISSUED, {**DATA, "valid_until": "2026-12-31T16:30:00"})
    assert sms_params(notice)["valid_until"] == "2027-01-01"


def test_e2_one_key_per_coupon_and_kind():
    issued = parse_coupon_event(COUPON_ISSUED, DATA)
    expiring = parse_coupon_event(COUPON_EXPIRING, DATA)
    assert idempotency_key(issued) == "coupon_issued:cp-1"
    assert idempotency_key(expiring) == "coupon_expiring:cp-1"
    assert idempotency_key(parse_coupon_event(COUPON_ISSUED, {**DATA, "coupon_id": "cp-2"})) != idempotency_key(issued)


def test_e2_long_template_name_is_cut_to_what_an_sms_parameter_may_hold():
    name = "超长的优惠券模板名称" * 4  # 40 characters, the template name's limit
    params = sms_params(parse_coupon_event(COUPON_ISSUED, {**DATA, "template_name": name}))
    assert len(params["name"]) == 35 and params["name"].endswith("…")
    validate_send("13800138000", COUPON_ISSUED, params, "k")


def test_e2_unnamed_template_falls_back_to_the_code():
    params = sms_params(parse_coupon_event(COUPON_ISSUED, {**DATA, "template_name": " "}))
    assert params["name"] == "123456789012"


def test_e2_holder_without_phone_is_parsed_with_an_empty_phone():
    notice = parse_coupon_event(COUPON_ISSUED, {**DATA, "phone": ""})
    assert (notice.customer_id, notice.phone) == ("c-1", "")


@pytest.mark.parametrize(
    ("event_type", "changes"),
    [
        (COUPON_ISSUED, {"coupon_id": ""}),
        (COUPON_ISSUED, {"code": None}),
        (COUPON_ISSUED, {"code": "1" * 36}),
        (COUPON_ISSUED, {"valid_until": ""}),
        (COUPON_EXPIRING, {"valid_until": "next week"}),
        ("coupon_redeemed", {}),
    ],
)
def test_e2_event_without_what_the_text_needs_is_malformed(event_type, changes):
    with pytest.raises(MalformedEvent):
        parse_coupon_event(event_type, {**DATA, **changes})


def test_e2_coupon_templates_refuse_other_parameters():
    with pytest.raises(InvalidInput) as err:
        validate_send("13800138000", COUPON_ISSUED, {"code": "1"}, "k")
    assert err.value.fields == {"params.name": "validation.required", "params.valid_until": "validation.required"}
