"""Key layout, prefix and key validation, signed local download paths (B4 proof images)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from crmkit.filestore.local import LocalFileStore
from crmkit.filestore.port import (
    FileNotFound,
    build_key,
    check_key,
    content_type_for,
    validate_prefix,
)
from crmkit.filestore.signing import verify_signed_path

NOW = datetime(2025, 3, 7, 9, 30, tzinfo=UTC)
FILE_ID = "0123456789abcdef0123456789abcdef"
SECRET = "test-signing-secret"


def fixed_store(root, now=NOW):
    return LocalFileStore(root, signing_secret=SECRET, clock=lambda: now, new_file_id=lambda: FILE_ID)


def split_signed(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path.startswith("/files/")
    return parts.path.removeprefix("/files/"), query["expires"][0], query["sig"][0]


def test_b4_key_is_prefix_year_month_hash_byte_and_random_id(tmp_path):
    # given a store with a fixed clock and id
    data = b"receipt bytes"
    digest = hashlib.sha256(data).hexdigest()
    # when a proof is stored
    stored = fixed_store(tmp_path).put(data, content_type="image/jpeg", prefix="tenant-1/collections")
    # then the key follows <prefix>/<yyyy>/<mm>/<sha256[:2]>/<uuid4hex>.<ext>
    assert stored.key == f"tenant-1/collections/2025/03/{digest[:2]}/{FILE_ID}.jpg"
    assert stored.sha256 == digest


def test_b4_same_receipt_uploaded_twice_gets_two_keys(tmp_path):
    store = LocalFileStore(tmp_path, signing_secret=SECRET)
    first = store.put(b"same", content_type="image/png", prefix="t1/collections")
    second = store.put(b"same", content_type="image/png", prefix="t1/collections")
    assert first.key != second.key
    assert re.fullmatch(r"t1/collections/\d{4}/\d{2}/[0-9a-f]{2}/[0-9a-f]{32}\.png", first.key)


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [("image/jpeg", "jpg"), ("image/png", "png"), ("image/webp", "webp"), ("text/plain", "bin")],
)
def test_key_extension_follows_content_type(content_type, extension):
    key = build_key("t1", sha256="ab" * 32, content_type=content_type, now=NOW, file_id=FILE_ID)
    assert key.endswith(f".{extension}")


@pytest.mark.parametrize(
    ("key", "content_type"),
    [("t/a.jpg", "image/jpeg"), ("t/a.webp", "image/webp"), ("t/a.bin", "application/octet-stream")],
)
def test_content_type_is_read_back_from_the_key(key, content_type):
    assert content_type_for(key) == content_type


@pytest.mark.parametrize("prefix", ["tenant-1/collections", "T_1", "a/b-c/d_e"])
def test_valid_prefixes_are_accepted(prefix):
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize(
    "prefix",
    ["../x", "a/../b", "..", ".", "a/./b", "/abs", "a//b", "a/", "", "a b", "tenant.1", "a\\b", "租户", "a" * 201],
)
def test_b4_prefix_that_could_escape_or_confuse_is_refused(tmp_path, prefix):
    with pytest.raises(ValueError):
        validate_prefix(prefix)
    with pytest.raises(ValueError):
        fixed_store(tmp_path).put(b"x", content_type="image/png", prefix=prefix)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "key", ["../etc/passwd.txt", "t/../../x.jpg", "/etc/passwd.jpg", "t/a", "t/.hidden.jpg", "t//a.jpg"]
)
def test_key_no_store_could_make_is_not_found(tmp_path, key):
    with pytest.raises(FileNotFound):
        check_key(key)
    with pytest.raises(FileNotFound):
        fixed_store(tmp_path).get(key)


def test_b4_signed_local_url_verifies_until_it_expires(tmp_path):
    # given a stored proof and a 300 s download URL
    store = fixed_store(tmp_path)
    stored = store.put(b"proof", content_type="image/png", prefix="t1/collections")
    key, expires, sig = split_signed(store.url(stored.key, expires_in=300))
    # then it names the key, expires 300 s from now and verifies up to that second
    assert key == stored.key
    assert int(expires) == int(NOW.timestamp()) + 300
    assert verify_signed_path(key, expires, sig, SECRET, NOW)
    assert verify_signed_path(key, expires, sig, SECRET, NOW + timedelta(seconds=300))
    # and not one second later
    assert not verify_signed_path(key, expires, sig, SECRET, NOW + timedelta(seconds=301))


def test_b4_tampered_signed_url_is_refused(tmp_path):
    store = fixed_store(tmp_path)
    key, expires, sig = split_signed(store.url("t1/collections/2025/03/ab/" + FILE_ID + ".png"))
    other_key = "t2/collections/2025/03/ab/" + FILE_ID + ".png"
    assert not verify_signed_path(other_key, expires, sig, SECRET, NOW)  # another tenant's file
    assert not verify_signed_path(key, str(int(expires) + 3600), sig, SECRET, NOW)  # a longer life
    assert not verify_signed_path(key, expires, sig[:-1] + ("0" if sig[-1] != "0" else "1"), SECRET, NOW)
    assert not verify_signed_path(key, expires, sig, "another-secret", NOW)
    assert not verify_signed_path(key, "soon", sig, SECRET, NOW)
    assert not verify_signed_path(key, expires, "", SECRET, NOW)


@pytest.mark.parametrize("expires_in", [0, -1, 7 * 24 * 3600 + 1])
def test_url_lifetime_out_of_range_is_refused(tmp_path, expires_in):
    with pytest.raises(ValueError):
        fixed_store(tmp_path).url("t1/a.png", expires_in=expires_in)
