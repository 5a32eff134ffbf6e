"""Proof images of collections (B4): upload before filing, read or link once filed.

The store picks the key under `<tenant>/collections`; the `collection_proofs` row remembers who
uploaded it, so a filing can only reference the caller's own, still unused uploads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, NotFound, Unavailable
from crmkit.filestore import FileNotFound, FileRejected, FileStore, FileStoreError
from crmkit.filestore.images import validate_proof_image
from orders.errors import ErrorCode
from orders.models_receivables import CollectionProofRow, CollectionRow
from orders.service.access import require_staff
from orders.service.collections import collection_not_found, may_see_collection

URL_SECONDS = 300


@dataclass(frozen=True)
class ProofView:
    key: str
    content_type: str
    size: int


def _configured(store: FileStore | None) -> FileStore:
    # A runtime built without a file store (build(file_store=None)) still serves debts and
    # collections; only the proof calls say what is missing instead of guessing a store.
    if store is None:
        raise Unavailable(ErrorCode.FILE_STORE_NOT_CONFIGURED)
    return store


def upload_proof(uow: UnitOfWork, actor: Actor, store: FileStore | None, data: bytes, *, now: datetime) -> ProofView:
    """The client's content type is ignored: only the bytes decide (JPEG, PNG, WebP, <= 5 MB)."""
    staff_id = require_staff(actor)
    store = _configured(store)
    try:
        content_type = validate_proof_image(data)
    except FileRejected as exc:
        raise InvalidInput(
            ErrorCode.COLLECTION_INPUT_INVALID, exc.message_key, fields={"data": exc.message_key}
        ) from None
    try:
        stored = store.put(data, content_type=content_type, prefix=f"{actor.tenant_id}/collections")
    except FileStoreError as exc:
        raise Unavailable(ErrorCode.FILE_STORE_UNAVAILABLE) from exc
    try:
        with uow:
            uow.session.add(
                CollectionProofRow(
                    tenant_id=actor.tenant_id,
                    key=stored.key,
                    uploaded_by=staff_id,
                    content_type=stored.content_type,
                    size=stored.size,
                    collection_id=None,
                    position=0,
                    created_at=now,
                )
            )
            uow.commit()
    except Exception:
        # Without its row the file can never be referenced: do not leave it behind.
        store.delete(stored.key)
        raise
    return ProofView(stored.key, stored.content_type, stored.size)


def _proof_of(uow: UnitOfWork, actor: Actor, collection_id: str, key: str) -> tuple[str, str]:
    """(key, content type) if `key` backs a collection the caller may see; NotFound otherwise."""
    require_staff(actor)
    with uow:
        session = uow.session
        row = session.scalar(
            select(CollectionRow).where(CollectionRow.tenant_id == actor.tenant_id, CollectionRow.id == collection_id)
        )
        if row is None or not may_see_collection(session, actor, row):
            raise collection_not_found(collection_id)
        proof = session.scalar(
            select(CollectionProofRow).where(
                CollectionProofRow.tenant_id == actor.tenant_id,
                CollectionProofRow.collection_id == collection_id,
                CollectionProofRow.key == key,
            )
        )
        if proof is None:
            raise _proof_not_found(key)
        return proof.key, proof.content_type


def _proof_not_found(key: str) -> NotFound:
    return NotFound(ErrorCode.PROOF_NOT_FOUND, params={"key": key})


def read_proof(
    uow: UnitOfWork, actor: Actor, store: FileStore | None, collection_id: str, key: str
) -> tuple[bytes, str]:
    store = _configured(store)
    stored_key, content_type = _proof_of(uow, actor, collection_id, key)
    try:
        return store.get(stored_key), content_type
    except FileNotFound:
        raise _proof_not_found(key) from None
    except FileStoreError as exc:
        raise Unavailable(ErrorCode.FILE_STORE_UNAVAILABLE) from exc


def proof_url(
    uow: UnitOfWork, actor: Actor, store: FileStore | None, collection_id: str, key: str, *, now: datetime
) -> tuple[str, datetime]:
    store = _configured(store)
    stored_key, _ = _proof_of(uow, actor, collection_id, key)
    return store.url(stored_key, expires_in=URL_SECONDS), now + timedelta(seconds=URL_SECONDS)
