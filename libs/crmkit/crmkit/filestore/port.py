"""The file-store port: where proof images (B4) and other uploads live.

Local disk in the embedded mode and tests, an S3-compatible bucket in production. The store, not
the caller, chooses the key, so a client can never pick or overwrite another tenant's file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class FileStoreError(Exception):
    """The store could not do its job (disk, network, server): the caller may retry later."""


class FileNotFound(FileStoreError):
    def __init__(self, key: str):
        super().__init__(f"no file under key {key!r}")
        self.key = key


class FileRejected(FileStoreError):
    """The uploaded content itself is not acceptable; `message_key` is what a person is shown."""

    def __init__(self, message_key: str, detail: str = ""):
        super().__init__(f"{message_key}: {detail}" if detail else message_key)
        self.message_key = message_key


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    content_type: str
    sha256: str


class FileStore(Protocol):
    def put(self, data: bytes, *, content_type: str, prefix: str) -> StoredFile: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def url(self, key: str, *, expires_in: int = 300) -> str: ...


# A segment is letters, digits, "_" or "-": no "." at all, so "..", "." and hidden names are
# impossible and a prefix can never climb out of its tenant's folder.
_PREFIX = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
# Keys add one extension to the last segment; anything else was not made by build_key.
_KEY = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.[a-z0-9]{1,8}")
_MAX_PREFIX = 200
_MAX_EXPIRES_IN = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live

_OOXML = "application/vnd.openxmlformats-officedocument"
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    # Marketing's materials (D6): office documents, GIFs and videos.
    "image/gif": "gif",
    f"{_OOXML}.wordprocessingml.document": "docx",
    f"{_OOXML}.spreadsheetml.sheet": "xlsx",
    f"{_OOXML}.presentationml.presentation": "pptx",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
}


def validate_prefix(prefix: str) -> str:
    """A prefix comes from server code (`<tenant-id>/collections`), so a bad one is a bug: ValueError."""
    if len(prefix) > _MAX_PREFIX or not _PREFIX.fullmatch(prefix):
        raise ValueError(f"invalid file-store prefix {prefix!r}")
    return prefix


def check_key(key: str) -> str:
    """A key no store could have made names no file: FileNotFound, so a route answers 404, not 500."""
    if len(key) > _MAX_PREFIX + 64 or not _KEY.fullmatch(key):
        raise FileNotFound(key)
    return key


def check_expires_in(expires_in: int) -> int:
    if not 1 <= expires_in <= _MAX_EXPIRES_IN:
        raise ValueError(f"expires_in must be 1..{_MAX_EXPIRES_IN} seconds, got {expires_in}")
    return expires_in


def extension_for(content_type: str) -> str:
    return _EXTENSIONS.get(content_type, "bin")


def content_type_for(key: str) -> str:
    """What to serve a stored file as: the key's extension was chosen from the checked type."""
    extension = key.rsplit(".", 1)[-1]
    for content_type, known in _EXTENSIONS.items():
        if known == extension:
            return content_type
    return "application/octet-stream"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_key(prefix: str, *, sha256: str, content_type: str, now: datetime, file_id: str) -> str:
    """`<prefix>/<yyyy>/<mm>/<sha256[:2]>/<id>.<ext>`: months keep listings and lifecycle rules
    cheap, the hash byte spreads a busy month over 256 folders, the random id means two uploads of
    the same receipt never overwrite each other."""
    validate_prefix(prefix)
    if not re.fullmatch(r"[0-9a-f]{32}", file_id):
        raise ValueError("file_id must be 32 lowercase hex digits (uuid4().hex)")
    return f"{prefix}/{now:%Y}/{now:%m}/{sha256[:2]}/{file_id}.{extension_for(content_type)}"
