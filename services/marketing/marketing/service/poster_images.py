"""Uploaded poster pictures (D4 own uploads): the tenant's templates by theme (owner and store
managers upload and delete them, every salesperson draws on them) and each salesperson's own
pictures (theirs alone). The bytes go to the file store under `<tenant>/posters`; the row says
whose they are, so no one reaches a file by guessing its key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import InvalidInput, NotFound, Unavailable
from crmkit.filestore import FileNotFound, FileRejected, FileStore, FileStoreError

from .. import images
from ..domain.posters import DEFAULT_POSITION, POSITIONS, THEMES
from ..errors import ErrorCode
from ..models import PosterImageRow
from .access import require_admin, require_staff

TEMPLATE, OWN = "template", "own"
PURPOSES = (TEMPLATE, OWN)
NAME_MAX = 30
LIST_MAX = 200


@dataclass(frozen=True)
class PosterImage:
    id: str
    purpose: str
    theme: str
    name: str
    qr_position: str
    staff_id: str
    content_type: str
    size: int
    width: int
    height: int
    created_at: datetime


def _view(row: PosterImageRow) -> PosterImage:
    return PosterImage(
        row.id,
        row.purpose,
        row.theme,
        row.name,
        row.qr_position,
        row.staff_id,
        row.content_type,
        row.size,
        row.width,
        row.height,
        row.created_at,
    )


def configured(store: FileStore | None) -> FileStore:
    # A runtime built without a file store serves everything else; uploads say what is missing.
    if store is None:
        raise Unavailable(ErrorCode.FILE_STORE_NOT_CONFIGURED)
    return store


def _checked_fields(purpose: str, theme: str, name: str, qr_position: str) -> tuple[str, str]:
    """(theme, position) to keep; InvalidInput naming every bad field."""
    problems = {}
    if purpose not in PURPOSES:
        problems["purpose"] = "validation.invalid_choice"
    if purpose == TEMPLATE and theme not in THEMES:
        problems["theme"] = "validation.invalid_choice"
    if len(name) > NAME_MAX:
        problems["name"] = "validation.too_long"
    position = qr_position or DEFAULT_POSITION
    if position not in POSITIONS:
        problems["qr_position"] = "validation.invalid_choice"
    if problems:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=problems)
    return (theme if purpose == TEMPLATE else ""), position


def upload(
    db: Database,
    actor: Actor,
    store: FileStore | None,
    data: bytes,
    *,
    purpose: str,
    theme: str,
    name: str,
    qr_position: str,
    now: datetime,
) -> PosterImage:
    """A template (owner, store managers) or my own picture (any staff). Fields first, then the
    bytes (JPEG, PNG, WebP, ≤ 5 MB, ≤ 40 megapixels), then the store, then the row; a row that
    cannot be written takes its file with it."""
    staff_id = require_admin(actor) if purpose == TEMPLATE else require_staff(actor)
    name = name.strip()
    theme, position = _checked_fields(purpose, theme, name, qr_position)
    store = configured(store)
    try:
        checked = images.check(data)
    except FileRejected as exc:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"file": exc.message_key}) from None
    try:
        stored = store.put(data, content_type=checked.content_type, prefix=f"{actor.tenant_id}/posters")
    except FileStoreError as exc:
        raise Unavailable(ErrorCode.FILE_STORE_UNAVAILABLE) from exc
    try:
        with db.uow() as uow:
            row = PosterImageRow(
                tenant_id=actor.tenant_id,
                purpose=purpose,
                theme=theme,
                name=name,
                qr_position=position,
                staff_id=staff_id,
                file_key=stored.key,
                content_type=stored.content_type,
                size=stored.size,
                width=checked.width,
                height=checked.height,
                created_at=now,
            )
            uow.session.add(row)
            uow.commit()
            return _view(row)
    except Exception:
        store.delete(stored.key)
        raise


def list_images(db: Database, actor: Actor, *, purpose: str, theme: str) -> list[PosterImage]:
    """The tenant's templates (any staff; of one theme when given) or my own pictures, newest
    first."""
    staff_id = require_staff(actor)
    problems = {}
    if purpose not in PURPOSES:
        problems["purpose"] = "validation.invalid_choice"
    if theme and theme not in THEMES:
        problems["theme"] = "validation.invalid_choice"
    if problems:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=problems)
    query = select(PosterImageRow).where(PosterImageRow.tenant_id == actor.tenant_id, PosterImageRow.purpose == purpose)
    if purpose == OWN:
        query = query.where(PosterImageRow.staff_id == staff_id)
    elif theme:
        query = query.where(PosterImageRow.theme == theme)
    with db.reader() as uow:
        rows = uow.session.scalars(
            query.order_by(PosterImageRow.created_at.desc(), PosterImageRow.id).limit(LIST_MAX)
        ).all()
        return [_view(r) for r in rows]


def visible_row(session, actor: Actor, image_id: str) -> PosterImageRow:
    """A template of my tenant or my own picture; NOT_FOUND otherwise (another tenant's and
    another salesperson's own look the same as missing)."""
    row = session.scalar(
        select(PosterImageRow).where(PosterImageRow.tenant_id == actor.tenant_id, PosterImageRow.id == image_id)
    )
    if row is None or (row.purpose == OWN and row.staff_id != actor.staff_id):
        raise NotFound(ErrorCode.POSTER_IMAGE_NOT_FOUND, params={"id": image_id})
    return row


def read(db: Database, actor: Actor, store: FileStore | None, image_id: str) -> tuple[bytes, str]:
    """A picture's bytes and type (thumbnails in the pickers)."""
    require_staff(actor)
    store = configured(store)
    with db.reader() as uow:
        row = visible_row(uow.session, actor, image_id)
        key, content_type = row.file_key, row.content_type
    return stored_bytes(store, key, image_id), content_type


def stored_bytes(store: FileStore, key: str, image_id: str) -> bytes:
    try:
        return store.get(key)
    except FileNotFound:
        raise NotFound(ErrorCode.POSTER_IMAGE_NOT_FOUND, params={"id": image_id}) from None
    except FileStoreError as exc:
        raise Unavailable(ErrorCode.FILE_STORE_UNAVAILABLE) from exc


def delete(db: Database, actor: Actor, store: FileStore | None, image_id: str) -> None:
    """A template (owner, store managers) or my own picture. Posters made from it keep their
    links (readers still reach the card); they can no longer be redrawn from it."""
    require_staff(actor)
    store = configured(store)
    with db.uow() as uow:
        row = visible_row(uow.session, actor, image_id)
        if row.purpose == TEMPLATE:
            require_admin(actor)
        key = row.file_key
        uow.session.delete(row)
        uow.commit()
    try:
        store.delete(key)
    except FileStoreError:
        pass  # the row is gone, so nothing reaches the file any more; a stray file harms no one
