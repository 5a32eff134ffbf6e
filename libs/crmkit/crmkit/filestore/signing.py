"""Time-limited download paths for the local store: `/files/<key>?expires=..&sig=..`.

The route that serves them checks the signature and the expiry and nothing else, so a signed
path works like an S3 presigned URL: it can go into an <img> tag or a mini-program download
without a token, and stops working after `expires_in` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

FILES_PATH = "/files/"


def _signature(key: str, expires: int, secret: str) -> str:
    # The newline keeps key and expiry apart: no key can be shifted into the expiry field.
    message = f"{key}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_path(key: str, *, expires: int, secret: str) -> str:
    """Keys are made of URL-safe characters only (see port.check_key), so none is quoted."""
    query = urlencode({"expires": expires, "sig": _signature(key, expires, secret)})
    return f"{FILES_PATH}{key}?{query}"


def verify_signed_path(key: str, expires: int | str, sig: str, secret: str, now: datetime) -> bool:
    """True when `sig` was made with `secret` for this key and expiry, and `now` is not past it.

    `expires` may come straight from the query string: anything not an integer is refused.
    """
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if now.timestamp() > expires_at:
        return False
    # Constant-time comparison: a byte-by-byte one leaks how much of a forged signature is right.
    return hmac.compare_digest(_signature(key, expires_at, secret), sig)
