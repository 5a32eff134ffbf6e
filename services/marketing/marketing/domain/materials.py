"""Materials (D6, 素材库): what an upload may be, decided by its own bytes.

A browser guesses a file's type from its name, so a renamed file would otherwise be stored, and
later served to customers, as something it is not. The first bytes (and, for the zip-based
office formats, the names inside the archive) decide the content type; the kind the admin chose
must match it, and each kind has its own size limit.
"""

from __future__ import annotations

import io
import zipfile

DOCUMENT = "document"
IMAGE = "image"
VIDEO = "video"
SCRIPT = "script"  # 话术: text only, no file
KINDS = (DOCUMENT, IMAGE, VIDEO, SCRIPT)
FILE_KINDS = (DOCUMENT, IMAGE, VIDEO)

MB = 1024 * 1024
MAX_BYTES = {IMAGE: 10 * MB, DOCUMENT: 20 * MB, VIDEO: 100 * MB}
# The largest of them: what an upload may carry at all before its kind is even looked at.
MAX_ANY_BYTES = max(MAX_BYTES.values())

TITLE_MAX = 100
FOLDER_MAX = 20
FILE_NAME_MAX = 200
SCRIPT_MAX = 5000

# The message keys a rejected file is named with (as crmkit.filestore.images).
TOO_LARGE = "file.material_too_large"
UNSUPPORTED_TYPE = "file.material_type"
EMPTY = "file.empty"

PDF = "application/pdf"
_OOXML = "application/vnd.openxmlformats-officedocument"
DOCX = f"{_OOXML}.wordprocessingml.document"
XLSX = f"{_OOXML}.spreadsheetml.sheet"
PPTX = f"{_OOXML}.presentationml.presentation"
JPEG, PNG, WEBP, GIF = "image/jpeg", "image/png", "image/webp", "image/gif"
MP4, MOV = "video/mp4", "video/quicktime"

TYPES = {DOCUMENT: (PDF, DOCX, XLSX, PPTX), IMAGE: (JPEG, PNG, WEBP, GIF), VIDEO: (MP4, MOV)}
# The folder inside an Office Open XML archive that says which application made it.
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))


class Rejected(ValueError):
    """The file is not acceptable; `message_key` is what the admin is shown on the `file` field."""

    def __init__(self, message_key: str):
        super().__init__(message_key)
        self.message_key = message_key


def _office_type(data: bytes) -> str | None:
    """An Office Open XML document by the parts its archive holds; any other zip is unknown.
    Only the central directory is read (no member is decompressed), so a zip bomb costs nothing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, content_type in _OOXML_PARTS:
        if any(name.startswith(folder) for name in names):
            return content_type
    return None


def sniff(data: bytes) -> str | None:
    """The content type the bytes announce, among those materials may be, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if len(data) >= 12 and data[4:8] == b"ftyp":
        # ISO base media: the major brand tells QuickTime from the MP4 family (isom, mp42, avc1…).
        return MOV if data[8:12] == b"qt  " else MP4
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def check_file(kind: str, data: bytes) -> str:
    """The content type to store and serve the file as; Rejected when it is empty, over the
    kind's limit, or not one of the kind's types."""
    if not data:
        raise Rejected(EMPTY)
    if len(data) > MAX_BYTES[kind]:
        raise Rejected(TOO_LARGE)
    content_type = sniff(data)
    if content_type not in TYPES[kind]:
        raise Rejected(UNSUPPORTED_TYPE)
    return content_type


def check_fields(title: str, kind: str, folder: str, text: str, file_name: str) -> dict[str, str]:
    """Every bad field at once (field -> message key); empty when all are good."""
    problems = {}
    if not title.strip():
        problems["title"] = "validation.required"
    elif len(title.strip()) > TITLE_MAX:
        problems["title"] = "validation.too_long"
    if kind not in KINDS:
        problems["kind"] = "validation.invalid_choice"
    if len(folder.strip()) > FOLDER_MAX:
        problems["folder"] = "validation.too_long"
    if kind == SCRIPT and not text.strip():
        problems["text"] = "validation.required"
    elif len(text) > SCRIPT_MAX:
        problems["text"] = "validation.too_long"
    if len(file_name) > FILE_NAME_MAX:
        problems["file_name"] = "validation.too_long"
    return problems


def clean_file_name(name: str) -> str:
    """The name offered on download: no path, no control characters, within the limit."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    return name.strip()[:FILE_NAME_MAX]


def byte_range(size: int, offset: int, length: int) -> tuple[int, int] | None:
    """The [start, end) of a read of `length` bytes (0: to the end) from `offset`, or None when
    it starts past the end or is negative."""
    if offset < 0 or length < 0 or (offset >= size and size > 0) or (size == 0 and offset > 0):
        return None
    end = size if length == 0 else min(size, offset + length)
    return offset, end
