"""A material as the use cases answer it (D6); apart from service.materials so that opening a
shared link (service.sharing) can answer one without importing the library's use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import MaterialRow


@dataclass(frozen=True)
class MaterialView:
    id: str
    title: str
    kind: str
    folder: str
    text: str
    file_name: str
    content_type: str
    size: int
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    view_count: int
    reader_count: int
    download_count: int
    share_count: int
    read_seconds: int


def material_view(row: MaterialRow) -> MaterialView:
    return MaterialView(
        id=row.id,
        title=row.title,
        kind=row.kind,
        folder=row.folder,
        text=row.text,
        file_name=row.file_name,
        content_type=row.content_type,
        size=row.size,
        active=row.active,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        view_count=row.view_count,
        reader_count=row.reader_count,
        download_count=row.download_count,
        share_count=row.share_count,
        read_seconds=row.read_seconds,
    )
