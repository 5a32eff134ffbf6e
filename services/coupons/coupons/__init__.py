"""Coupons service (E1-E6, B7): templates, electronic coupons, redemption, reminders, statistics."""
