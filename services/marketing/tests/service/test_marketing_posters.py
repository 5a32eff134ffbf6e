"""D4 D12 on PostgreSQL through gRPC: a salesperson's poster of an article is a PNG whose QR code
(decoded by zxing-cpp, independently of the encoder) is their poster link, whose readers count as
come by poster; its Chinese is drawn with real glyphs, not the font's missing-glyph box."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageFont

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound
from marketing.catalogue import Product
from marketing.posters import font_path

BASE = "https://crm.example.com/s/"


def publish(marketing, tenant):
    draft = pb.ArticleInput(
        title="春季订货会邀请函", summary="诚邀各位老板莅临，现场下单享折扣", body_html="<p>正文</p>"
    )
    made = marketing.call("CreateArticle", draft, token=tenant.owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=tenant.owner)
    return made


def poster(marketing, token, article_id, **kw):
    request = pb.ArticlePosterRequest(article_id=article_id, link_base=BASE, caption="长按识别二维码阅读全文", **kw)
    return marketing.call("ArticlePoster", request, token=token)


def test_d4_the_posters_qr_is_the_salespersons_poster_link(marketing, tenant, sharers):
    article = publish(marketing, tenant)
    made = poster(marketing, tenant.sales, article.id, theme="festival")
    image = Image.open(io.BytesIO(made.png))
    assert image.format == "PNG" and image.size == (750, 1334)
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == made.url == BASE + made.token
    assert (tenant.id, tenant.sales_id) in sharers.asked

    opened = marketing.call("OpenShare", pb.OpenShareRequest(token=made.token), as_service=True)
    assert opened.sharer_staff_id == tenant.sales_id
    visitors = marketing.call("ListVisitors", pb.ListVisitorsRequest(source="poster"), token=tenant.sales)
    assert visitors.page.total == 1  # acquisitions counted per poster link
    again = poster(marketing, tenant.sales, article.id)
    assert again.token == made.token  # one poster link per salesperson and article
    assert marketing.call("GetArticle", pb.GetArticleRequest(id=article.id), token=tenant.owner).share_count == 2


def test_d4_chinese_is_drawn_with_real_glyphs():
    font = ImageFont.truetype(str(font_path()), 52)
    missing = font.getmask("\U0010fffd")  # a private-use code point no font draws: the box
    for char in "春季订货会邀请函长按识别二维码":
        glyph = font.getmask(char)
        assert glyph.getbbox() is not None, char
        same_size = glyph.size == missing.size
        assert (
            not same_size
            or ImageChops.difference(
                Image.frombytes("L", glyph.size, bytes(glyph)), Image.frombytes("L", missing.size, bytes(missing))
            ).getbbox()
        ), char


def test_d4_bad_requests_are_named_and_an_article_off_is_refused(marketing, tenant):
    article = publish(marketing, tenant)
    with pytest.raises(InvalidInput) as bad:
        marketing.call(
            "ArticlePoster",
            pb.ArticlePosterRequest(article_id=article.id, theme="neon", link_base="javascript:x", caption="字" * 41),
            token=tenant.sales,
        )
    assert bad.value.fields == {
        "theme": "validation.invalid_choice",
        "link_base": "validation.invalid",
        "caption": "validation.too_long",
    }
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=article.id, active=False), token=tenant.owner)
    with pytest.raises(Conflict):
        poster(marketing, tenant.sales, article.id)


def test_b11_a_products_poster_carries_the_salespersons_card_link(marketing, tenant, catalogue):
    catalogue.known["p-milk"] = Product("p-milk", "旺仔牛奶 245ml×24罐", "箱", 4850)
    request = pb.ProductPosterRequest(product_id="p-milk", link_base="https://crm.example.com/c/", caption="扫码看名片")
    made = marketing.call("ProductPoster", request, token=tenant.sales)
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(made.png)))
    assert code.text == made.url == "https://crm.example.com/c/" + made.token
    card = marketing.call("OpenCard", pb.OpenShareRequest(token=made.token), as_service=True)
    assert card.staff_id == tenant.sales_id  # a card was made for them from the template
    poster_visitors = marketing.call("ListVisitors", pb.ListVisitorsRequest(source="poster"), token=tenant.sales)
    assert poster_visitors.page.total == 1
    with pytest.raises(NotFound):
        marketing.call(
            "ProductPoster",
            pb.ProductPosterRequest(product_id="p-gone", link_base=request.link_base),
            token=tenant.sales,
        )


def test_d3_my_cards_poster_carries_my_card_link(marketing, tenant):
    request = pb.CardPosterRequest(theme="minimal", link_base="https://crm.example.com/c/", caption="扫码看名片")
    made = marketing.call("CardPoster", request, token=tenant.sales)
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(made.png)))
    assert code.text == made.url == "https://crm.example.com/c/" + made.token
    opened = marketing.call("OpenCard", pb.OpenShareRequest(token=made.token), as_service=True)
    assert opened.staff_id == tenant.sales_id and opened.card.display_name == "张业务"
    with pytest.raises(InvalidInput):
        marketing.call(
            "CardPoster", pb.CardPosterRequest(theme="neon", link_base=request.link_base), token=tenant.sales
        )


def test_d4_my_posters_count_what_each_brought(marketing, tenant):
    article = publish(marketing, tenant)
    on_article = poster(marketing, tenant.sales, article.id)
    on_card = marketing.call(
        "CardPoster", pb.CardPosterRequest(link_base="https://crm.example.com/c/"), token=tenant.sales
    )
    first = marketing.call("OpenShare", pb.OpenShareRequest(token=on_article.token), as_service=True)
    marketing.call(
        "OpenShare", pb.OpenShareRequest(token=on_article.token, visitor_key=first.visitor_key), as_service=True
    )
    marketing.call("OpenShare", pb.OpenShareRequest(token=on_article.token), as_service=True)
    marketing.call("OpenCard", pb.OpenShareRequest(token=on_card.token), as_service=True)
    mine = marketing.call("ListMyPosters", pb.ListMyPostersRequest(), token=tenant.sales)
    by_kind = {p.kind: (p.title, p.views, p.visitors) for p in mine.posters}
    assert by_kind == {"article": ("春季订货会邀请函", 3, 2), "card": ("", 1, 1)} and mine.visitors == 3
    assert not marketing.call("ListMyPosters", pb.ListMyPostersRequest(), token=tenant.other_sales).posters
