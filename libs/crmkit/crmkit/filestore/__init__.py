"""File storage behind a port, for every service that keeps uploads: local disk or an
S3-compatible bucket, signed URLs (orders' proof images of collections, B4; marketing next)."""

from .port import FileNotFound, FileRejected, FileStore, FileStoreError, StoredFile
from .signing import verify_signed_path

__all__ = ["FileNotFound", "FileRejected", "FileStore", "FileStoreError", "StoredFile", "verify_signed_path"]
