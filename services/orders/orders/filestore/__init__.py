"""File storage behind a port: proof images of collections (B4) and other uploads."""

from .port import FileNotFound, FileRejected, FileStore, FileStoreError, StoredFile
from .signing import verify_signed_path

__all__ = ["FileNotFound", "FileRejected", "FileStore", "FileStoreError", "StoredFile", "verify_signed_path"]
