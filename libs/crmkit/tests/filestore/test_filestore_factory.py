"""file_store_from_env: which store a process gets, and that a missing setting stops startup."""

from __future__ import annotations

import pytest

from crmkit.filestore.factory import file_store_from_env
from crmkit.filestore.local import LocalFileStore
from crmkit.filestore.s3 import S3FileStore
from crmkit.settings import MissingSetting

S3_ENV = {
    "FILE_STORE": "s3",
    "S3_BUCKET": "proofs",
    "S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
    "S3_REGION": "cn-hangzhou",
    "S3_ACCESS_KEY_ID": "id",
    "S3_SECRET_ACCESS_KEY": "secret",
}


def test_local_store_is_the_default_and_uses_the_default_root(tmp_path):
    store = file_store_from_env({"FILE_STORE_SIGNING_SECRET": "s"}, default_root=tmp_path)
    assert isinstance(store, LocalFileStore)
    stored = store.put(b"x", content_type="image/png", prefix="t1")
    assert (tmp_path / stored.key).exists()


def test_local_store_root_comes_from_the_environment(tmp_path):
    env = {"FILE_STORE": "local", "FILE_STORE_ROOT": str(tmp_path / "elsewhere"), "FILE_STORE_SIGNING_SECRET": "s"}
    stored = file_store_from_env(env, default_root=tmp_path / "default").put(
        b"x", content_type="image/png", prefix="t1"
    )
    assert (tmp_path / "elsewhere" / stored.key).exists()


def test_local_store_without_signing_secret_stops_startup(tmp_path):
    with pytest.raises(MissingSetting, match="FILE_STORE_SIGNING_SECRET"):
        file_store_from_env({"FILE_STORE": "local"}, default_root=tmp_path)


def test_s3_store_is_built_without_touching_the_network(tmp_path):
    assert isinstance(file_store_from_env(S3_ENV, default_root=tmp_path), S3FileStore)
    assert isinstance(file_store_from_env({**S3_ENV, "S3_ENDPOINT_URL": ""}, default_root=tmp_path), S3FileStore)


@pytest.mark.parametrize("name", ["S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"])
def test_s3_store_missing_setting_is_named(tmp_path, name):
    env = {key: value for key, value in S3_ENV.items() if key != name}
    with pytest.raises(MissingSetting, match=name):
        file_store_from_env(env, default_root=tmp_path)


@pytest.mark.parametrize(
    ("env", "named"),
    [({"FILE_STORE": "ftp"}, "FILE_STORE"), ({**S3_ENV, "S3_ADDRESSING_STYLE": "dns"}, "S3_ADDRESSING_STYLE")],
)
def test_unknown_choice_stops_startup(tmp_path, env, named):
    with pytest.raises(ValueError, match=named):
        file_store_from_env(env, default_root=tmp_path)
