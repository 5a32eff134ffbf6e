"""Every error code of the messaging service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key. `raise NotFound(ErrorCode.NOTIFICATION_NOT_FOUND)` brings the key.
"""

from crmkit.errors import ErrorCodeEnum


class ErrorCode(ErrorCodeEnum):
    # SendSms is for other services (identity sending a login code), never for staff tokens.
    SERVICE_ONLY = "SERVICE_ONLY", "error.service_only"
    # The provider refused the message (bad number, template, limit); params carry provider_code.
    SMS_REJECTED = "SMS_REJECTED", "error.sms_rejected"
    # The provider could not be reached or failed on its side; retry with the same key.
    SMS_PROVIDER_UNAVAILABLE = "SMS_PROVIDER_UNAVAILABLE", "error.sms_provider_unavailable"
    # Another request with this idempotency key is talking to the provider right now.
    SMS_SEND_IN_PROGRESS = "SMS_SEND_IN_PROGRESS", "error.sms_send_in_progress"
    # The key was first used for a different phone, template or params.
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED", "error.idempotency_key_reused"
    # Only staff have notifications.
    STAFF_ONLY = "STAFF_ONLY", "error.staff_only"
    # Missing, another staff member's, or another tenant's: all look the same from outside.
    NOTIFICATION_NOT_FOUND = "NOTIFICATION_NOT_FOUND", "error.notification_not_found"
