"""A1 for storefront orders, the rules apart from the database: every step of the state machine
has its change-log entry, and an order's snapshot keeps its one-time code out of the log."""

from datetime import UTC, datetime

from orders.domain import storefront as sf
from orders.models_storefront import StorefrontOrderRow, StorefrontRefundRow
from orders.service.storefront_changes import LOGGED_AS, order_snapshot


def test_a1_every_step_of_every_kind_has_its_entry():
    assert {action for steps in sf.STEPS.values() for action in steps} == set(LOGGED_AS)


def test_a1_a_snapshot_leaves_the_one_time_code_out_and_names_a_refund_by_its_id():
    row = StorefrontOrderRow(
        state=sf.CONFIRMED,
        paid_fen=1500,
        refunded_fen=0,
        payment_method="wechat",
        transaction_id="4200",
        carrier="",
        tracking_no="",
        verified_at=datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
        reason="",
        verification_code="12345678",
    )
    refund = StorefrontRefundRow(
        id="rf-1", state="requested", requested_fen=500, approved_fen=0, reason="少了", reject_reason=""
    )

    snapshot = order_snapshot(row, refund)

    assert "12345678" not in str(snapshot)
    assert snapshot["refund.rf-1"] == {
        "state": "requested",
        "requested_fen": 500,
        "approved_fen": 0,
        "reason": "少了",
        "reject_reason": "",
    }
