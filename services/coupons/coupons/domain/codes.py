"""Coupon codes: crmkit's one-time codes (B7) with the coupon QR prefix."""

from __future__ import annotations

from crmkit.onetime_codes import CODE_DIGITS, QrFormat, check_digit, is_well_formed, new_code

QR = QrFormat("CRMCPN:")
QR_PREFIX = QR.prefix
qr_payload = QR.payload
normalize = QR.normalize

__all__ = ["CODE_DIGITS", "QR_PREFIX", "check_digit", "is_well_formed", "new_code", "normalize", "qr_payload"]
