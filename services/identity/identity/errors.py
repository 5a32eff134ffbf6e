"""Error codes of the identity service: clients switch on these, people read the message key."""


class Codes:
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"  # wrong phone or password: one answer for both
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # too many wrong passwords for this phone lately
    STAFF_INACTIVE = "STAFF_INACTIVE"  # the account was switched off by the tenant
    SEAT_EXPIRED = "SEAT_EXPIRED"  # a salesperson's trial or paid period is over (A3)
    SMS_TOO_FREQUENT = "SMS_TOO_FREQUENT"  # one code a minute per phone; params: retry_after
    SMS_DAILY_LIMIT = "SMS_DAILY_LIMIT"  # ten codes a day per phone
    INVALID_CODE = "INVALID_CODE"  # wrong SMS code, the code stays usable for a few more tries
    CODE_EXPIRED = "CODE_EXPIRED"  # no live code: expired, used, or voided by too many wrong tries
    REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID"  # unknown, expired or revoked refresh token
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"  # a rotated token came back: session revoked
    CHOICE_TICKET_INVALID = "CHOICE_TICKET_INVALID"  # expired, forged or spent: log in again
    SIGNUP_TOO_FREQUENT = "SIGNUP_TOO_FREQUENT"  # sign-ups per source or phone; params: retry_after
    TENANT_NOT_FOUND = "TENANT_NOT_FOUND"
    STORE_NOT_FOUND = "STORE_NOT_FOUND"
    STAFF_NOT_FOUND = "STAFF_NOT_FOUND"
    STAFF_PHONE_TAKEN = "STAFF_PHONE_TAKEN"  # phones are unique among one tenant's staff
    NOT_ALLOWED = "NOT_ALLOWED"  # the caller's role may not do this
    OWNER_ALWAYS_ACTIVE = "OWNER_ALWAYS_ACTIVE"  # the owner's account cannot be switched off
    NO_SEAT = "NO_SEAT"  # seat payment for someone who is not a salesperson
    PAYMENT_REFERENCE_REUSED = "PAYMENT_REFERENCE_REUSED"  # same reference, different staff


class Keys:
    """i18n message keys (rendered by the gateway)."""

    INVALID_CREDENTIALS = "error.invalid_credentials"
    TOO_MANY_ATTEMPTS = "error.too_many_attempts"
    STAFF_INACTIVE = "error.staff_inactive"
    SEAT_EXPIRED = "error.seat_expired"
    SMS_TOO_FREQUENT = "error.sms_too_frequent"
    SMS_DAILY_LIMIT = "error.sms_daily_limit"
    INVALID_CODE = "error.invalid_code"
    CODE_EXPIRED = "error.code_expired"
    REFRESH_TOKEN_INVALID = "error.refresh_token_invalid"
    REFRESH_TOKEN_REUSED = "error.refresh_token_reused"
    CHOICE_TICKET_INVALID = "error.choice_ticket_invalid"
    SIGNUP_TOO_FREQUENT = "error.signup_too_frequent"
    TENANT_NOT_FOUND = "error.tenant_not_found"
    STORE_NOT_FOUND = "error.store_not_found"
    STAFF_NOT_FOUND = "error.staff_not_found"
    STAFF_PHONE_TAKEN = "error.staff_phone_taken"
    NOT_ALLOWED = "error.permission_denied"
    OWNER_ALWAYS_ACTIVE = "error.owner_always_active"
    NO_SEAT = "error.no_seat"
    PAYMENT_REFERENCE_REUSED = "error.payment_reference_reused"


# Multi-store tenants (A4), appended so merges stay trivial.
class StoreCodes:
    APPLICATION_NOT_FOUND = "STORE_APPLICATION_NOT_FOUND"
    APPLICATION_DECIDED = "APPLICATION_DECIDED"  # approved or rejected already
    APPLICATION_DUPLICATE = "STORE_APPLICATION_DUPLICATE"  # a store or pending application has that name
    STORE_NOT_SWITCHABLE = "STORE_NOT_SWITCHABLE"  # not one of the caller's stores


class StoreKeys:
    APPLICATION_NOT_FOUND = "error.store_application_not_found"
    APPLICATION_DECIDED = "error.store_application_decided"
    APPLICATION_DUPLICATE = "error.store_application_duplicate"
    STORE_NOT_SWITCHABLE = "error.store_not_switchable"
