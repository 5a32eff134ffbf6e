"""D6 over HTTP, every service a real process (and in the embedded mode), files in the platform's
own file store: the owner uploads a PDF and an image (a renamed file and a script too); a
salesperson finds them, downloads one and shares the PDF; a visitor opens the public page the
gateway renders, reads it and downloads the file through the link's own route; the salesperson
is told 素材 with the title; the recipients show the visitor with their seconds; another tenant
sees nothing."""

from __future__ import annotations

import io
import re
import time
import uuid

import requests
from client import eventually
from journey import create_staff, login, notifications
from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"% filler\n" * 400 + b"%%EOF\n"


def ok(resp, status=200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def upload(api, data: bytes, name: str, kind: str, title: str) -> requests.Response:
    return api.http.post(
        f"{api.base_url}/api/v1/materials/upload",
        files={"file": (name, data)},
        data={"title": title, "kind": kind, "folder": "产品资料"},
        headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )


def page_data(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-(view|visitor|own)="([^"]*)"', html))


def test_d6_materials_are_uploaded_shared_opened_downloaded_and_their_recipients_listed(platform, world):
    owner, anon, other = world["owner"], world["anon"], world["other_owner"]
    # A salesperson of this journey's own: nobody else's readers or alerts are theirs.
    staff = create_staff(owner, "孙业务", ["salesperson"], world["store_id"], password="secret123")
    sales = anon.as_(login(anon, staff["phone"]))

    pdf = ok(upload(owner, PDF, "春季产品手册.pdf", "document", "春季产品手册"), 201)
    assert (pdf["content_type"], pdf["size"], pdf["file_name"], pdf["active"]) == (
        "application/pdf",
        len(PDF),
        "春季产品手册.pdf",
        False,
    )
    image = ok(upload(owner, png(), "门店.jpg", "image", "门店实拍"), 201)
    assert image["content_type"] == "image/png"  # the bytes decide, not the name
    renamed = upload(owner, b"MZ\x90\x00 a program, renamed", "报价.pdf", "document", "伪装文件")
    assert renamed.status_code == 400 and "file" in renamed.json()["error"]["fields"]
    script = ok(owner.post("/api/v1/materials", json={"title": "开场话术", "text": "您好，我是您的客户经理。"}), 201)
    assert upload(sales, PDF, "越权.pdf", "document", "越权").status_code == 403

    assert sales.post(f"/api/v1/materials/{pdf['id']}/shares", json={}).status_code == 404  # off: not theirs to see
    for made in (pdf, image, script):
        ok(owner.put(f"/api/v1/materials/{made['id']}/active", json={"active": True}))
    listed = ok(sales.get("/api/v1/materials", params={"kind": "image"}))["materials"]
    assert [m["title"] for m in listed] == ["门店实拍"]
    downloaded = sales.http.get(
        f"{sales.base_url}{image['file_url']}",
        params={"download": "true"},
        headers={"Authorization": f"Bearer {sales.token}"},
        timeout=15,
    )
    assert downloaded.status_code == 200 and downloaded.content == png()
    assert downloaded.headers["Content-Disposition"].startswith("attachment")

    share = ok(sales.post(f"/api/v1/materials/{pdf['id']}/shares", json={}), 201)
    visitor = requests.Session()
    page = visitor.get(f"{platform.gateway_url}/s/{share['token']}", timeout=10)
    assert page.status_code == 200 and "春季产品手册" in page.text
    assert f"/s/{share['token']}/file?download=1" in page.text
    data = page_data(page.text)
    time.sleep(3.2)
    beat = visitor.post(
        f"{platform.gateway_url}/api/v1/public/views/{data['view']}/beats",
        json={"visitor_key": data["visitor"], "seconds": 3},
        timeout=10,
    )
    assert ok(beat, 202) == {"queued": True}
    file = visitor.get(f"{platform.gateway_url}/s/{share['token']}/file", params={"download": "1"}, timeout=10)
    assert file.status_code == 200 and file.content == PDF and file.headers["Content-Type"] == "application/pdf"
    ranged = visitor.get(f"{platform.gateway_url}/s/{share['token']}/file", headers={"Range": "bytes=0-7"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == PDF[:8]
    altered = visitor.get(f"{platform.gateway_url}/s/{share['token'][:-1]}x/file", timeout=10)
    assert altered.status_code == 404

    def read():
        # The beat is applied by marketing's drainer about a second after it was queued (P7).
        shown = ok(sales.get(f"/api/v1/materials/{pdf['id']}/recipients"))["recipients"]
        return shown if [r["seconds"] for r in shown] == [3] else None

    recipients = eventually(read)
    assert [(r["views"], r["seconds"]) for r in recipients] == [(1, 3)] and recipients[0]["last_view_at"]
    counted = ok(owner.get(f"/api/v1/materials/{pdf['id']}"))
    assert (counted["view_count"], counted["share_count"], counted["download_count"], counted["read_seconds"]) == (
        1,
        1,
        1,
        3,
    )
    told = eventually(lambda: [n for n in notifications(sales) if n["subject"] == f"material:{pdf['id']}"], timeout=20)
    assert told and "素材" in told[0]["title"] and "春季产品手册" in told[0]["title"]

    # Another tenant sees nothing of it.
    assert ok(other.get("/api/v1/materials"))["materials"] == []
    assert other.get(f"/api/v1/materials/{pdf['id']}").status_code == 404
    assert other.get(f"/api/v1/materials/{pdf['id']}/recipients").status_code == 404

    # Switched off, the link says it is gone; deleted, it is not found.
    ok(owner.put(f"/api/v1/materials/{pdf['id']}/active", json={"active": False}))
    gone = visitor.get(f"{platform.gateway_url}/s/{share['token']}", timeout=10)
    assert gone.status_code == 404 and "素材已下架" in gone.text
    assert owner.request("DELETE", f"/api/v1/materials/{pdf['id']}").status_code == 204
    assert visitor.get(f"{platform.gateway_url}/s/{share['token']}/file", timeout=10).status_code == 404
