"""B4: a collection's proof must be a real JPEG, PNG or WebP image of sane size."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from crmkit.filestore.images import MAX_PROOF_BYTES, validate_proof_image
from crmkit.filestore.local import LocalFileStore
from crmkit.filestore.port import FileRejected


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    # Noise, not a flat colour: a flat image compresses to a few bytes and hides truncation.
    image = Image.effect_noise(size, 80).convert("RGB")
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def rejected_key(data: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        validate_proof_image(data)
    return caught.value.message_key


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_b4_proof_image_must_be_a_real_image(fmt, content_type):
    assert validate_proof_image(image_bytes(fmt)) == content_type


def test_b4_png_sent_as_jpeg_is_stored_as_png(tmp_path):
    # given a PNG the client labelled image/jpeg (a renamed file): the label never reaches us
    data = image_bytes("PNG")
    # when it is checked and stored with the type we found
    content_type = validate_proof_image(data)
    stored = LocalFileStore(tmp_path, signing_secret="s").put(data, content_type=content_type, prefix="t1/collections")
    # then it is a PNG, by name and by type
    assert content_type == "image/png"
    assert stored.key.endswith(".png")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_b4_truncated_proof_image_is_corrupt(fmt):
    data = image_bytes(fmt, (200, 150))
    assert rejected_key(data[: len(data) // 2]) == "file.corrupt"


def test_b4_proof_with_image_header_and_garbage_body_is_corrupt():
    assert rejected_key(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10) == "file.corrupt"
    assert rejected_key(b"\xff\xd8\xff" + b"\x00" * 100) == "file.corrupt"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_b4_other_image_formats_are_unsupported(fmt):
    assert rejected_key(image_bytes(fmt)) == "file.unsupported_type"


def test_b4_text_file_is_unsupported():
    assert rejected_key("转账记录 1000 元\n".encode()) == "file.unsupported_type"


def test_b4_proof_over_5_mb_is_too_large():
    # given a real JPEG padded to 6 MB: the size alone decides, before anything is decoded
    data = image_bytes("JPEG")
    data += b"\x00" * (6 * 1024 * 1024 - len(data))
    assert rejected_key(data) == "file.too_large"


def test_b4_proof_of_exactly_5_mb_is_judged_on_content():
    data = image_bytes("JPEG")
    data += b"\x00" * (MAX_PROOF_BYTES - len(data))  # bytes after the JPEG end marker are ignored
    assert validate_proof_image(data) == "image/jpeg"


def test_b4_empty_upload_is_refused():
    assert rejected_key(b"") == "file.empty"


@pytest.mark.parametrize("size", [(10_001, 1), (1, 10_001)])
def test_b4_proof_wider_or_taller_than_10000_pixels_is_too_large(size):
    out = io.BytesIO()
    Image.new("L", size).save(out, format="PNG")  # a few hundred bytes on disk
    assert rejected_key(out.getvalue()) == "file.too_large"


def test_b4_pixel_bomb_is_too_large():
    # given a PNG of 180 megapixels in a few kB, which Pillow itself refuses while opening
    out = io.BytesIO()
    Image.new("1", (15_000, 12_000)).save(out, format="PNG")
    assert rejected_key(out.getvalue()) == "file.too_large"


def test_b4_proof_of_10000_pixels_a_side_is_accepted():
    out = io.BytesIO()
    Image.new("L", (10_000, 2)).save(out, format="PNG")
    assert validate_proof_image(out.getvalue()) == "image/png"
