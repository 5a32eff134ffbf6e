"""D6 on PostgreSQL through gRPC: the material library. Uploads in chunks checked by their bytes
and the kind's limit, roles and tenants apart, on/off and delete (the file goes too), staff
downloads counted, and a shared material read like an article: view, visitor, beats, the
salesperson's alert, and the recipients with their views and seconds."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from marketing_testkit import ISSUER, PUBLIC_KEY, ref, staff_token
from sqlalchemy import select

from crm.common.v1 import common_pb2
from crm.marketing.v1 import marketing_pb2 as pb
from crm.marketing.v1 import marketing_pb2_grpc
from crmkit.auth import TokenVerifier
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from crmkit.filestore import FileNotFound
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from marketing import server as marketing_server
from marketing.domain import materials as rules
from marketing.grpc_api import FULL_NAME
from marketing.models import MaterialRow, Outbox


@pytest.fixture
def other_tenant():
    """Another merchant's owner: never sees the first one's materials."""
    tid = ref("t")
    return SimpleNamespace(id=tid, owner=staff_token(tid, ref("o"), "owner"))


PDF = b"%PDF-1.7\n" + b"0" * 3000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def upload(marketing, token, *, title="产品手册", kind="document", data=PDF, file_name="手册.pdf", text="", folder=""):
    fields = pb.MaterialInput(title=title, kind=kind, folder=folder, text=text, file_name=file_name)
    chunks = [data[i : i + 1024] for i in range(0, len(data), 1024)]
    parts = [pb.MaterialUpload(fields=fields), *(pb.MaterialUpload(chunk=c) for c in chunks)]
    return marketing.upload("UploadMaterial", parts, token=token, timeout=30)


def switch_on(marketing, tenant, material_id):
    return marketing.call(
        "SetMaterialActive", pb.SetMaterialActiveRequest(id=material_id, active=True), token=tenant.owner
    )


def read(marketing, token, material_id, *, offset=0, length=0, download=False):
    request = pb.ReadMaterialFileRequest(id=material_id, offset=offset, length=length, download=download)
    messages = list(marketing.stream("ReadMaterialFile", request, token=token))
    return messages[0], b"".join(m.data for m in messages)


def test_d6_an_admin_uploads_a_document_stored_by_its_bytes(marketing, tenant, file_store, db):
    made = upload(marketing, tenant.owner, folder="产品资料", file_name="C:\\docs\\手册.pdf")
    assert (made.kind, made.content_type, made.size, made.file_name) == (
        "document",
        "application/pdf",
        len(PDF),
        "手册.pdf",
    )
    assert made.folder == "产品资料" and not made.active and made.created_by
    with db.reader() as uow:
        key = uow.session.get(MaterialRow, made.id).file_key
    assert key.startswith(f"{tenant.id}/materials/") and key.endswith(".pdf")
    assert file_store.get(key) == PDF

    image = upload(marketing, tenant.manager, title="门店照片", kind="image", data=PNG, file_name="shop.jpg")
    assert image.content_type == "image/png"  # the bytes decide, not the name


def test_d6_a_script_is_text_without_a_file(marketing, tenant):
    script = upload(marketing, tenant.owner, title="开场白", kind="script", data=b"", file_name="", text=" 您好！ ")
    assert (script.kind, script.text, script.size, script.content_type) == ("script", "您好！", 0, "")
    switch_on(marketing, tenant, script.id)
    with pytest.raises(NotFound):
        read(marketing, tenant.sales, script.id)
    edited = marketing.call(
        "UpdateMaterial",
        pb.UpdateMaterialRequest(id=script.id, title="开场白二", folder="话术", text="新的话术"),
        token=tenant.owner,
    )
    assert (edited.title, edited.folder, edited.text) == ("开场白二", "话术", "新的话术")


def test_d6_unknown_types_and_oversized_files_are_refused_naming_the_file(marketing, tenant, db):
    with pytest.raises(InvalidInput) as refused:
        upload(marketing, tenant.owner, kind="image", data=b"MZ\x90\x00 not an image" * 10, file_name="a.png")
    assert refused.value.fields == {"file": rules.UNSUPPORTED_TYPE}
    with pytest.raises(InvalidInput) as refused:
        upload(marketing, tenant.owner, kind="video", data=PDF, file_name="a.mp4")  # a PDF is no video
    assert refused.value.fields == {"file": rules.UNSUPPORTED_TYPE}
    too_big = PNG + b"\x00" * rules.MAX_BYTES["image"]
    with pytest.raises(InvalidInput) as refused:
        upload(marketing, tenant.owner, kind="image", data=too_big, file_name="big.png")
    assert refused.value.fields == {"file": rules.TOO_LARGE}
    with pytest.raises(InvalidInput) as refused:
        upload(marketing, tenant.owner, title="", kind="audio")
    assert set(refused.value.fields) == {"title", "kind"}
    with db.reader() as uow:
        assert uow.session.scalars(select(MaterialRow).where(MaterialRow.tenant_id == tenant.id)).all() == []


def test_d6_only_the_owner_and_store_managers_write_the_library(marketing, tenant):
    with pytest.raises(PermissionDenied):
        upload(marketing, tenant.sales)
    made = upload(marketing, tenant.owner)
    for method, request in (
        ("SetMaterialActive", pb.SetMaterialActiveRequest(id=made.id, active=True)),
        ("UpdateMaterial", pb.UpdateMaterialRequest(id=made.id, title="改名")),
        ("DeleteMaterial", pb.DeleteMaterialRequest(id=made.id)),
    ):
        with pytest.raises(PermissionDenied):
            marketing.call(method, request, token=tenant.sales)


def test_d6_salespeople_see_materials_that_are_on_and_filter_them(marketing, tenant):
    doc = upload(marketing, tenant.owner, title="价格表", folder="报价")
    image = upload(marketing, tenant.owner, title="新品海报", kind="image", data=PNG, file_name="p.png")
    upload(marketing, tenant.owner, title="未上架视频说明", kind="script", data=b"", text="稍后上线")
    for m in (doc, image):
        switch_on(marketing, tenant, m.id)

    def names(token, **query):
        found = marketing.call("ListMaterials", pb.ListMaterialsRequest(**query), token=token)
        return [m.title for m in found.materials], list(found.folders)

    assert names(tenant.sales) == (["新品海报", "价格表"], ["报价"])
    assert names(tenant.owner)[0] == ["未上架视频说明", "新品海报", "价格表"]
    assert names(tenant.sales, kind="image")[0] == ["新品海报"]
    assert names(tenant.sales, q="价格")[0] == ["价格表"]
    assert names(tenant.sales, folder="报价")[0] == ["价格表"]
    assert names(tenant.sales, state="off")[0] == ["新品海报", "价格表"]  # salespeople: on only
    assert names(tenant.owner, state="off")[0] == ["未上架视频说明"]
    with pytest.raises(InvalidInput) as refused:
        marketing.call("ListMaterials", pb.ListMaterialsRequest(kind="audio"), token=tenant.owner)
    assert refused.value.fields == {"kind": "validation.invalid_choice"}


def test_d6_tenants_never_see_each_others_materials(marketing, tenant, other_tenant):
    made = upload(marketing, tenant.owner)
    switch_on(marketing, tenant, made.id)
    assert marketing.call("ListMaterials", pb.ListMaterialsRequest(), token=other_tenant.owner).materials == []
    for method, request in (
        ("GetMaterial", pb.GetMaterialRequest(id=made.id)),
        ("UpdateMaterial", pb.UpdateMaterialRequest(id=made.id, title="偷改")),
        ("SetMaterialActive", pb.SetMaterialActiveRequest(id=made.id, active=False)),
        ("DeleteMaterial", pb.DeleteMaterialRequest(id=made.id)),
        ("ShareMaterial", pb.ShareMaterialRequest(material_id=made.id)),
        ("ListMaterialRecipients", pb.ListMaterialRecipientsRequest(material_id=made.id)),
    ):
        with pytest.raises(NotFound):
            marketing.call(method, request, token=other_tenant.owner)
    with pytest.raises(NotFound):
        read(marketing, other_tenant.owner, made.id)
    assert marketing.call("GetMaterial", pb.GetMaterialRequest(id=made.id), token=tenant.owner).active


def test_d6_staff_open_and_download_a_file_in_ranges_a_download_counted_once(marketing, tenant):
    made = upload(marketing, tenant.owner)
    with pytest.raises(NotFound):  # off: not for salespeople yet
        read(marketing, tenant.sales, made.id)
    switch_on(marketing, tenant, made.id)
    first, data = read(marketing, tenant.sales, made.id, download=True)
    assert data == PDF and (first.content_type, first.size, first.file_name) == (
        "application/pdf",
        len(PDF),
        "手册.pdf",
    )
    _, part = read(marketing, tenant.sales, made.id, offset=10, length=5, download=True)
    assert part == PDF[10:15]
    read(marketing, tenant.sales, made.id)  # opened to look at, not downloaded
    counted = marketing.call("GetMaterial", pb.GetMaterialRequest(id=made.id), token=tenant.owner)
    assert counted.download_count == 1
    with pytest.raises(InvalidInput) as refused:
        read(marketing, tenant.sales, made.id, offset=len(PDF))
    assert refused.value.fields == {"offset": "validation.past_end_of_file"}


def test_d6_a_shared_material_is_read_like_an_article_and_its_recipients_listed(marketing, tenant, db, beats, drainer):
    made = upload(marketing, tenant.owner, title="秋季产品手册")
    with pytest.raises(Conflict):  # off: nothing to share yet
        marketing.call("ShareMaterial", pb.ShareMaterialRequest(material_id=made.id), token=tenant.owner)
    switch_on(marketing, tenant, made.id)
    link = marketing.call("ShareMaterial", pb.ShareMaterialRequest(material_id=made.id), token=tenant.sales)
    assert (link.kind, link.item_id, link.sharer_staff_id) == ("material", made.id, tenant.sales_id)
    other = marketing.call("ShareMaterial", pb.ShareMaterialRequest(material_id=made.id), token=tenant.other_sales)

    opened = marketing.call("OpenShare", pb.OpenShareRequest(token=link.token), as_service=True)
    assert opened.kind == "material" and opened.material.title == "秋季产品手册" and not opened.HasField("article")
    assert opened.material.file_name == "手册.pdf" and opened.tenant_id == tenant.id
    time.sleep(2.1)  # wall time since opening bounds what a beat may claim
    beats.append(opened.view_id, opened.visitor_key, 2, 0)  # as the gateway queues a beat
    assert drainer.drain_once().applied == 1
    again = marketing.call(
        "OpenShare", pb.OpenShareRequest(token=link.token, visitor_key=opened.visitor_key), as_service=True
    )
    friend = marketing.call("OpenShare", pb.OpenShareRequest(token=other.token), as_service=True)
    assert again.visitor_key == opened.visitor_key and friend.visitor_key != opened.visitor_key

    shared = list(
        marketing.stream(
            "ReadSharedMaterialFile", pb.ReadSharedMaterialFileRequest(token=link.token, download=True), as_service=True
        )
    )
    assert b"".join(m.data for m in shared) == PDF and shared[0].content_type == "application/pdf"

    counted = marketing.call("GetMaterial", pb.GetMaterialRequest(id=made.id), token=tenant.owner)
    assert (counted.share_count, counted.view_count, counted.reader_count) == (2, 3, 2)
    assert (counted.read_seconds, counted.download_count) == (2, 1)

    everyone = marketing.call(
        "ListMaterialRecipients", pb.ListMaterialRecipientsRequest(material_id=made.id), token=tenant.owner
    ).recipients
    assert sorted((r.views, r.seconds, r.staff_id) for r in everyone) == [
        (1, 0, tenant.other_sales_id),
        (2, 2, tenant.sales_id),
    ]
    assert all(r.last_view_at.seconds for r in everyone)
    mine = marketing.call(
        "ListMaterialRecipients", pb.ListMaterialRecipientsRequest(material_id=made.id), token=tenant.sales
    ).recipients
    assert [(r.views, r.seconds) for r in mine] == [(2, 2)]  # a salesperson: their own links' readers

    with db.reader() as uow:
        events = [
            json.loads(o.payload)["data"]
            for o in uow.session.scalars(
                select(Outbox).where(Outbox.tenant_id == tenant.id, Outbox.type == "article_opened")
            )
        ]
    assert {(e["kind"], e["item_id"], e["title"]) for e in events} == {("material", made.id, "秋季产品手册")}
    assert sorted(e["sharer_staff_id"] for e in events) == sorted([tenant.sales_id] * 2 + [tenant.other_sales_id])

    trail = marketing.call("ListVisitors", pb.ListVisitorsRequest(page=common_pb2.PageRequest()), token=tenant.sales)
    detail = marketing.call("GetVisitor", pb.GetVisitorRequest(id=trail.visitors[0].id), token=tenant.sales)
    assert detail.trail[0].kind == "material" and detail.trail[0].title == "秋季产品手册"


def test_d6_links_of_a_material_switched_off_or_deleted_are_gone(marketing, tenant, file_store, db):
    made = upload(marketing, tenant.owner)
    switch_on(marketing, tenant, made.id)
    link = marketing.call("ShareMaterial", pb.ShareMaterialRequest(material_id=made.id), token=tenant.sales)
    marketing.call("SetMaterialActive", pb.SetMaterialActiveRequest(id=made.id, active=False), token=tenant.owner)
    with pytest.raises(NotFound) as gone:
        marketing.call("OpenShare", pb.OpenShareRequest(token=link.token), as_service=True)
    assert gone.value.code == "MATERIAL_INACTIVE"
    with db.reader() as uow:
        key = uow.session.get(MaterialRow, made.id).file_key
    marketing.call("DeleteMaterial", pb.DeleteMaterialRequest(id=made.id), token=tenant.owner)
    with pytest.raises(NotFound) as gone:
        marketing.call("OpenShare", pb.OpenShareRequest(token=link.token), as_service=True)
    assert gone.value.code == "SHARE_NOT_FOUND"
    with pytest.raises(NotFound):
        list(
            marketing.stream(
                "ReadSharedMaterialFile", pb.ReadSharedMaterialFileRequest(token=link.token), as_service=True
            )
        )
    with pytest.raises(FileNotFound):
        file_store.get(key)


def test_d6_public_reads_need_the_service_token_and_an_article_link_reads_no_file(marketing, tenant):
    with pytest.raises(PermissionDenied):
        list(
            marketing.stream(
                "ReadSharedMaterialFile", pb.ReadSharedMaterialFileRequest(token="A" * 22), token=tenant.owner
            )
        )
    article = marketing.call("CreateArticle", pb.ArticleInput(title="文章", body_html="<p>x</p>"), token=tenant.owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=article.id, active=True), token=tenant.owner)
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    with pytest.raises(NotFound):
        list(
            marketing.stream(
                "ReadSharedMaterialFile", pb.ReadSharedMaterialFileRequest(token=link.token), as_service=True
            )
        )


def test_d6_without_a_file_store_files_are_unavailable_but_scripts_work(database_url, sharers, catalogue):
    rt = marketing_server.build(
        Settings(service="marketing", database_url=database_url), sharers=sharers, catalogue=catalogue
    )
    server, port, _ = build_server(
        "marketing", rt.registrations, verifier=TokenVerifier(PUBLIC_KEY), port=0, host="127.0.0.1"
    )
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}",
        marketing_pb2_grpc.MarketingServiceStub,
        FULL_NAME,
        service_token=ISSUER.service_token("gateway"),
    )
    try:
        owner = staff_token(ref("t"), ref("o"), "owner")
        with pytest.raises(Unavailable) as down:
            upload(client, owner)
        assert down.value.code == "FILE_STORE_NOT_CONFIGURED"
        assert upload(client, owner, kind="script", data=b"", text="话术").kind == "script"
    finally:
        client.close()
        server.stop(0)
        rt.close()
