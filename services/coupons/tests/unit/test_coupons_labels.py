"""E7 E9: every word coupons sends for people to read (ledger reasons, gift statuses and
reasons) has a label in each of the gateway's catalogues. Coupons owns the words, so it checks
them here, reading the catalogues as data (the gateway's tests import no service)."""

import json
from pathlib import Path

from coupons.domain import stored_value as rules
from coupons.service import coupons_issue, recharge_gifts

I18N = Path(__file__).resolve().parents[4] / "gateway" / "gateway" / "i18n"


def test_e9_every_ledger_reason_has_a_label_in_both_languages():
    reasons = {
        v
        for k, v in vars(rules).items()
        if k.isupper() and isinstance(v, str) and k not in ("BALANCE", "POINTS", "ONLINE", "IN_STORE")
    }
    for language in ("zh_CN", "en"):
        table = json.loads((I18N / f"{language}.json").read_text())
        missing = {r for r in reasons if f"stored_value.reason.{r}" not in table}
        assert not missing, (language, missing)


def test_e7_every_gift_status_and_reason_has_a_label_in_both_languages():
    statuses = {
        recharge_gifts.ISSUED,
        recharge_gifts.SKIPPED,
        recharge_gifts.PENDING,
        recharge_gifts.HANDED_OUT,
        recharge_gifts.REFUSED,
    }
    reasons = {
        coupons_issue.TEMPLATE_MISSING,
        coupons_issue.TEMPLATE_EXPIRED,
        coupons_issue.SOLD_OUT_REASON,
        coupons_issue.PER_PERSON_REASON,
        recharge_gifts.NO_STORE,
        recharge_gifts.INSUFFICIENT_STOCK,
        recharge_gifts.PRODUCT_NOT_FOUND,
        recharge_gifts.OTHER_GIFT_REFUSED,
        recharge_gifts.ORDERS_REFUSED,
    }
    wanted = {f"recharge_gift.status.{s}" for s in statuses} | {f"recharge_gift.reason.{r}" for r in reasons}
    for language in ("zh_CN", "en"):
        table = json.loads((I18N / f"{language}.json").read_text())
        assert not wanted - set(table), (language, wanted - set(table))
