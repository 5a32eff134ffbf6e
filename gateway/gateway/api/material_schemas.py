"""Schemas of the material library (D6): documents, images, videos and scripts (话术)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, File, Integer, List, Nested, String
from apiflask.validators import OneOf

from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import text

KINDS = ("document", "image", "video", "script")
FILE_KINDS = ("document", "image", "video")
STATES = ("", "on", "off")


class MaterialQuery(PageQuery):
    q = text(100, load_default="", metadata={"description": "Words of the title"})
    kind = String(load_default="", validate=OneOf(("", *KINDS), error="validation.invalid_choice"))
    folder = text(20, load_default="")
    state = String(
        load_default="",
        validate=OneOf(STATES, error="validation.invalid_choice"),
        metadata={"description": "on / off (owner, store manager); salespeople always see those on"},
    )


class ScriptIn(Schema):
    title = text(100, required=True)
    folder = text(20, load_default="")
    text = text(5000, required=True, metadata={"description": "The script (话术) itself"})


class MaterialUploadIn(Schema):
    """Multipart: the file with the material's fields beside it."""

    file = File(
        required=True,
        metadata={
            "description": "document: PDF, Word, Excel, PowerPoint ≤ 20 MB; image: JPEG, PNG, WebP, GIF ≤ 10 MB; "
            "video: MP4, MOV ≤ 100 MB. The file's own bytes decide its type, not its name"
        },
    )
    title = text(100, required=True)
    kind = String(required=True, validate=OneOf(FILE_KINDS, error="validation.invalid_choice"))
    folder = text(20, load_default="")


class MaterialUpdateIn(Schema):
    title = text(100, required=True)
    folder = text(20, load_default="")
    text = text(5000, load_default="", metadata={"description": "Scripts only; ignored for files"})


class MaterialActiveIn(Schema):
    active = Boolean(required=True)


class MaterialFileQuery(Schema):
    download = Boolean(load_default=False, metadata={"description": "true: offered as a download, and counted as one"})


class MaterialOut(Schema):
    id = String()
    title = String()
    kind = String(metadata={"description": "document, image, video or script"})
    folder = String()
    text = String(metadata={"description": "A script's text; empty for files"})
    file_name = String()
    content_type = String()
    size = Integer(metadata={"format": "int64", "description": "Bytes"})
    active = Boolean()
    created_by = String()
    created_at = DateTime()
    updated_at = DateTime()
    view_count = Integer()
    reader_count = Integer()
    download_count = Integer()
    share_count = Integer()
    read_seconds = Integer()
    file_url = String(
        metadata={"description": "Staff: the file through the gateway (with your token); empty for scripts"}
    )


class MaterialListOut(Schema):
    materials = List(Nested(MaterialOut))
    folders = List(String(), metadata={"description": "The folders in use, for the filter"})
    page = Nested(PageOut)


class MaterialRecipientOut(Schema):
    visitor_id = String()
    nickname = String()
    phone = String()
    staff_id = String(metadata={"description": "The salesperson whose link brought the views"})
    views = Integer()
    seconds = Integer(metadata={"description": "Visible seconds in all"})
    last_view_at = DateTime()


class MaterialRecipientsOut(Schema):
    recipients = List(Nested(MaterialRecipientOut))


def material_dict(m) -> dict:
    return {
        "id": m.id,
        "title": m.title,
        "kind": m.kind,
        "folder": m.folder,
        "text": m.text,
        "file_name": m.file_name,
        "content_type": m.content_type,
        "size": m.size,
        "active": m.active,
        "created_by": m.created_by,
        "created_at": datetime_of(m, "created_at"),
        "updated_at": datetime_of(m, "updated_at"),
        "view_count": m.view_count,
        "reader_count": m.reader_count,
        "download_count": m.download_count,
        "share_count": m.share_count,
        "read_seconds": m.read_seconds,
        "file_url": f"/api/v1/materials/{m.id}/file" if m.content_type else "",
    }


def recipient_dict(r) -> dict:
    return {
        "visitor_id": r.visitor_id,
        "nickname": r.nickname,
        "phone": r.phone,
        "staff_id": r.staff_id,
        "views": r.views,
        "seconds": r.seconds,
        "last_view_at": datetime_of(r, "last_view_at"),
    }
