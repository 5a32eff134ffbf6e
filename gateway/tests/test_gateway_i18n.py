"""H1: every key a service may send has Chinese (and English) text; languages are picked right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway import i18n

REPO = Path(__file__).resolve().parents[2]


def test_h1_catalogs_have_the_same_keys():
    assert set(i18n.catalog("zh_CN")) == set(i18n.catalog("en"))


def test_h1_every_key_in_the_service_conventions_has_chinese_text():
    conventions = (REPO / "docs" / "service-conventions.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:error|validation|notification)\.[a-z_]+[a-z])\b", conventions))

    assert named and named <= set(i18n.catalog("zh_CN"))


def test_h1_every_key_the_services_raise_has_chinese_text():
    sources = [p for p in (REPO / "services").rglob("*.py") if "tests" not in p.parts]
    raised = {
        k for p in sources for k in re.findall(r"\"((?:error|validation|notification)\.[a-z_]+)\"", p.read_text())
    }

    assert raised <= set(i18n.catalog("zh_CN")), raised - set(i18n.catalog("zh_CN"))


def test_h1_render_fills_params_and_falls_back_never_to_the_raw_key():
    assert i18n.render("notification.customer_registered", {"customer_name": "张三"}, fallback="error.internal") == (
        "新客户登记：张三"
    )
    assert i18n.render("error.made_up", fallback="error.not_found") == "请求的资源不存在"
    assert i18n.render("error.rate_limited", {}, fallback="error.internal") == "请求过于频繁，请  秒后再试"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh_CN"),
        ("", "zh_CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("en_US", "en"),
        ("zh_CN", "zh_CN"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.2, zh-TW;q=0.8", "zh_CN"),
        ("en;q=0", "zh_CN"),
        ("de", "zh_CN"),
    ],
)
def test_h1_language_is_picked_from_accept_language(header, language):
    assert i18n.pick_language(header) == language
