"""D4 own uploads and D12 image-text posts on PostgreSQL through gRPC: an owner's poster template
and a salesperson's own picture are stored through the file store, a poster made from either
carries (decoded by zxing-cpp) a card link of its own, whose visitors are counted per poster;
tenants and salespeople never reach each other's pictures; bad pictures are refused by field."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from marketing_testkit import picture, png_claiming
from PIL import Image

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput, NotFound, PermissionDenied

CARD_BASE = "https://crm.example.com/c/"
CAPTION = "长按识别二维码，查看我的名片"


def upload_template(marketing, token, *, theme="festival", name="中秋团圆", position="top_left", data=None):
    request = pb.UploadPosterImageRequest(
        file=data or picture(750, 1334), purpose="template", theme=theme, name=name, qr_position=position
    )
    return marketing.call("UploadPosterImage", request, token=token)


def upload_own(marketing, token, data=None, name=""):
    request = pb.UploadPosterImageRequest(file=data or picture(1200, 900, "JPEG"), purpose="own", name=name)
    return marketing.call("UploadPosterImage", request, token=token)


def make(marketing, token, **kw):
    request = pb.MakePosterRequest(link_base=CARD_BASE, caption=CAPTION, **kw)
    return marketing.call("MakePoster", request, token=token)


def qr_of(png: bytes) -> str:
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def test_d4_a_poster_from_the_owners_template_carries_the_salespersons_card_link(marketing, tenant, file_store):
    template = upload_template(marketing, tenant.owner)
    assert (template.purpose, template.theme, template.qr_position) == ("template", "festival", "top_left")
    assert (template.width, template.height, template.content_type) == (750, 1334, "image/png")

    listed = marketing.call("ListPosterImages", pb.ListPosterImagesRequest(purpose="template"), token=tenant.sales)
    assert [i.id for i in listed.images] == [template.id]
    other_theme = pb.ListPosterImagesRequest(purpose="template", theme="business")
    assert not marketing.call("ListPosterImages", other_theme, token=tenant.sales).images
    stored = marketing.call("ReadPosterImage", pb.ReadPosterImageRequest(id=template.id), token=tenant.sales)
    assert stored.content_type == "image/png" and Image.open(io.BytesIO(stored.data)).size == (750, 1334)

    made = make(marketing, tenant.sales, image_id=template.id)
    image = Image.open(io.BytesIO(made.png))
    assert image.size == (750, 1334)
    assert qr_of(made.png) == made.url == CARD_BASE + made.token
    # The stamp is where the template says: the top-left corner is no longer the picture.
    corner = image.crop((40, 40, 80, 80)).convert("L").getextrema()
    assert corner[1] == 255  # white box (or QR) where the stripes were

    card = marketing.call("OpenCard", pb.OpenShareRequest(token=made.token), as_service=True)
    assert card.staff_id == tenant.sales_id
    again = make(marketing, tenant.sales, image_id=template.id)
    assert again.token == made.token  # the same template again: the same poster and link
    other = make(marketing, tenant.other_sales, image_id=template.id)
    assert other.token != made.token and qr_of(other.png) == CARD_BASE + other.token


def test_d4_my_own_picture_becomes_a_poster_counted_apart(marketing, tenant):
    photo = upload_own(marketing, tenant.sales, name="展会现场")
    assert (photo.purpose, photo.theme, photo.qr_position, photo.content_type) == (
        "own",
        "",
        "bottom_right",
        "image/jpeg",
    )
    made = make(marketing, tenant.sales, image_id=photo.id, qr_position="bottom_center")
    assert Image.open(io.BytesIO(made.png)).size == (750, 750)  # a landscape photo is cropped square
    assert qr_of(made.png) == CARD_BASE + made.token

    template = upload_template(marketing, tenant.owner)
    on_template = make(marketing, tenant.sales, image_id=template.id)
    card_poster = marketing.call("CardPoster", pb.CardPosterRequest(link_base=CARD_BASE), token=tenant.sales)
    assert len({made.token, on_template.token, card_poster.token}) == 3

    first = marketing.call("OpenCard", pb.OpenShareRequest(token=made.token), as_service=True)
    marketing.call("OpenCard", pb.OpenShareRequest(token=made.token, visitor_key=first.visitor_key), as_service=True)
    marketing.call("OpenCard", pb.OpenShareRequest(token=made.token), as_service=True)
    marketing.call("OpenCard", pb.OpenShareRequest(token=on_template.token), as_service=True)

    mine = marketing.call("ListMyPosters", pb.ListMyPostersRequest(), token=tenant.sales)
    by_token = {p.token: (p.kind, p.title, p.views, p.visitors, bool(p.poster_id)) for p in mine.posters}
    assert by_token == {
        made.token: ("card", "展会现场", 3, 2, True),
        on_template.token: ("card", "中秋团圆", 1, 1, True),
        card_poster.token: ("card", "", 0, 0, False),
    }
    assert mine.visitors == 3
    source = pb.ListVisitorsRequest(source="poster")
    assert marketing.call("ListVisitors", source, token=tenant.sales).page.total == 3

    poster_id = next(p.poster_id for p in mine.posters if p.token == made.token)
    redrawn = marketing.call(
        "DrawMyPoster", pb.DrawMyPosterRequest(poster_id=poster_id, link_base=CARD_BASE), token=tenant.sales
    )
    assert redrawn.token == made.token and qr_of(redrawn.png) == made.url
    with pytest.raises(NotFound):
        marketing.call(
            "DrawMyPoster", pb.DrawMyPosterRequest(poster_id=poster_id, link_base=CARD_BASE), token=tenant.other_sales
        )


def test_d12_an_image_text_post_becomes_a_poster(marketing, tenant):
    text = "国庆大促\n全场饮料第二箱半价，欢迎老板们来电订货！"
    alone = make(marketing, tenant.sales, text=text, theme="festival")
    assert Image.open(io.BytesIO(alone.png)).size == (750, 1334)
    assert qr_of(alone.png) == CARD_BASE + alone.token
    photo = upload_own(marketing, tenant.sales)
    with_picture = make(marketing, tenant.sales, text=text, image_id=photo.id)
    assert qr_of(with_picture.png) == CARD_BASE + with_picture.token
    assert with_picture.token != alone.token
    titles = {
        p.token: p.title for p in marketing.call("ListMyPosters", pb.ListMyPostersRequest(), token=tenant.sales).posters
    }
    assert titles[alone.token] == titles[with_picture.token] == "国庆大促"

    with pytest.raises(InvalidInput) as nothing:
        make(marketing, tenant.sales, text="  ")
    assert nothing.value.fields == {"text": "validation.required"}
    with pytest.raises(InvalidInput) as bad:
        make(marketing, tenant.sales, text="字" * 301, qr_position="middle", theme="neon")
    assert bad.value.fields == {
        "text": "validation.too_long",
        "qr_position": "validation.invalid_choice",
        "theme": "validation.invalid_choice",
    }


def test_d4_pictures_stay_with_their_tenant_and_salesperson(marketing, tenant):
    from marketing_testkit import ref, staff_token

    template = upload_template(marketing, tenant.owner)
    photo = upload_own(marketing, tenant.sales)
    outsider_tenant = ref("t")
    outsider = staff_token(outsider_tenant, ref("o"), "owner")

    templates = pb.ListPosterImagesRequest(purpose="template")
    assert not marketing.call("ListPosterImages", templates, token=outsider).images
    own = pb.ListPosterImagesRequest(purpose="own")
    assert not marketing.call("ListPosterImages", own, token=tenant.other_sales).images
    assert [i.id for i in marketing.call("ListPosterImages", own, token=tenant.sales).images] == [photo.id]
    for token, image_id in ((outsider, template.id), (outsider, photo.id), (tenant.other_sales, photo.id)):
        with pytest.raises(NotFound):
            marketing.call("ReadPosterImage", pb.ReadPosterImageRequest(id=image_id), token=token)
        with pytest.raises(NotFound):
            make(marketing, token, image_id=image_id)
        with pytest.raises(NotFound):
            marketing.call("DeletePosterImage", pb.DeletePosterImageRequest(id=image_id), token=token)


def test_d4_templates_are_the_owners_and_deleting_keeps_the_links(marketing, tenant, file_store):
    with pytest.raises(PermissionDenied):
        upload_template(marketing, tenant.sales)
    template = upload_template(marketing, tenant.manager)
    made = make(marketing, tenant.sales, image_id=template.id)
    with pytest.raises(PermissionDenied):
        marketing.call("DeletePosterImage", pb.DeletePosterImageRequest(id=template.id), token=tenant.sales)
    marketing.call("DeletePosterImage", pb.DeletePosterImageRequest(id=template.id), token=tenant.owner)
    with pytest.raises(NotFound):
        marketing.call("ReadPosterImage", pb.ReadPosterImageRequest(id=template.id), token=tenant.owner)
    assert (
        marketing.call("OpenCard", pb.OpenShareRequest(token=made.token), as_service=True).staff_id == tenant.sales_id
    )

    photo = upload_own(marketing, tenant.sales)
    marketing.call("DeletePosterImage", pb.DeletePosterImageRequest(id=photo.id), token=tenant.sales)
    assert not marketing.call("ListPosterImages", pb.ListPosterImagesRequest(purpose="own"), token=tenant.sales).images


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "file.empty"),
        (b"%PDF-1.4 not a picture", "file.unsupported_type"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "file.corrupt"),
        (png_claiming(8000, 6000), "file.too_many_pixels"),  # 48 megapixels announced in 100 bytes
        (png_claiming(30000, 30000), "file.too_many_pixels"),  # past Pillow's own bomb limit
        (b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), "file.too_large"),
    ],
    ids=["empty", "pdf", "corrupt", "pixels", "bomb", "bytes"],
)
def test_d4_bad_pictures_are_refused_naming_the_file(marketing, tenant, file_store, data, key):
    with pytest.raises(InvalidInput) as bad:
        marketing.call("UploadPosterImage", pb.UploadPosterImageRequest(file=data, purpose="own"), token=tenant.sales)
    assert bad.value.fields == {"file": key}
    assert not marketing.call("ListPosterImages", pb.ListPosterImagesRequest(purpose="own"), token=tenant.sales).images


def test_d4_bad_fields_are_named_at_once(marketing, tenant):
    request = pb.UploadPosterImageRequest(
        file=picture(), purpose="template", theme="neon", name="名" * 31, qr_position="middle"
    )
    with pytest.raises(InvalidInput) as bad:
        marketing.call("UploadPosterImage", request, token=tenant.owner)
    assert bad.value.fields == {
        "theme": "validation.invalid_choice",
        "name": "validation.too_long",
        "qr_position": "validation.invalid_choice",
    }
    with pytest.raises(InvalidInput) as purpose:
        marketing.call("ListPosterImages", pb.ListPosterImagesRequest(purpose="any"), token=tenant.sales)
    assert purpose.value.fields == {"purpose": "validation.invalid_choice"}
