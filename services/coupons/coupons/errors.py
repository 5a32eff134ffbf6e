"""Error codes of the coupons service (ErrorInfo.reason); message keys are `error.<lower code>`."""

TEMPLATE_NOT_FOUND = "COUPON_TEMPLATE_NOT_FOUND"
COUPON_NOT_FOUND = "COUPON_NOT_FOUND"


class StoredValueCodes:
    """Stored value, recharges, points and pre-charges (E7 E8 E9, C11)."""

    INPUT_INVALID = "STORED_VALUE_INPUT_INVALID"
    DENIED = "STORED_VALUE_DENIED"
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    RULE_NOT_FOUND = "RECHARGE_RULE_NOT_FOUND"
    RECHARGE_NOT_FOUND = "RECHARGE_NOT_FOUND"
    BATCH_NOT_FOUND = "PRECHARGE_NOT_FOUND"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    BATCH_STATE_INVALID = "PRECHARGE_STATE_INVALID"
    CODE_WRONG = "PRECHARGE_CODE_WRONG"
    CODE_MISSING = "PRECHARGE_CODE_MISSING"  # none requested, expired, or voided by wrong tries
    IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_KEY_REUSED"
    NO_POINTS = "POINTS_RULE_MISSING"  # no rule, or an order too small to earn a point
