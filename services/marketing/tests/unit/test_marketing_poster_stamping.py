"""D4 own uploads, D12: where an uploaded picture and the salesperson's stamp go, and which
pictures are refused before they are stored (by their bytes, size and announced pixels)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from marketing_testkit import picture, png_claiming
from PIL import Image

from crmkit.filestore import FileRejected
from marketing import images, posters
from marketing.domain.posters import (
    POSITIONS,
    THEMES,
    canvas_size,
    cover_crop,
    post_title,
    stamp_origin,
)

LINK = "https://crm.example.com/c/0123456789abcdef0123456789abcdef"
STAMP = posters.Stamp("张业务", "13800000002", "长按识别二维码，查看我的名片")


def test_d4_a_picture_is_drawn_750_wide_within_bounds():
    assert canvas_size(1500, 2668) == (750, 1334)  # a phone-shaped template keeps its shape
    assert canvas_size(4000, 3000) == (750, 750)  # landscape: cropped square
    assert canvas_size(1000, 10000) == (750, 1624)  # a long strip: cut to the tallest
    assert canvas_size(0, 10) == (750, 750)


def test_d4_cover_crop_keeps_the_centre_with_the_targets_proportions():
    assert cover_crop(4000, 3000, 750, 750) == (500, 0, 3500, 3000)
    assert cover_crop(1000, 3000, 750, 750) == (0, 1000, 1000, 2000)
    assert cover_crop(750, 1334, 750, 1334) == (0, 0, 750, 1334)


@pytest.mark.parametrize(
    ("position", "origin"),
    [
        ("top_left", (32, 32)),
        ("top_right", (750 - 32 - 200, 32)),
        ("bottom_left", (32, 1334 - 32 - 300)),
        ("bottom_right", (750 - 32 - 200, 1334 - 32 - 300)),
        ("bottom_center", (275, 1334 - 32 - 300)),
    ],
)
def test_d4_the_stamp_goes_to_the_corner_asked(position, origin):
    assert stamp_origin((750, 1334), (200, 300), position, margin=32) == origin


def test_d12_a_posts_title_is_its_first_line():
    assert post_title("\n  国庆大促 \n第二箱半价") == "国庆大促"
    assert post_title("一" * 40) == "一" * 29 + "…"


@pytest.mark.parametrize("position", POSITIONS)
def test_d4_the_stamped_qr_reads_wherever_it_goes(position):
    picture_image = Image.open(io.BytesIO(picture(1500, 2668)))
    png = posters.render_on_picture(picture_image, position, STAMP, LINK)
    image = Image.open(io.BytesIO(png))
    assert image.size == (750, 1334)
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == LINK
    # The code sits inside the stamp's box at the position asked.
    x, y = stamp_origin(image.size, posters.stamp_size(STAMP), position, margin=32)
    box_w, box_h = posters.stamp_size(STAMP)
    left, top = code.position.top_left.x, code.position.top_left.y
    assert x <= left <= x + box_w and y <= top <= y + box_h


def test_d4_a_long_name_never_widens_the_stamp_past_the_picture():
    long = posters.Stamp("很长的名字" * 20, "13800000002", "长按识别二维码，查看我的名片")
    assert posters.stamp_size(long)[0] <= 320 + 2 * posters.STAMP_PAD


@pytest.mark.parametrize("with_picture", [True, False])
def test_d12_an_image_text_poster_reads(with_picture):
    cover = Image.open(io.BytesIO(picture(1200, 900))) if with_picture else None
    signature = posters.PosterText("", "", "张业务", "13800000002", "长按识别二维码")
    png = posters.render_text_post(THEMES["fresh"], "新品到店\n" + "好喝不贵" * 80, cover, signature, LINK)
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert code.text == LINK


def test_d4_pictures_are_typed_by_their_bytes():
    jpeg = images.check(picture(640, 480, "JPEG"))
    assert (jpeg.content_type, jpeg.width, jpeg.height) == ("image/jpeg", 640, 480)
    assert images.check(picture(64, 64, "WEBP")).content_type == "image/webp"
    assert images.check(picture(64, 64, "PNG")).content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "file.empty"),
        (b"GIF89a" + b"\0" * 100, "file.unsupported_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "file.unsupported_type"),
        (picture(64, 64, "PNG")[:200], "file.corrupt"),
        (png_claiming(7000, 7000), "file.too_many_pixels"),
        (png_claiming(40000, 40000), "file.too_many_pixels"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * images.MAX_BYTES, "file.too_large"),
    ],
    ids=["empty", "gif", "svg", "truncated", "pixels", "bomb", "bytes"],
)
def test_d4_bad_pictures_are_refused_with_the_reason(data, key):
    with pytest.raises(FileRejected) as refused:
        images.check(data)
    assert refused.value.message_key == key


def test_d4_a_photo_is_turned_upright_from_its_exif():
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    assert images.opened(out.getvalue()).size == (20, 40)


def test_d4_a_big_photo_is_decoded_no_larger_than_the_poster_needs():
    photo = images.opened(picture(6000, 4000, "JPEG"))
    assert photo.size == (3000, 2000)  # half: its short side still twice the poster's width
    assert images.opened(picture(1200, 900, "JPEG")).size == (1200, 900)
