"""SMS port of the messaging service, its Aliyun adapter and a local fake."""

from .aliyun import AliyunSmsSender, SmsConfigError, sender_from_env
from .port import (
    SmsError,
    SmsMessage,
    SmsReceipt,
    SmsRejected,
    SmsSender,
    SmsUnavailable,
    is_mainland_mobile,
)

__all__ = [
    "AliyunSmsSender",
    "SmsConfigError",
    "SmsError",
    "SmsMessage",
    "SmsReceipt",
    "SmsRejected",
    "SmsSender",
    "SmsUnavailable",
    "is_mainland_mobile",
    "sender_from_env",
]
