"""Uploaded pictures (D4): checked before they are stored, opened for drawing.

Only the bytes decide the type (JPEG, PNG, WebP: crmkit's checks, as for proof images). A poster
picture is drawn at full size, so the pixel count is bounded too, and checked from the header
before anything is decoded: a small file can announce a canvas that would take gigabytes
(a decompression bomb; Pillow's own MAX_IMAGE_PIXELS is a warning well above ours)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from crmkit.filestore import FileRejected
from crmkit.filestore.images import CORRUPT, EMPTY, TOO_LARGE, UNSUPPORTED_TYPE, sniff_format, validate_proof_image

MAX_BYTES = 5 * 1024 * 1024  # what the gateway lets through
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; about 120 MB once decoded
TOO_MANY_PIXELS = "file.too_many_pixels"


@dataclass(frozen=True)
class Checked:
    content_type: str
    width: int
    height: int


def check(data: bytes) -> Checked:
    """The picture's type and size, or FileRejected with the message key a person is shown."""
    if not data:
        raise FileRejected(EMPTY)
    if len(data) > MAX_BYTES:
        raise FileRejected(TOO_LARGE, f"{len(data)} bytes, at most {MAX_BYTES}")
    fmt = sniff_format(data)
    if fmt is None:
        raise FileRejected(UNSUPPORTED_TYPE)
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as header:  # reads the header only
            width, height = header.size
    except Image.DecompressionBombError as exc:
        raise FileRejected(TOO_MANY_PIXELS, str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise FileRejected(CORRUPT, str(exc)) from exc
    if width * height > MAX_PIXELS:
        raise FileRejected(TOO_MANY_PIXELS, f"{width}x{height}, at most {MAX_PIXELS} pixels")
    # Structure and a full decode (a truncated or damaged file fails here, not when drawn).
    content_type = validate_proof_image(data)
    return Checked(content_type, width, height)


# A poster is 750 wide and cut from the picture's short side: a JPEG is decoded at the smallest
# 1/2, 1/4 or 1/8 scale whose short side still has twice that, not at its full 40 megapixels.
DECODE_AT_LEAST = (1500, 1500)


def opened(data: bytes) -> Image.Image:
    """A stored picture as RGB, turned upright as the camera meant (EXIF orientation)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", DECODE_AT_LEAST)
        return ImageOps.exif_transpose(image).convert("RGB")
