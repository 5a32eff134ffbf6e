"""Error codes of the messaging service: clients switch on these, people read the message key."""


class Codes:
    # SendSms is for other services (identity sending a login code), never for staff tokens.
    SERVICE_ONLY = "SERVICE_ONLY"
    # The provider refused the message (bad number, template, limit); params carry provider_code.
    SMS_REJECTED = "SMS_REJECTED"
    # The provider could not be reached or failed on its side; retry with the same key.
    SMS_PROVIDER_UNAVAILABLE = "SMS_PROVIDER_UNAVAILABLE"
    # Another request with this idempotency key is talking to the provider right now.
    SMS_SEND_IN_PROGRESS = "SMS_SEND_IN_PROGRESS"
    # The key was first used for a different phone, template or params.
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Only staff have notifications.
    STAFF_ONLY = "STAFF_ONLY"
    # Missing, another staff member's, or another tenant's: all look the same from outside.
    NOTIFICATION_NOT_FOUND = "NOTIFICATION_NOT_FOUND"
