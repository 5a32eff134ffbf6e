"""Helpers shared by the marketing service tests (a uniquely named module, not conftest, so
`import` finds this one even when other packages' tests run in the same pytest process)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from crmkit import testing
from crmkit.auth import STAFF, TokenIssuer, generate_keypair
from crmkit.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parents[1] / "marketing" / "migrations"
PRIVATE_KEY, PUBLIC_KEY = generate_keypair()
ISSUER = TokenIssuer(PRIVATE_KEY)


def ref(prefix: str) -> str:
    """A fresh id per test, so tests sharing one database never see each other's rows."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def staff_token(tenant_id: str, staff_id: str, *roles: str) -> str:
    return ISSUER.issue(
        kind=STAFF, subject_id=staff_id, tenant_id=tenant_id, roles=roles or ("salesperson",), ttl=timedelta(minutes=10)
    )[0]


def fresh_database() -> str:
    url = testing.create_database("marketing_test")
    upgrade(MIGRATIONS, url)
    return url


def picture(width: int = 900, height: int = 1200, fmt: str = "PNG") -> bytes:
    """A busy photo-like picture (stripes and blocks of colour), so a QR stamped on it must stand
    out to be read."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "#3b82f6")
    draw = ImageDraw.Draw(image)
    for i in range(0, width + height, 24):
        draw.line((i, 0, i - height, height), fill=("#111827", "#f59e0b", "#10b981")[i // 24 % 3], width=10)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header announces `width` × `height` pixels (a decompression
    bomb as far as the header goes)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )
