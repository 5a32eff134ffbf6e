"""D6 at the gateway: the material library's routes call the marketing service for the caller,
uploads stream to it in chunks with their fields, its refusals name the field (`file`), files
are served whole or by range, and a shared material opens at the reader's page with its file
behind a token-scoped public route."""

from __future__ import annotations

import io

from marketing_fakes import FILE_BYTES, MATERIAL_TOKEN, material_pb

from crmkit.errors import InvalidInput, NotFound
from gateway.api import materials as material_routes

MATERIALS_PATHS = {
    ("get", "/api/v1/materials"),
    ("post", "/api/v1/materials"),
    ("post", "/api/v1/materials/upload"),
    ("get", "/api/v1/materials/{material_id}"),
    ("put", "/api/v1/materials/{material_id}"),
    ("put", "/api/v1/materials/{material_id}/active"),
    ("delete", "/api/v1/materials/{material_id}"),
    ("get", "/api/v1/materials/{material_id}/file"),
    ("post", "/api/v1/materials/{material_id}/shares"),
    ("get", "/api/v1/materials/{material_id}/recipients"),
}


def upload(client, auth, data: bytes, *, name="产品手册.pdf", kind="document", title="产品手册"):
    form = {"file": (io.BytesIO(data), name), "title": title, "kind": kind, "folder": "资料"}
    return client.post("/api/v1/materials/upload", data=form, headers=auth, content_type="multipart/form-data")


def test_d6_an_upload_streams_its_bytes_in_chunks_with_its_fields(client, auth, fakes):
    data = b"%PDF-1.7 " + bytes(range(256)) * 12_000  # ~3 MB: several chunks
    resp = upload(client, auth, data)
    assert resp.status_code == 201, resp.text
    assert resp.json["title"] == "产品手册" and resp.json["file_url"] == "/api/v1/materials/m-1/file"
    fields, received = fakes["marketing"].uploaded[-1]
    assert (fields.title, fields.kind, fields.folder, fields.file_name) == (
        "产品手册",
        "document",
        "资料",
        "产品手册.pdf",
    )
    assert received == data
    (call,) = fakes["marketing"].rec.named("UploadMaterial")
    assert call.actor.staff_id == "s-1"


def test_d6_a_script_is_written_as_json_without_a_file(client, auth, fakes):
    resp = client.post("/api/v1/materials", json={"title": "开场白", "text": "您好"}, headers=auth)
    assert resp.status_code == 201, resp.text
    fields, received = fakes["marketing"].uploaded[-1]
    assert (fields.kind, fields.text, received) == ("script", "您好", b"")
    assert resp.json["file_url"] == ""


def test_d6_the_services_refusal_of_a_file_names_the_file_field(client, auth, fakes):
    for key, message in (
        ("file.material_too_large", "文件超过该类型的大小上限"),
        ("file.material_type", "不支持的文件类型"),
    ):
        fakes["marketing"].rec.fail["UploadMaterial"] = InvalidInput("MARKETING_INPUT_INVALID", fields={"file": key})
        resp = upload(client, {**auth, "Accept-Language": "zh-CN"}, b"MZ not a document", name="伪装.pdf")
        assert resp.status_code == 400, resp.text
        assert message in resp.json["error"]["fields"]["file"]


def test_d6_bad_fields_are_refused_before_any_call(client, auth, fakes):
    resp = upload(client, auth, b"%PDF-", kind="audio")
    assert resp.status_code == 400 and "kind" in resp.json["error"]["fields"]
    resp = client.post("/api/v1/materials/upload", data={"title": "x", "kind": "image"}, headers=auth)
    assert resp.status_code == 400 and "file" in resp.json["error"]["fields"]
    resp = client.get("/api/v1/materials?kind=audio", headers=auth)
    assert resp.status_code == 400 and "kind" in resp.json["error"]["fields"]
    assert fakes["marketing"].rec.named("UploadMaterial") == []


def test_d6_a_file_over_the_largest_kinds_limit_is_our_413(client, auth, fakes, monkeypatch):
    monkeypatch.setattr(material_routes, "MAX_MATERIAL_MB", 1)
    resp = upload(client, auth, b"\x00" * (1024 * 1024 + 1), kind="video", name="big.mp4")
    assert resp.status_code == 413 and "file" in resp.json["error"]["fields"]
    assert fakes["marketing"].uploaded == []


def test_d6_another_tenants_material_is_404(client, auth, fakes):
    fakes["marketing"].rec.fail["GetMaterial"] = NotFound("MATERIAL_NOT_FOUND", "error.material_not_found")
    resp = client.get("/api/v1/materials/m-of-b", headers={**auth, "Accept-Language": "zh-CN"})
    assert resp.status_code == 404 and resp.json["error"]["message"] == "素材不存在"


def test_d6_list_share_and_recipients(client, auth, fakes):
    listed = client.get("/api/v1/materials?kind=document&q=手册", headers=auth).json
    assert listed["folders"] == ["资料"] and listed["materials"][0]["kind"] == "document"
    (call,) = fakes["marketing"].rec.named("ListMaterials")
    assert (call.request.kind, call.request.q) == ("document", "手册")
    share = client.post("/api/v1/materials/m-1/shares", json={}, headers=auth)
    assert share.status_code == 201 and share.json["url"].endswith(f"/s/{MATERIAL_TOKEN}")
    recipients = client.get("/api/v1/materials/m-1/recipients", headers=auth).json["recipients"]
    assert recipients[0]["views"] == 2 and recipients[0]["seconds"] == 95 and recipients[0]["last_view_at"]


def test_d6_staff_read_a_file_whole_or_by_range_and_a_download_says_so(client, auth, fakes):
    whole = client.get("/api/v1/materials/m-1/file?download=true", headers=auth)
    assert whole.status_code == 200 and whole.data == FILE_BYTES
    assert whole.headers["Content-Type"] == "application/pdf" and whole.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        whole.headers["Content-Disposition"].startswith("attachment;")
        and "UTF-8''" in whole.headers["Content-Disposition"]
    )
    part = client.get("/api/v1/materials/m-1/file", headers={**auth, "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == FILE_BYTES[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(FILE_BYTES)}"
    assert part.headers["Content-Disposition"].startswith("inline;")
    calls = fakes["marketing"].rec.named("ReadMaterialFile")
    assert [(c.request.offset, c.request.length, c.request.download) for c in calls] == [(0, 0, True), (10, 10, False)]
    assert client.get("/api/v1/materials/m-1/file").status_code == 401


def test_d6_a_shared_material_opens_at_the_readers_page_by_its_kind(client, fakes):
    cases = {
        "image": 'data-test="material-image"',
        "video": "<video",
        "document": 'data-test="material-download"',
        "script": "您好，这是话术",
    }
    for kind, seen in cases.items():
        fakes["marketing"].shared_material = material_pb(kind=kind, text="您好，这是话术" if kind == "script" else "")
        page = client.get(f"/s/{MATERIAL_TOKEN}", headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 200, page.text
        html = page.get_data(as_text=True)
        assert seen in html and "产品手册" in html and 'data-view="v-m"' in html
        if kind != "script":
            assert f"/s/{MATERIAL_TOKEN}/file" in html
    assert "<script>" not in html and "nonce-" in page.headers["Content-Security-Policy"]


def test_d6_the_shared_file_is_public_by_its_token_and_counted_on_download(client, fakes):
    resp = client.get(f"/s/{MATERIAL_TOKEN}/file?download=1")
    assert resp.status_code == 200 and resp.data == FILE_BYTES
    (call,) = fakes["marketing"].rec.named("ReadSharedMaterialFile")
    assert call.request.token == MATERIAL_TOKEN and call.request.download
    assert call.metadata["authorization"] != ""  # the gateway's service token, not a person's
    fakes["marketing"].rec.fail["ReadSharedMaterialFile"] = NotFound("SHARE_NOT_FOUND", "error.share_not_found")
    gone = client.get("/s/AnOtHeRtOkEnThAtIsNoNe/file")
    assert gone.status_code == 404 and "链接无效" in gone.get_data(as_text=True)


def test_d6_a_material_switched_off_says_it_is_gone(client, fakes):
    fakes["marketing"].rec.fail["OpenShare"] = NotFound("MATERIAL_INACTIVE", "error.material_inactive")
    page = client.get(f"/s/{MATERIAL_TOKEN}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 404 and "素材已下架" in page.get_data(as_text=True)
