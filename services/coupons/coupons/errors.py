"""Error codes of the coupons service (ErrorInfo.reason); message keys are `error.<lower code>`."""

TEMPLATE_NOT_FOUND = "COUPON_TEMPLATE_NOT_FOUND"
COUPON_NOT_FOUND = "COUPON_NOT_FOUND"
