"""D1: what an article may carry. Untrusted HTML is cleaned to an allow-list before storage."""

from __future__ import annotations

import pytest

from crmkit.errors import InvalidInput
from marketing.domain.articles import MODULES, check_article, clean_html, visible_modules


def draft(**overrides):
    fields = {
        "title": "  春季 新品  上市 ",
        "summary": "",
        "cover_url": "https://img.example.com/c.jpg",
        "category_id": "",
        "body_html": "<p>新品到店，<strong>欢迎选购</strong></p>",
        "product_ids": [],
        "hidden_modules": [],
    }
    return check_article(**{**fields, **overrides})


def test_d1_scripts_handlers_and_frames_are_removed_before_storage():
    cleaned = clean_html(
        '<p onclick="steal()">读<script>alert(1)</script>我</p><iframe src="https://x"></iframe>'
        '<a href="javascript:alert(1)">链</a><img src="https://i.example.com/a.png" onerror="x()">'
        '<style>p{}</style><p style="position:fixed;color:red">红</p>'
    )
    assert "script" not in cleaned and "onclick" not in cleaned and "onerror" not in cleaned
    assert "iframe" not in cleaned and "javascript:" not in cleaned and "<style" not in cleaned
    assert "position" not in cleaned and "color:red" in cleaned
    assert '<img src="https://i.example.com/a.png">' in cleaned
    assert "读" in cleaned and "我" in cleaned


def test_d1_a_draft_is_trimmed_and_its_summary_taken_from_the_body():
    article = draft()
    assert article.title == "春季 新品 上市"
    assert article.summary == "新品到店， 欢迎选购" or article.summary.startswith("新品到店")
    assert article.category_id is None


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"title": " "}, "title", "validation.required"),
        ({"title": "长" * 101}, "title", "validation.too_long"),
        ({"body_html": "<script>x</script>"}, "body_html", "validation.required"),
        ({"body_html": "<p>" + "字" * 200_001 + "</p>"}, "body_html", "validation.too_long"),
        ({"cover_url": "javascript:alert(1)"}, "cover_url", "validation.invalid"),
        ({"product_ids": [f"p{i}" for i in range(7)]}, "product_ids", "validation.too_many"),
        ({"hidden_modules": ["contact", "ads"]}, "hidden_modules", "validation.invalid_choice"),
        ({"summary": "摘" * 301}, "summary", "validation.too_long"),
    ],
)
def test_d1_a_bad_field_is_named(overrides, field, key):
    with pytest.raises(InvalidInput) as err:
        draft(**overrides)
    assert err.value.fields[field] == key


def test_d1_an_image_only_article_is_an_article():
    assert draft(body_html='<p><img src="https://i.example.com/poster.png"></p>').body_html


def test_d1_each_level_may_hide_more_but_never_show_what_a_level_above_hid():
    assert visible_modules([], [], []) == MODULES
    shown = visible_modules(["products"], ["read_count"], ["contact"])
    assert shown == ("recommended_articles",)
    assert "products" not in visible_modules(["products"], [], [])
