"""LocalFileStore: what the embedded mode keeps proof images in (B4)."""

from __future__ import annotations

import hashlib
import os

import pytest

from crmkit.filestore.local import LocalFileStore
from crmkit.filestore.port import FileNotFound, FileStoreError

PREFIX = "tenant-1/collections"


@pytest.fixture
def store(tmp_path):
    return LocalFileStore(tmp_path / "files", signing_secret="test-secret")


def leftover_temp_files(root):
    return [path for path in root.rglob("*") if path.name.startswith(".upload-")]


def test_b4_stored_proof_reads_back_byte_for_byte(store, tmp_path):
    data = os.urandom(100_000)
    stored = store.put(data, content_type="image/webp", prefix=PREFIX)
    assert store.get(stored.key) == data
    assert stored.size == len(data)
    assert stored.content_type == "image/webp"
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "files" / stored.key).read_bytes() == data


def test_b4_puts_leave_no_temp_files(store, tmp_path):
    for n in range(5):
        store.put(b"proof %d" % n, content_type="image/png", prefix=PREFIX)
    assert leftover_temp_files(tmp_path) == []


def test_b4_failed_write_leaves_neither_temp_nor_partial_file(store, tmp_path, monkeypatch):
    # given a disk that fails at the final rename
    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    # when a proof is stored, then the caller hears of it and nothing is left behind
    with pytest.raises(FileStoreError):
        store.put(b"proof", content_type="image/png", prefix=PREFIX)
    assert [path for path in (tmp_path / "files").rglob("*") if path.is_file()] == []


def test_b4_missing_proof_is_not_found(store):
    with pytest.raises(FileNotFound) as caught:
        store.get("tenant-1/collections/2025/01/ab/0123456789abcdef0123456789abcdef.jpg")
    assert caught.value.key.endswith(".jpg")


def test_b4_deleted_proof_is_gone_and_a_second_delete_succeeds(store):
    stored = store.put(b"proof", content_type="image/png", prefix=PREFIX)
    store.delete(stored.key)
    store.delete(stored.key)
    with pytest.raises(FileNotFound):
        store.get(stored.key)


def test_key_through_a_symlink_out_of_the_root_is_refused(store, tmp_path):
    # given a folder inside the root that links to a place outside it
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "t1").symlink_to(outside, target_is_directory=True)
    # then the store will not read through it
    with pytest.raises(FileStoreError):
        store.get("t1/secret.txt")


def test_signing_secret_is_required(tmp_path):
    with pytest.raises(ValueError):
        LocalFileStore(tmp_path, signing_secret="")
