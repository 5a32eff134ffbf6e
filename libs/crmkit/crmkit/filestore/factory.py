"""Choose the file store from the environment; called by the composition roots only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from crmkit.settings import MissingSetting

from .local import LocalFileStore
from .port import FileStore

_ADDRESSING_STYLES = ("virtual", "path")


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise MissingSetting(name)
    return value


def file_store_from_env(environ: Mapping[str, str], *, default_root: Path) -> FileStore:
    """FILE_STORE=local (the default, as the embedded mode runs with nothing set) or s3.

    Every setting is checked here, at startup: a wrong one must stop the process, not the first
    salesperson who uploads a receipt.
    """
    kind = environ.get("FILE_STORE", "") or "local"
    if kind == "local":
        root = Path(environ.get("FILE_STORE_ROOT", "") or default_root)
        return LocalFileStore(root, signing_secret=_required(environ, "FILE_STORE_SIGNING_SECRET"))
    if kind == "s3":
        style = environ.get("S3_ADDRESSING_STYLE", "") or "virtual"
        if style not in _ADDRESSING_STYLES:
            raise ValueError(f"S3_ADDRESSING_STYLE must be 'virtual' or 'path', got {style!r}")
        # Imported here: boto3 takes a noticeable moment to import, and the embedded mode never needs it.
        from .s3 import S3FileStore

        return S3FileStore(
            _required(environ, "S3_BUCKET"),
            # Left out for AWS itself, where boto3 derives the endpoint from the region.
            endpoint_url=environ.get("S3_ENDPOINT_URL", "") or None,
            region=_required(environ, "S3_REGION"),
            access_key_id=_required(environ, "S3_ACCESS_KEY_ID"),
            secret_access_key=_required(environ, "S3_SECRET_ACCESS_KEY"),
            addressing_style=style,
        )
    raise ValueError(f"FILE_STORE must be 'local' or 's3', got {kind!r}")
