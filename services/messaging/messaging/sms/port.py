"""The SMS port: what the messaging service needs from any SMS provider.

Use cases depend on `SmsSender` only; the Aliyun adapter (and, in tests, the
same adapter pointed at the local fake server) implements it. The two errors
tell the caller the one thing it must decide: try again later or give up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

# Mainland China mobile numbers: 11 digits starting 13-19. Shared by the
# adapter's callers and the fake server so both agree on what "valid" means.
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def is_mainland_mobile(phone: str) -> bool:
    return MAINLAND_MOBILE.fullmatch(phone) is not None


@dataclass(frozen=True)
class SmsMessage:
    """One templated text to one mainland mobile number.

    `template` is our key ("login_code"); each adapter maps it to the
    provider's template id, so use cases never name provider ids.
    `idempotency_key` is the event or command id that caused the send; the
    adapter passes it to the provider so a receipt can be matched to it.
    """

    phone: str
    template: str
    params: dict[str, str]
    idempotency_key: str


@dataclass(frozen=True)
class SmsReceipt:
    provider_message_id: str
    provider: str


class SmsError(Exception):
    """Base of the port's errors, so a caller can catch both at once."""


class SmsRejected(SmsError):
    """The provider refused this message: bad number, template, sign name,
    parameters, credentials or a per-number rate limit.

    Sending the same message again will fail the same way, so it is not
    retryable. `code` is the provider's code (e.g. `isv.MOBILE_NUMBER_ILLEGAL`)
    for callers and logs to switch on; `message` is for people.
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class SmsUnavailable(SmsError):
    """The provider could not be reached or failed on its side (network error,
    timeout, HTTP 5xx, provider system error). Retryable, with the same
    idempotency key."""


# Messages one provider request may carry (Aliyun SendBatchSms takes up to 100 numbers).
MAX_BATCH = 100

# One outcome per message of a batch, in order: its receipt, or why the provider refused it.
BatchOutcome = list[SmsReceipt | SmsRejected]


class SmsSender(Protocol):
    def send(self, msg: SmsMessage) -> SmsReceipt:
        """Send one message; raise SmsRejected or SmsUnavailable on failure."""
        ...

    def send_batch(self, msgs: list[SmsMessage]) -> BatchOutcome:
        """Send up to MAX_BATCH messages of one template in as few provider requests as it can;
        a refusal is that message's outcome, SmsUnavailable (nothing decided) is raised."""
        ...
