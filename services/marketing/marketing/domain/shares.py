"""Share links (D2): who shared what, to whom and how.

A share is a row with an unguessable token (128 random bits). The salesperson's own link has no
parent; a reader who forwards it gets a child share whose parent is the link they read, so the
chain (salesperson → reader → reader's friend) is the path up the parents. A token that was never
issued or was altered in any character finds no row: refused as SHARE_NOT_FOUND.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

LINK = "link"  # copied link, or the app's share sheet
FORWARD = "forward"  # a reader passed it on (WeChat forward)
POSTER = "poster"  # scanned from a poster's QR
METHODS = (LINK, FORWARD, POSTER)

ARTICLE = "article"
CARD = "card"
MATERIAL = "material"  # D6: a document, image, video or script of the material library
KINDS = (ARTICLE, CARD, MATERIAL)

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A forward chain longer than this stops growing (the link still works, as its parent's child).
CHAIN_MAX = 20


def new_token() -> str:
    return secrets.token_urlsafe(16)


def token_well_formed(token: str) -> bool:
    return bool(_TOKEN.match(token or ""))


def new_visitor_id() -> str:
    return secrets.token_urlsafe(18)


def mall_link(mall_url: str, product_id: str, sharer_staff_id: str, token: str) -> str:
    """A recommended product's link into the tenant's mall (D14), naming the product, the
    salesperson and the share, so the mall can attribute the purchase. Empty without a mall."""
    if not mall_url:
        return ""
    query = urlencode({"product_id": product_id, "sharer": sharer_staff_id, "share": token})
    return f"{mall_url}{'&' if '?' in mall_url else '?'}{query}"
