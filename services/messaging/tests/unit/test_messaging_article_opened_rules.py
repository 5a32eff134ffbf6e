"""D2 F4: what the salesperson is told when a reader opens their shared article (pure rules), and
that every title it can pick has its words in each of the gateway's catalogues."""

import json
from itertools import product
from pathlib import Path

import pytest

from messaging.domain.article_notifications import (
    article_opened_notification,
    parse_article_opened,
    title_key,
)
from messaging.domain.notifications import MalformedEvent

I18N = Path(__file__).resolve().parents[4] / "gateway" / "gateway" / "i18n"


def data(**over):
    base = {
        "article_id": "a1",
        "title": "春季订货会邀请",
        "share_id": "sh1",
        "sharer_staff_id": "s1",
        "method": "link",
        "depth": 0,
        "forwarded_by_visitor_id": "",
        "visitor_id": "v1",
        "nickname": "",
        "first_visit": True,
        "view_id": "w1",
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("over", "key"),
    [
        ({"nickname": "老王"}, "notification.article_opened"),
        ({"nickname": "老王", "depth": 2}, "notification.article_opened_forwarded"),
        ({}, "notification.article_opened_new_visitor"),
        ({"first_visit": False}, "notification.article_opened_returning_visitor"),
        ({"depth": 1}, "notification.article_opened_forwarded_new_visitor"),
        ({"depth": 1, "first_visit": False}, "notification.article_opened_forwarded_returning_visitor"),
        # blank nicknames are no name
        ({"nickname": "   "}, "notification.article_opened_new_visitor"),
    ],
)
def test_d2_the_title_names_the_reader_and_says_when_it_came_by_a_forward(over, key):
    assert title_key(parse_article_opened(data(**over))) == key


def test_d2_the_sharer_is_told_about_the_article():
    draft = article_opened_notification(parse_article_opened(data(nickname="老王", depth=1)))
    assert (draft.recipient_staff_id, draft.kind, draft.subject) == ("s1", "article_opened", "article:a1")
    assert draft.params == {
        "visitor": "老王",
        "title": "春季订货会邀请",
        "article_id": "a1",
        "share_id": "sh1",
        "visitor_id": "v1",
        "view_id": "w1",
        "depth": "1",
        "kind": "article",
    }


def test_d2_long_names_and_titles_are_cut_for_a_toast():
    draft = article_opened_notification(parse_article_opened(data(nickname="名" * 50, title="题\n" * 100)))
    assert draft.params["visitor"] == "名" * 19 + "…"
    assert len(draft.params["title"]) == 40 and draft.params["title"].endswith("…")


@pytest.mark.parametrize(
    "bad", [{"article_id": ""}, {"sharer_staff_id": None}, {"depth": "deep"}], ids=["article", "sharer", "depth"]
)
def test_d2_an_event_without_what_the_rule_needs_is_malformed(bad):
    with pytest.raises(MalformedEvent):
        parse_article_opened(data(**bad))


def test_d6_a_shared_material_is_told_as_a_material_with_its_title():
    event = data(kind="material", item_id="m1", article_id="m1", title="秋季产品手册", nickname="老王")
    draft = article_opened_notification(parse_article_opened(event))
    assert (draft.title_key, draft.subject) == ("notification.material_opened", "material:m1")
    assert (draft.params["title"], draft.params["article_id"], draft.params["kind"]) == (
        "秋季产品手册",
        "m1",
        "material",
    )
    words = json.loads((I18N / "zh_CN.json").read_text(encoding="utf-8"))
    assert "素材" in words[draft.title_key] and "{title}" in words[draft.title_key]


def test_d2_every_title_has_words_in_each_language():
    keys = {
        title_key(parse_article_opened(data(nickname=n, depth=d, first_visit=f, kind=k)))
        for n, d, f, k in product(("", "老王"), (0, 1), (True, False), ("article", "material"))
    }
    assert len(keys) == 12
    for catalogue in ("zh_CN.json", "en.json"):
        words = json.loads((I18N / catalogue).read_text(encoding="utf-8"))
        assert sorted(keys - set(words)) == [], catalogue
