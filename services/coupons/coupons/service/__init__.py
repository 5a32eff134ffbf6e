"""Use cases of the coupons service: one function, one transaction."""
