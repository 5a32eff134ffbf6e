"""The material library (D6, 素材库): documents, images, videos and scripts (话术) uploaded by the
owner and store managers; salespeople find the ones that are on, open or download them, and share
them like articles (the same share links, views, visitors and reading beats).

Files live in the file store under `<tenant>/materials` (the store picks the key); the row keeps
the key, the sniffed type, the size and the uploader's file name. Bytes never cross a transaction:
the file is stored before its row is written (and removed if the row is not), and read after the
row said who may.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable
from crmkit.filestore import FileNotFound, FileStore, FileStoreError
from crmkit.paging import Page

from ..domain import materials as rules
from ..domain import shares
from ..errors import ErrorCode
from ..models import MaterialRow, ShareRow, ViewRow, VisitorRow
from .access import is_admin, require_admin, require_service, require_staff
from .material_views import MaterialView, material_view
from .sharing import ShareView, live_material, log_share, root_share, share_by_token, share_view

STATES = ("", "on", "off")
# Bytes per streamed message: well under the 8 MB a gRPC message may carry.
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class MaterialFields:
    title: str
    kind: str
    folder: str = ""
    text: str = ""
    file_name: str = ""


@dataclass(frozen=True)
class MaterialPage:
    materials: list[MaterialView]
    page: int
    page_size: int
    total: int
    folders: list[str]


@dataclass(frozen=True)
class FileRead:
    """The facts of a file read and its bytes, streamed in CHUNK pieces."""

    content_type: str
    size: int
    file_name: str
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class Recipient:
    visitor_id: str
    nickname: str
    phone: str
    staff_id: str
    views: int
    seconds: int
    last_view_at: datetime


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=fields)


def _not_found(material_id: str) -> NotFound:
    return NotFound(ErrorCode.MATERIAL_NOT_FOUND, params={"id": material_id})


def _configured(store: FileStore | None) -> FileStore:
    # A runtime built without a file store still serves scripts and everything else; only the
    # file calls say what is missing instead of guessing a store.
    if store is None:
        raise Unavailable(ErrorCode.FILE_STORE_NOT_CONFIGURED)
    return store


def _checked(fields: MaterialFields) -> MaterialFields:
    problems = rules.check_fields(fields.title, fields.kind, fields.folder, fields.text, fields.file_name)
    if problems:
        raise _invalid(problems)
    script = fields.kind == rules.SCRIPT
    return MaterialFields(
        title=fields.title.strip(),
        kind=fields.kind,
        folder=fields.folder.strip(),
        text=fields.text.strip() if script else "",
        file_name="" if script else rules.clean_file_name(fields.file_name),
    )


def _collect(kind: str, chunks: Iterable[bytes]) -> bytes:
    """The uploaded bytes, refused as soon as they pass the kind's limit (the rest is not read)."""
    limit = rules.MAX_BYTES[kind]
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > limit:
            raise _invalid({"file": rules.TOO_LARGE})
    return bytes(data)


def upload_material(
    db: Database,
    actor: Actor,
    store: FileStore | None,
    fields: MaterialFields,
    chunks: Iterable[bytes],
    *,
    now: datetime,
) -> MaterialView:
    """A new material, off until switched on. A script carries its text and no file; a file's own
    bytes decide its type (the kind's types only) within the kind's size limit."""
    staff_id = require_admin(actor)
    fields = _checked(fields)
    key, content_type, size = "", "", 0
    if fields.kind == rules.SCRIPT:
        if any(chunks):
            raise _invalid({"file": "validation.not_allowed"})
    else:
        store = _configured(store)
        data = _collect(fields.kind, chunks)
        try:
            content_type = rules.check_file(fields.kind, data)
        except rules.Rejected as exc:
            raise _invalid({"file": exc.message_key}) from None
        try:
            stored = store.put(data, content_type=content_type, prefix=f"{actor.tenant_id}/materials")
        except FileStoreError as exc:
            raise Unavailable(ErrorCode.FILE_STORE_UNAVAILABLE) from exc
        key, size = stored.key, stored.size
    try:
        with db.uow() as uow:
            row = MaterialRow(
                tenant_id=actor.tenant_id,
                title=fields.title,
                kind=fields.kind,
                folder=fields.folder,
                text=fields.text,
                file_key=key,
                content_type=content_type,
                size=size,
                file_name=fields.file_name,
                active=False,
                created_by=staff_id,
                created_at=now,
                updated_at=now,
                view_count=0,
                reader_count=0,
                download_count=0,
                share_count=0,
                read_seconds=0,
            )
            uow.session.add(row)
            uow.commit()
            return material_view(row)
    except Exception:
        # Without its row the file can never be reached: do not leave it behind.
        if key:
            store.delete(key)
        raise


def _material(uow: UnitOfWork, actor: Actor, material_id: str, *, lock: bool = False) -> MaterialRow:
    stmt = select(MaterialRow).where(MaterialRow.tenant_id == actor.tenant_id, MaterialRow.id == material_id)
    row = uow.session.scalar(stmt.with_for_update() if lock else stmt)
    # A salesperson does not see a material that is off: the same answer as a missing one.
    if row is None or not (row.active or is_admin(actor)):
        raise _not_found(material_id)
    return row


def update_material(
    db: Database, actor: Actor, material_id: str, title: str, folder: str, text: str, *, now: datetime
) -> MaterialView:
    """Title and folder; a script's text too (a file is replaced by uploading anew)."""
    require_admin(actor)
    with db.uow() as uow:
        row = _material(uow, actor, material_id, lock=True)
        fields = _checked(MaterialFields(title, row.kind, folder, text if row.kind == rules.SCRIPT else ""))
        row.title, row.folder, row.updated_at = fields.title, fields.folder, now
        if row.kind == rules.SCRIPT:
            row.text = fields.text
        uow.commit()
        return material_view(row)


def set_material_active(db: Database, actor: Actor, material_id: str, active: bool, *, now: datetime) -> MaterialView:
    require_admin(actor)
    with db.uow() as uow:
        row = _material(uow, actor, material_id, lock=True)
        if row.active != active:
            row.active, row.updated_at = active, now
        uow.commit()
        return material_view(row)


def delete_material(db: Database, actor: Actor, material_id: str, store: FileStore | None) -> None:
    """The row goes, then its file (a file left by a failed delete is unreachable, never the
    reverse). Its links then answer SHARE_NOT_FOUND; past views stay in the visitors' trails."""
    require_admin(actor)
    with db.uow() as uow:
        row = _material(uow, actor, material_id, lock=True)
        key = row.file_key
        uow.session.delete(row)
        uow.commit()
    if key and store is not None:
        try:
            store.delete(key)
        except FileStoreError:
            pass  # unreachable without its row; a storage sweep may collect it


def get_material(db: Database, actor: Actor, material_id: str) -> MaterialView:
    require_staff(actor)
    with db.reader() as uow:
        return material_view(_material(uow, actor, material_id))


def list_materials(
    db: Database, actor: Actor, page: Page, *, q: str, kind: str, folder: str, state: str
) -> MaterialPage:
    """Newest first. Salespeople see the materials that are on, whatever state they ask for."""
    require_staff(actor)
    problems = {}
    if state not in STATES:
        problems["state"] = "validation.invalid_choice"
    if kind and kind not in rules.KINDS:
        problems["kind"] = "validation.invalid_choice"
    if problems:
        raise _invalid(problems)
    m = MaterialRow
    scope = select(m).where(m.tenant_id == actor.tenant_id)
    if not is_admin(actor):
        state = "on"
    if state:
        scope = scope.where(m.active.is_(state == "on"))
    stmt = scope
    if kind:
        stmt = stmt.where(m.kind == kind)
    if folder.strip():
        stmt = stmt.where(m.folder == folder.strip())
    if q.strip():
        stmt = stmt.where(m.title.contains(q.strip(), autoescape=True))
    with db.reader() as uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(m.created_at.desc(), m.id).offset(page.offset).limit(page.page_size)
        ).all()
        folders = uow.session.scalars(
            select(m.folder)
            .where(m.id.in_(scope.with_only_columns(m.id)), m.folder != "")
            .distinct()
            .order_by(m.folder)
        ).all()
        return MaterialPage([material_view(r) for r in rows], page.page, page.page_size, total, list(folders))


def _read(store: FileStore | None, key: str, offset: int, length: int) -> tuple[bytes, int]:
    """(the asked range, the file's whole size). Out of range → InvalidInput on `offset`."""
    store = _configured(store)
    try:
        data = store.get(key)
    except FileNotFound:
        raise NotFound(ErrorCode.MATERIAL_NOT_FOUND) from None
    except FileStoreError as exc:
        raise Unavailable(ErrorCode.FILE_STORE_UNAVAILABLE) from exc
    span = rules.byte_range(len(data), offset, length)
    if span is None:
        raise _invalid({"offset": "validation.past_end_of_file"})
    return data[span[0] : span[1]], len(data)


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def _counted_download(uow: UnitOfWork, row: MaterialRow, download: bool, offset: int) -> None:
    # A download is the whole file asked for as one: a player's later ranges are not new ones.
    if download and offset == 0:
        uow.session.execute(
            update(MaterialRow).where(MaterialRow.id == row.id).values(download_count=MaterialRow.download_count + 1)
        )


def read_material_file(
    db: Database, actor: Actor, store: FileStore | None, material_id: str, offset: int, length: int, download: bool
) -> FileRead:
    """Staff open or download a material's file; a script has none (NOT_FOUND)."""
    require_staff(actor)
    with db.uow() as uow:
        row = _material(uow, actor, material_id)
        if not row.file_key:
            raise _not_found(material_id)
        key, content_type, file_name = row.file_key, row.content_type, row.file_name
        data, size = _read(store, key, offset, length)
        _counted_download(uow, row, download, offset)
        uow.commit()
    return FileRead(content_type, size, file_name, _chunks(data))


def read_shared_file(
    db: Database, actor: Actor, store: FileStore | None, token: str, offset: int, length: int, download: bool
) -> FileRead:
    """Public: the file of a shared material, by its share token (the only credential)."""
    require_service(actor)
    with db.uow() as uow:
        share = share_by_token(uow, token)
        row = live_material(uow, share)
        if not row.file_key:
            raise NotFound(ErrorCode.SHARE_NOT_FOUND)
        key, content_type, file_name = row.file_key, row.content_type, row.file_name
        data, size = _read(store, key, offset, length)
        _counted_download(uow, row, download, offset)
        uow.commit()
    return FileRead(content_type, size, file_name, _chunks(data))


def share_material(db: Database, actor: Actor, material_id: str, method: str, *, now: datetime) -> ShareView:
    """My link to a material that is on (one per method), counted as a share."""
    staff_id = require_staff(actor)
    method = method or shares.LINK
    if method not in (shares.LINK, shares.POSTER):
        raise _invalid({"method": "validation.invalid_choice"})
    with db.uow() as uow:
        row = uow.session.scalar(
            select(MaterialRow).where(MaterialRow.tenant_id == actor.tenant_id, MaterialRow.id == material_id)
        )
        if row is None or not (row.active or is_admin(actor)):
            raise _not_found(material_id)
        if not row.active:
            raise Conflict(ErrorCode.MATERIAL_INACTIVE)
        share = root_share(uow, actor.tenant_id, staff_id, shares.MATERIAL, row.id, method, now)
        log_share(uow, share, now)
        uow.session.execute(
            update(MaterialRow).where(MaterialRow.id == row.id).values(share_count=MaterialRow.share_count + 1)
        )
        uow.commit()
        return share_view(share)


RECIPIENTS_MAX = 500


def list_recipients(db: Database, actor: Actor, material_id: str) -> list[Recipient]:
    """Who opened the material, per visitor: views, visible seconds, last view; most recent first.
    Salespeople see the views through their own links (their chains), the owner and store
    managers everyone's."""
    staff_id = require_staff(actor)
    with db.reader() as uow:
        row = _material(uow, actor, material_id)
        v, s, who = ViewRow, ShareRow, VisitorRow
        last = func.max(v.created_at)
        stmt = (
            select(who, func.count(v.id), func.coalesce(func.sum(v.seconds), 0), last)
            .select_from(v)
            .join(s, s.id == v.share_id)
            .join(who, who.id == v.visitor_id)
            .where(v.tenant_id == actor.tenant_id, v.kind == shares.MATERIAL, v.item_id == row.id)
            .group_by(who.id)
            .order_by(last.desc(), who.id)
            .limit(RECIPIENTS_MAX)
        )
        if not is_admin(actor):
            stmt = stmt.where(s.sharer_staff_id == staff_id)
        return [
            Recipient(visitor.id, visitor.nickname, visitor.phone, visitor.staff_id, int(n), int(seconds), at)
            for visitor, n, seconds, at in uow.session.execute(stmt).all()
        ]
