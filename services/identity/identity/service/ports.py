"""What the login, sign-up and session use cases reach beyond the database (composed in
identity.server; tests pass the same classes against a real Redis)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crmkit.auth import TokenIssuer
from crmkit.revocation import RevokedSessions
from identity.choice_tickets import ChoiceTickets
from identity.domain.sessions import CUSTOMER_ACCESS_TTL
from identity.domain.throttling import Limits
from identity.shoppers import ShopperDirectory
from identity.sms import CodeSender
from identity.sms_store import SmsCodeStore
from identity.throttle import PasswordAttempts, WindowCounters


@dataclass(frozen=True)
class LoginPorts:
    issuer: TokenIssuer
    attempts: PasswordAttempts
    codes: SmsCodeStore
    sender: CodeSender
    counters: WindowCounters
    tickets: ChoiceTickets
    revoked: RevokedSessions
    # The customers service's storefront customers (B6).
    shoppers: ShopperDirectory
    limits: Limits = Limits()
    customer_token_ttl: timedelta = CUSTOMER_ACCESS_TTL
