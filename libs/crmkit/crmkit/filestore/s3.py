"""Files in an S3-compatible bucket: AWS S3, Aliyun OSS, Tencent COS and MinIO all speak this API."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .port import FileNotFound, FileStoreError, StoredFile, build_key, check_expires_in, check_key, sha256_hex

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_SHA256_META = "sha256"  # stored as x-amz-meta-sha256: lets get() prove the bytes are the ones put


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_file_id() -> str:
    return uuid.uuid4().hex


def _client_config(addressing_style: str) -> Config:
    return Config(
        connect_timeout=3,
        read_timeout=10,
        # "standard" retries throttling and 5xx with backoff; three attempts bound how long a
        # salesperson's upload can hang on a sick endpoint (about 3 x 13 s at worst).
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": addressing_style},
        signature_version="s3v4",
        # botocore >= 1.36 adds CRC32 checksums (aws-chunked trailers) to every upload by default,
        # which OSS, COS and older MinIO refuse; we send Content-MD5 ourselves, which all accept.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


class S3FileStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        addressing_style: Literal["virtual", "path"] = "virtual",
        clock: Callable[[], datetime] = _utcnow,
        new_file_id: Callable[[], str] = _new_file_id,
    ):
        if addressing_style not in ("virtual", "path"):
            raise ValueError(f"addressing_style must be 'virtual' or 'path', got {addressing_style!r}")
        self._bucket = bucket
        self._clock = clock
        self._new_file_id = new_file_id
        # A session of our own: boto3's default session is shared and not thread-safe. Building
        # the client opens no connection, so wiring stays free of network calls.
        session = boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
        self._client = session.client("s3", endpoint_url=endpoint_url, config=_client_config(addressing_style))

    def put(self, data: bytes, *, content_type: str, prefix: str) -> StoredFile:
        digest = sha256_hex(data)
        key = build_key(
            prefix, sha256=digest, content_type=content_type, now=self._clock(), file_id=self._new_file_id()
        )
        # The server recomputes the MD5 and refuses the object (BadDigest) if a byte changed on the way.
        content_md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ContentMD5=content_md5,
                Metadata={_SHA256_META: digest},
            )
        except (BotoCoreError, ClientError) as exc:
            raise FileStoreError(f"could not store {key}: {exc}") from exc
        return StoredFile(key=key, size=len(data), content_type=content_type, sha256=digest)

    def get(self, key: str) -> bytes:
        check_key(key)
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            data = response["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                raise FileNotFound(key) from None
            raise FileStoreError(f"could not read {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise FileStoreError(f"could not read {key}: {exc}") from exc
        expected = response.get("Metadata", {}).get(_SHA256_META)
        if expected is not None and expected != sha256_hex(data):
            raise FileStoreError(f"{key} does not match the SHA-256 recorded when it was stored")
        return data

    def delete(self, key: str) -> None:
        """S3 answers a delete of a missing key with success, so a retried delete succeeds."""
        check_key(key)
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise FileStoreError(f"could not delete {key}: {exc}") from exc

    def url(self, key: str, *, expires_in: int = 300) -> str:
        """Signed locally with the credentials: no request is made, and a missing key only shows
        when the URL is fetched (404), as an expired one does (403)."""
        check_key(key)
        try:
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=check_expires_in(expires_in)
            )
        except BotoCoreError as exc:
            raise FileStoreError(f"could not sign a URL for {key}: {exc}") from exc
