"""Every error code of the coupons service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key. `raise NotFound(ErrorCode.COUPON_NOT_FOUND)` brings the key along.
"""

from crmkit.errors import ErrorCodeEnum

INVALID_INPUT = "error.invalid_input"
PERMISSION_DENIED = "error.permission_denied"


class ErrorCode(ErrorCodeEnum):
    # Who may (E1-E6)
    STAFF_ONLY = "STAFF_ONLY", PERMISSION_DENIED
    COUPON_MANAGERS_ONLY = "COUPON_MANAGERS_ONLY", PERMISSION_DENIED  # templates: owner, store manager
    COUPON_SENDERS_ONLY = "COUPON_SENDERS_ONLY", PERMISSION_DENIED  # sending coupons to customers
    COUPON_REDEEMERS_ONLY = "COUPON_REDEEMERS_ONLY", PERMISSION_DENIED  # redeeming at the counter
    COUPON_SERVICE_ONLY = "COUPON_SERVICE_ONLY", "error.service_only"  # releasing an order's coupons
    # Templates, sends, claims and codes (E1 E2 E6)
    COUPON_TEMPLATE_INVALID = "COUPON_TEMPLATE_INVALID", INVALID_INPUT
    COUPON_TEMPLATE_NOT_FOUND = "COUPON_TEMPLATE_NOT_FOUND", "error.coupon_template_not_found"
    COUPON_TEMPLATE_EXPIRED = "COUPON_TEMPLATE_EXPIRED", "error.coupon_template_expired"
    COUPON_SOLD_OUT = "COUPON_SOLD_OUT", "error.coupon_sold_out"
    COUPON_PER_PERSON_LIMIT = "COUPON_PER_PERSON_LIMIT", "error.coupon_per_person_limit"
    COUPON_SEND_INVALID = "COUPON_SEND_INVALID", INVALID_INPUT
    COUPON_SEGMENT_SEND_INVALID = "COUPON_SEGMENT_SEND_INVALID", INVALID_INPUT
    COUPON_SEND_KEY_REUSED = "COUPON_SEND_KEY_REUSED", "error.coupon_send_key_reused"  # other template or segment
    COUPON_SEND_NOT_FOUND = "COUPON_SEND_NOT_FOUND", "error.coupon_send_not_found"
    COUPON_CLAIM_INVALID = "COUPON_CLAIM_INVALID", INVALID_INPUT
    # A claim answered a moment ago whose coupon the claim writer has not written yet (ADR 0021):
    # UNAVAILABLE with retry_after, retried by gRPC clients of idempotent calls.
    COUPON_NOT_YET_RECORDED = "COUPON_NOT_YET_RECORDED", "error.coupon_not_yet_recorded"
    # Too many claims wait for the writer (or for a counter reload): try again shortly.
    COUPON_CLAIMS_BUSY = "COUPON_CLAIMS_BUSY", "error.coupon_claims_busy"
    COUPON_CODE_INVALID = "COUPON_CODE_INVALID", INVALID_INPUT
    COUPON_NOT_FOUND = "COUPON_NOT_FOUND", "error.coupon_not_found"
    COUPON_STATS_INVALID = "COUPON_STATS_INVALID", INVALID_INPUT  # the period of a statistics report
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND", "error.customer_not_found"  # as the customers service answers
    # Printed batches (E3)
    COUPON_BATCH_INVALID = "COUPON_BATCH_INVALID", INVALID_INPUT
    COUPON_BATCH_NOT_FOUND = "COUPON_BATCH_NOT_FOUND", "error.coupon_batch_not_found"
    COUPON_BATCH_NOT_READY = "COUPON_BATCH_NOT_READY", "error.coupon_batch_not_ready"  # still being made
    COUPON_BATCH_ALREADY_ISSUED = "COUPON_BATCH_ALREADY_ISSUED", "error.coupon_batch_already_issued"
    COUPON_BATCH_NOT_ISSUED = "COUPON_BATCH_NOT_ISSUED", "error.coupon_batch_not_issued"
    COUPON_BATCH_OUT_OF_STOCK = "COUPON_BATCH_OUT_OF_STOCK", "error.coupon_batch_out_of_stock"
    # Redemption (E4, B7): the refusals of the rule engine first
    COUPON_REDEMPTION_INVALID = "COUPON_REDEMPTION_INVALID", INVALID_INPUT
    COUPON_NOT_HOLDERS = "COUPON_NOT_HOLDERS", "error.coupon_not_holders"  # another customer's coupon
    COUPON_ALREADY_REDEEMED = "COUPON_ALREADY_REDEEMED", "error.coupon_already_redeemed"
    COUPON_NOT_RELEASED = "COUPON_NOT_RELEASED", "error.coupon_not_released"  # printed, not yet stocked or sold
    COUPON_NOT_YET_VALID = "COUPON_NOT_YET_VALID", "error.coupon_not_yet_valid"
    COUPON_EXPIRED = "COUPON_EXPIRED", "error.coupon_expired"
    COUPON_BELOW_MIN_SPEND = "COUPON_BELOW_MIN_SPEND", "error.coupon_below_min_spend"
    COUPON_STORE_NOT_ALLOWED = "COUPON_STORE_NOT_ALLOWED", "error.coupon_store_not_allowed"
    COUPON_NO_ELIGIBLE_ITEMS = "COUPON_NO_ELIGIBLE_ITEMS", "error.coupon_no_eligible_items"
    COUPON_PER_ORDER_LIMIT = "COUPON_PER_ORDER_LIMIT", "error.coupon_per_order_limit"
    # Stored value, recharges, points and pre-charges (E7 E8 E9, C11)
    STORED_VALUE_INPUT_INVALID = "STORED_VALUE_INPUT_INVALID", INVALID_INPUT
    STORED_VALUE_DENIED = "STORED_VALUE_DENIED", PERMISSION_DENIED
    RECHARGE_RULE_NOT_FOUND = "RECHARGE_RULE_NOT_FOUND", "error.recharge_rule_not_found"
    RECHARGE_NOT_FOUND = "RECHARGE_NOT_FOUND", "error.recharge_not_found"
    PRECHARGE_NOT_FOUND = "PRECHARGE_NOT_FOUND", "error.precharge_not_found"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE", "error.insufficient_balance"
    PRECHARGE_STATE_INVALID = "PRECHARGE_STATE_INVALID", "error.precharge_not_pending"
    PRECHARGE_CODE_WRONG = "PRECHARGE_CODE_WRONG", "error.sms_code_wrong"
    # None requested, expired, or voided by wrong tries.
    PRECHARGE_CODE_MISSING = "PRECHARGE_CODE_MISSING", "error.precharge_code_missing"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED", "error.idempotency_key_reused"
    POINTS_RULE_MISSING = "POINTS_RULE_MISSING", "error.no_points_rule"  # no rule, or too small an order
    # A peer service (customers, segments, SMS, orders) is not configured in this process.
    PEER_NOT_CONFIGURED = "PEER_NOT_CONFIGURED", "error.unavailable"
