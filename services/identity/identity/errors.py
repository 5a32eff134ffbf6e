"""Every error code of the identity service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key. `raise NotFound(ErrorCode.STAFF_NOT_FOUND)` brings the key along.
"""

from crmkit.errors import ErrorCodeEnum


class ErrorCode(ErrorCodeEnum):
    # Login, codes and sessions (A2, ADR 0011)
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "error.invalid_credentials"  # wrong phone or password: one answer
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS", "error.too_many_attempts"  # wrong passwords from here lately
    STAFF_INACTIVE = "STAFF_INACTIVE", "error.staff_inactive"  # the account was switched off by the tenant
    SEAT_EXPIRED = "SEAT_EXPIRED", "error.seat_expired"  # a salesperson's trial or paid period is over (A3)
    SMS_TOO_FREQUENT = "SMS_TOO_FREQUENT", "error.sms_too_frequent"  # one code a minute per phone; retry_after
    SMS_DAILY_LIMIT = "SMS_DAILY_LIMIT", "error.sms_daily_limit"  # ten codes a day per phone
    INVALID_CODE = "INVALID_CODE", "error.invalid_code"  # wrong SMS code; it stays usable for a few more tries
    CODE_EXPIRED = "CODE_EXPIRED", "error.code_expired"  # no live code: expired, used, or voided by wrong tries
    REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID", "error.refresh_token_invalid"  # unknown, expired, revoked
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED", "error.refresh_token_reused"  # a rotated one came back: revoked
    CHOICE_TICKET_INVALID = "CHOICE_TICKET_INVALID", "error.choice_ticket_invalid"  # expired, forged or spent
    SIGNUP_TOO_FREQUENT = "SIGNUP_TOO_FREQUENT", "error.signup_too_frequent"  # per source or phone; retry_after
    # Tenants, stores and staff (A1, A3)
    TENANT_NOT_FOUND = "TENANT_NOT_FOUND", "error.tenant_not_found"
    STORE_NOT_FOUND = "STORE_NOT_FOUND", "error.store_not_found"
    STAFF_NOT_FOUND = "STAFF_NOT_FOUND", "error.staff_not_found"
    STAFF_PHONE_TAKEN = "STAFF_PHONE_TAKEN", "error.staff_phone_taken"  # phones are unique among a tenant's staff
    NOT_ALLOWED = "NOT_ALLOWED", "error.permission_denied"  # the caller's role may not do this
    OWNER_ALWAYS_ACTIVE = "OWNER_ALWAYS_ACTIVE", "error.owner_always_active"  # the owner cannot be switched off
    NO_SEAT = "NO_SEAT", "error.no_seat"  # seat payment for someone who is not a salesperson
    PAYMENT_REFERENCE_REUSED = "PAYMENT_REFERENCE_REUSED", "error.payment_reference_reused"  # same ref, other staff
    # Multi-store tenants (A4)
    STORE_APPLICATION_NOT_FOUND = "STORE_APPLICATION_NOT_FOUND", "error.store_application_not_found"
    APPLICATION_DECIDED = "APPLICATION_DECIDED", "error.store_application_decided"  # approved or rejected already
    # A store or a pending application has that name.
    STORE_APPLICATION_DUPLICATE = "STORE_APPLICATION_DUPLICATE", "error.store_application_duplicate"
    STORE_NOT_SWITCHABLE = "STORE_NOT_SWITCHABLE", "error.store_not_switchable"  # not one of the caller's stores
