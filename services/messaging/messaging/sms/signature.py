"""Alibaba Cloud RPC request signature, version 1.0 (HMAC-SHA1).

Pure functions shared by the adapter (which signs) and the fake server (which
verifies), so both follow one reading of the published rules:

1. Percent-encode every parameter name and value as UTF-8 per RFC 3986:
   A-Z a-z 0-9 - _ . ~ stay as they are, everything else becomes %XY
   (space is %20, not +; `*` is %2A; `~` is not escaped).
2. Sort the parameters by name (Signature itself excluded) and join them as
   name=value with `&`: the canonicalized query string.
3. StringToSign = HTTPMethod + "&" + percentEncode("/") + "&"
   + percentEncode(canonicalized query string).
4. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).

The published worked examples are pinned in tests/unit/test_sms_signature.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

# RFC 3986 unreserved characters; `quote` escapes everything else, encodes
# space as %20 and `*` as %2A, which is exactly Aliyun's rule set.
_UNRESERVED = "-_.~"


def percent_encode(value: str) -> str:
    return quote(value, safe=_UNRESERVED, encoding="utf-8")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params) if name != "Signature"
    )


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def sign(params: Mapping[str, str], access_key_secret: str, method: str = "GET") -> str:
    key = (access_key_secret + "&").encode("utf-8")
    digest = hmac.new(key, string_to_sign(params, method).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(params: Mapping[str, str], access_key_secret: str, method: str = "GET") -> bool:
    """True when params["Signature"] is the one the secret produces."""
    expected = sign(params, access_key_secret, method)
    # constant-time compare: the fake verifies like a real server would
    return hmac.compare_digest(expected, params.get("Signature", ""))
