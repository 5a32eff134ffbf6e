"""S3FileStore against a local fake S3 server (moto), path-style as MinIO and tests use it."""

from __future__ import annotations

import base64
import hashlib
import socket

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from crmkit.filestore.port import FileNotFound, FileStoreError
from crmkit.filestore.s3 import S3FileStore

BUCKET = "proofs"
REGION = "us-east-1"
PREFIX = "tenant-1/collections"
CREDENTIALS = {"access_key_id": "test-id", "secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    raw_client(url).create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def raw_client(url):
    """A plain boto3 client, to look at the bucket behind the store's back."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key_id"],
        aws_secret_access_key=CREDENTIALS["secret_access_key"],
    )


def make_store(url):
    return S3FileStore(BUCKET, endpoint_url=url, region=REGION, addressing_style="path", **CREDENTIALS)


@pytest.fixture
def store(endpoint):
    return make_store(endpoint)


def test_b4_proof_round_trips_through_s3_with_its_content_type(store, endpoint):
    data = b"\x89PNG\r\n\x1a\n fake image body"
    stored = store.put(data, content_type="image/png", prefix=PREFIX)
    assert store.get(stored.key) == data
    head = raw_client(endpoint).head_object(Bucket=BUCKET, Key=stored.key)
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == len(data)
    assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    store.delete(stored.key)
    with pytest.raises(FileNotFound):
        store.get(stored.key)
    store.delete(stored.key)  # a retried delete succeeds


def test_b4_upload_carries_an_integrity_header_for_the_server_to_check(store):
    # given a hook that sees each request as it leaves botocore
    sent = []
    store._client.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.append(request))
    # when a proof is stored
    data = b"receipt"
    store.put(data, content_type="image/jpeg", prefix=PREFIX)
    # then Content-MD5 matches the body. moto does not check it, real servers answer BadDigest;
    # and no CRC trailer or aws-chunked body, which OSS and COS refuse.
    (request,) = sent
    headers = {
        name.lower(): value.decode() if isinstance(value, bytes) else value for name, value in request.headers.items()
    }
    assert headers["content-md5"] == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert "aws-chunked" not in headers.get("content-encoding", "")
    assert not [name for name in headers if name.startswith("x-amz-checksum-") or name == "x-amz-trailer"]


def test_b4_missing_proof_in_s3_is_not_found(store):
    with pytest.raises(FileNotFound):
        store.get("tenant-1/collections/2025/01/ab/0123456789abcdef0123456789abcdef.jpg")


def test_b4_proof_changed_in_the_bucket_is_refused_on_read(store, endpoint):
    # given an object overwritten behind the store's back, keeping the recorded hash
    stored = store.put(b"original", content_type="image/png", prefix=PREFIX)
    raw_client(endpoint).put_object(Bucket=BUCKET, Key=stored.key, Body=b"changed", Metadata={"sha256": stored.sha256})
    with pytest.raises(FileStoreError, match="SHA-256"):
        store.get(stored.key)


def test_b4_presigned_url_downloads_the_proof(store):
    data = b"signed download"
    stored = store.put(data, content_type="image/webp", prefix=PREFIX)
    url = store.url(stored.key, expires_in=60)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "image/webp"


def test_s3_down_is_a_file_store_error():
    # given an endpoint where nothing listens (a port just freed on the loopback)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = make_store(f"http://127.0.0.1:{port}")
    with pytest.raises(FileStoreError):
        store.put(b"x", content_type="image/png", prefix=PREFIX)
    with pytest.raises(FileStoreError) as caught:
        store.get("tenant-1/a.png")
    assert not isinstance(caught.value, FileNotFound)
    with pytest.raises(FileStoreError):
        store.delete("tenant-1/a.png")
