"""Files on local disk: the embedded mode (`make run`) and tests."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .port import FileNotFound, FileStoreError, StoredFile, build_key, check_expires_in, check_key, sha256_hex
from .signing import sign_path

# Written next to the final file so os.replace stays a rename within one file system.
_TEMP_PREFIX = ".upload-"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_file_id() -> str:
    return uuid.uuid4().hex


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the folder entry is on disk too.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalFileStore:
    def __init__(
        self,
        root: Path,
        *,
        signing_secret: str,
        clock: Callable[[], datetime] = _utcnow,
        new_file_id: Callable[[], str] = _new_file_id,
    ):
        if not signing_secret:
            raise ValueError("a signing secret is required for local download URLs")
        self._root = Path(root).resolve()
        self._secret = signing_secret
        self._clock = clock
        self._new_file_id = new_file_id

    def _path(self, key: str) -> Path:
        check_key(key)
        path = (self._root / key).resolve()
        # check_key already refuses "..", but a symlink inside the root could still point out.
        if not path.is_relative_to(self._root):
            raise FileStoreError(f"key {key!r} resolves outside the store root")
        return path

    def put(self, data: bytes, *, content_type: str, prefix: str) -> StoredFile:
        digest = sha256_hex(data)
        key = build_key(
            prefix, sha256=digest, content_type=content_type, now=self._clock(), file_id=self._new_file_id()
        )
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as temp:
                    temp.write(data)
                    temp.flush()
                    os.fsync(temp.fileno())
                # A reader sees either no file or the whole file, never a half-written one.
                os.replace(temp_name, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp_name)
                raise
            _fsync_dir(path.parent)
        except OSError as exc:
            raise FileStoreError(f"could not write {key}: {exc}") from exc
        return StoredFile(key=key, size=len(data), content_type=content_type, sha256=digest)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileNotFound(key) from None
        except OSError as exc:
            raise FileStoreError(f"could not read {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        """Deleting a missing file is not an error, as with S3: a retried delete must succeed."""
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise FileStoreError(f"could not delete {key}: {exc}") from exc

    def url(self, key: str, *, expires_in: int = 300) -> str:
        check_key(key)
        expires = int(self._clock().timestamp()) + check_expires_in(expires_in)
        return sign_path(key, expires=expires, secret=self._secret)
