"""D4 own uploads and D12 at the gateway: pictures go to marketing as bytes with their purpose
and theme, a bad picture is a 400 naming `file` (the service's reason in the caller's language),
the pictures come back through the gateway, and posters carry the card pages' address."""

from __future__ import annotations

import io

from marketing_fakes import TOKEN

from crmkit.errors import InvalidInput, NotFound, PermissionDenied

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def upload(client, auth, data=PNG, **query):
    files = {"file": (io.BytesIO(data), "template.png", "image/png")}
    params = {"purpose": "template", "theme": "festival", "name": "中秋团圆", "qr_position": "top_left", **query}
    return client.post(
        "/api/v1/poster-images", query_string=params, data=files, headers=auth, content_type="multipart/form-data"
    )


def test_d4_a_template_is_uploaded_with_its_theme_and_position(client, auth, fakes):
    resp = upload(client, auth)
    assert resp.status_code == 201, resp.text
    assert resp.json["url"] == "/api/v1/poster-images/pi-1/file" and resp.json["theme"] == "festival"
    (call,) = fakes["marketing"].rec.named("UploadPosterImage")
    assert call.request.file == PNG and call.actor.staff_id == "s-1"
    assert (call.request.purpose, call.request.theme, call.request.name, call.request.qr_position) == (
        "template",
        "festival",
        "中秋团圆",
        "top_left",
    )


def test_d4_a_bad_picture_is_a_400_naming_the_file(client, auth, fakes):
    fakes["marketing"].rec.fail["UploadPosterImage"] = InvalidInput(
        "MARKETING_INPUT_INVALID", "error.marketing_input_invalid", fields={"file": "file.unsupported_type"}
    )
    resp = upload(client, auth, data=b"%PDF-1.4", purpose="own")
    assert resp.status_code == 400
    assert resp.json["error"]["fields"] == {"file": "仅支持 JPEG、PNG 或 WebP 图片"}
    fakes["marketing"].rec.fail["UploadPosterImage"] = InvalidInput(
        "MARKETING_INPUT_INVALID", "error.marketing_input_invalid", fields={"file": "file.too_many_pixels"}
    )
    assert "像素" in upload(client, auth).json["error"]["fields"]["file"]


def test_d4_bad_fields_and_a_missing_or_huge_file_are_refused_before_any_call(client, auth, fakes):
    resp = upload(client, auth, purpose="anything", theme="neon", qr_position="middle", name="名" * 31)
    assert resp.status_code == 400
    assert set(resp.json["error"]["fields"]) == {"purpose", "theme", "qr_position", "name"}
    missing = client.post(
        "/api/v1/poster-images",
        query_string={"purpose": "own"},
        data={},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400 and "file" in missing.json["error"]["fields"]
    assert upload(client, auth, data=b"\0" * (5 * 1024 * 1024 + 1)).status_code == 413
    assert not fakes["marketing"].rec.named("UploadPosterImage")


def test_d4_templates_are_listed_by_theme_read_through_the_gateway_and_deleted(client, auth, fakes):
    listed = client.get("/api/v1/poster-images?purpose=template&theme=festival", headers=auth)
    assert listed.status_code == 200 and listed.json["images"][0]["name"] == "中秋团圆"
    (call,) = fakes["marketing"].rec.named("ListPosterImages")
    assert (call.request.purpose, call.request.theme) == ("template", "festival")
    assert client.get("/api/v1/poster-images?theme=neon", headers=auth).status_code == 400

    picture = client.get("/api/v1/poster-images/pi-1/file", headers=auth)
    assert (picture.status_code, picture.data, picture.mimetype) == (200, b"\x89PNG-template", "image/png")
    assert picture.headers["Cache-Control"] == "private, max-age=300"
    fakes["marketing"].rec.fail["ReadPosterImage"] = NotFound("POSTER_IMAGE_NOT_FOUND", "error.poster_image_not_found")
    assert client.get("/api/v1/poster-images/pi-x/file", headers=auth).status_code == 404

    assert client.delete("/api/v1/poster-images/pi-1", headers=auth).status_code == 204
    fakes["marketing"].rec.fail["DeletePosterImage"] = PermissionDenied(
        "MARKETING_ADMIN_ONLY", "error.marketing_admin_only"
    )
    assert client.delete("/api/v1/poster-images/pi-1", headers=auth).status_code == 403


def test_d4_d12_a_poster_of_a_picture_or_text_carries_the_card_pages_address(client, auth, fakes):
    resp = client.post("/api/v1/my-posters", json={"image_id": "pi-1", "text": "国庆大促"}, headers=auth)
    assert (resp.status_code, resp.mimetype, resp.data) == (200, "image/png", b"\x89PNG-made")
    (call,) = fakes["marketing"].rec.named("MakePoster")
    assert call.request.link_base == "http://localhost/c/" and call.request.text == "国庆大促"
    assert call.request.caption == "长按识别二维码，查看我的名片"
    bad = client.post("/api/v1/my-posters", json={"text": "字" * 301, "qr_position": "middle"}, headers=auth)
    assert bad.status_code == 400 and set(bad.json["error"]["fields"]) == {"text", "qr_position"}

    again = client.post("/api/v1/my-posters/po-1/image", headers=auth)
    assert (again.status_code, again.data) == (200, b"\x89PNG-again")
    assert fakes["marketing"].rec.named("DrawMyPoster")[0].request.poster_id == "po-1"

    mine = client.get("/api/v1/my-posters", headers=auth).json
    assert mine["posters"][0]["poster_id"] == "po-1" and mine["posters"][0]["url"] == f"http://localhost/c/{TOKEN}"
