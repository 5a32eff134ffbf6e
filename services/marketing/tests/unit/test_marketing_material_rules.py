"""D6: what a material upload may be, by its own bytes: the sniffed type (magic bytes; office
documents by the parts inside their zip), the kind's types and size limit, the fields."""

from __future__ import annotations

import io
import zipfile

import pytest

from marketing.domain import materials as m


def office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
GIF = b"GIF89a" + b"\x00" * 20
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20
MOV = b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 20


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PDF, m.PDF),
        (office("word/"), m.DOCX),
        (office("xl/"), m.XLSX),
        (office("ppt/"), m.PPTX),
        (JPEG, m.JPEG),
        (PNG, m.PNG),
        (GIF, m.GIF),
        (WEBP, m.WEBP),
        (MP4, m.MP4),
        (MOV, m.MOV),
    ],
)
def test_d6_the_bytes_name_the_type(data, content_type):
    assert m.sniff(data) == content_type


@pytest.mark.parametrize(
    "data",
    [b"hello, world", b"<html><script>", b"MZ\x90\x00", plain_zip(), b"PK\x03\x04broken", b"RIFF\x00\x00\x00\x00AVI "],
)
def test_d6_unknown_bytes_have_no_type_whatever_their_name(data):
    assert m.sniff(data) is None


def test_d6_a_file_must_be_one_of_its_kinds_types():
    assert m.check_file(m.DOCUMENT, PDF) == m.PDF
    assert m.check_file(m.IMAGE, GIF) == m.GIF
    assert m.check_file(m.VIDEO, MOV) == m.MOV
    for kind, data in ((m.IMAGE, PDF), (m.DOCUMENT, PNG), (m.VIDEO, JPEG), (m.DOCUMENT, plain_zip())):
        with pytest.raises(m.Rejected) as refused:
            m.check_file(kind, data)
        assert refused.value.message_key == m.UNSUPPORTED_TYPE
    with pytest.raises(m.Rejected) as refused:
        m.check_file(m.IMAGE, b"")
    assert refused.value.message_key == m.EMPTY


def test_d6_each_kind_has_its_size_limit():
    assert (m.MAX_BYTES[m.IMAGE], m.MAX_BYTES[m.DOCUMENT], m.MAX_BYTES[m.VIDEO]) == (10 * m.MB, 20 * m.MB, 100 * m.MB)
    at_limit = PNG + b"\x00" * (m.MAX_BYTES[m.IMAGE] - len(PNG))
    assert m.check_file(m.IMAGE, at_limit) == m.PNG
    with pytest.raises(m.Rejected) as refused:
        m.check_file(m.IMAGE, at_limit + b"\x00")
    assert refused.value.message_key == m.TOO_LARGE
    # What is too large for an image is fine for a document.
    assert m.check_file(m.DOCUMENT, PDF + b"\x00" * (m.MAX_BYTES[m.IMAGE])) == m.PDF


def test_d6_fields_are_checked_all_at_once():
    assert m.check_fields("产品手册", m.DOCUMENT, "", "", "手册.pdf") == {}
    assert m.check_fields("开场话术", m.SCRIPT, "话术", "您好，我是…", "") == {}
    problems = m.check_fields(" ", "audio", "x" * 21, "y" * 5001, "z" * 201)
    assert problems == {
        "title": "validation.required",
        "kind": "validation.invalid_choice",
        "folder": "validation.too_long",
        "text": "validation.too_long",
        "file_name": "validation.too_long",
    }
    assert m.check_fields("空话术", m.SCRIPT, "", "  ", "") == {"text": "validation.required"}


def test_d6_a_file_name_loses_its_path_and_control_characters():
    assert m.clean_file_name("C:\\Users\\me\\产品手册.pdf") == "产品手册.pdf"
    assert m.clean_file_name('../../etc/"pass\nwd".pdf') == "passwd.pdf"


def test_d6_byte_ranges_for_players_and_resumed_downloads():
    assert m.byte_range(100, 0, 0) == (0, 100)
    assert m.byte_range(100, 10, 20) == (10, 30)
    assert m.byte_range(100, 90, 50) == (90, 100)
    assert m.byte_range(100, 100, 0) is None
    assert m.byte_range(100, -1, 0) is None
    assert m.byte_range(0, 0, 0) == (0, 0)
