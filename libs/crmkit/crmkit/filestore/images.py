"""Checks on a proof image (B4: a photo of a bank transfer or a receipt) before it is stored.

The client's content type is ignored: a browser or mini-program guesses it from the file name,
and a renamed file would otherwise be stored, and later served, as something it is not.
"""

from __future__ import annotations

import io

from PIL import Image

from .port import FileRejected

MAX_PROOF_BYTES = 5 * 1024 * 1024
MAX_SIDE = 10_000

TOO_LARGE = "file.too_large"
UNSUPPORTED_TYPE = "file.unsupported_type"
CORRUPT = "file.corrupt"
EMPTY = "file.empty"

# Pillow format name and the content type we store and serve it as.
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def sniff_format(data: bytes) -> str | None:
    """The format the first bytes announce, or None; the only formats a proof may be."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def validate_proof_image(data: bytes) -> str:
    """Return the canonical content type of `data`, or raise FileRejected with the message key."""
    if not data:
        raise FileRejected(EMPTY)
    # Size first: everything after this reads the bytes, and 5 MB bounds that work.
    if len(data) > MAX_PROOF_BYTES:
        raise FileRejected(TOO_LARGE, f"{len(data)} bytes, at most {MAX_PROOF_BYTES}")
    fmt = sniff_format(data)
    if fmt is None:
        raise FileRejected(UNSUPPORTED_TYPE)
    try:
        # verify() checks structure (PNG chunk CRCs, RIFF layout) without decoding; the image
        # object is unusable afterwards, hence the second open.
        with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width < 1 or height < 1:
                raise FileRejected(CORRUPT, f"{width}x{height}")
            # Checked before decoding: a small file can announce a huge canvas (a pixel bomb).
            if width > MAX_SIDE or height > MAX_SIDE:
                raise FileRejected(TOO_LARGE, f"{width}x{height}, at most {MAX_SIDE} a side")
            if fmt == "JPEG":
                # Decode at 1/8 scale: every byte of the scan is still read, so a truncated or
                # damaged photo still fails, but a 40-megapixel one costs a few MB, not 120.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except FileRejected:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses past ~179 megapixels while opening, before our own side check runs.
        raise FileRejected(TOO_LARGE, str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports damage through several exception types depending on the decoder.
        raise FileRejected(CORRUPT, str(exc)) from exc
    return _CONTENT_TYPES[fmt]
