"""Access tokens whose signature and claims were already checked, kept until they expire.

Checking an EdDSA signature and its claims costs ~0.2 ms of CPU per call (issue 16), and the same
token comes back on every request of a login session, in the gateway and in every service it
reaches. A token's signature and claims cannot change, so the answer is kept, keyed by the token
itself, for at most as long as the token is valid: an entry is never served at or after the
token's `exp`. Only successes are kept (a failure is answered again by the full check), and the
memo holds at most `capacity` tokens, the least recently used leaving first, so a flood of
distinct tokens costs memory no more than that.

What may change while a token lives is not kept here: the seat's end is compared with the clock
on every call, and whether the session was revoked is asked of crmkit.revocation on every call
(`TokenVerifier.verify`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class VerifiedTokens(Generic[V]):
    """A thread-safe LRU of token -> (value, expires_at); gRPC servers and the gateway verify
    from many threads at once."""

    def __init__(self, capacity: int):
        if capacity < 0:
            raise ValueError("capacity must be 0 (no memo) or more")
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[V, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, now: float) -> V | None:
        """The value kept for the token, or None when none is kept or it expired at `now`."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            value, expires_at = entry
            if now >= expires_at:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return value

    def put(self, token: str, value: V, expires_at: float) -> None:
        if self.capacity == 0:
            return
        with self._lock:
            self._entries[token] = (value, expires_at)
            self._entries.move_to_end(token)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
