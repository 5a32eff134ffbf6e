"""Articles of the company library (D1): what a valid article is, the HTML an article may carry,
and which modules of its page show.

Article HTML comes from an editor or from an imported page, so it is untrusted: it is cleaned
with Ammonia (nh3) to an allow-list of formatting tags and attributes, links and images are kept
only for http(s), and every script, style, event handler and iframe is dropped before storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nh3

from crmkit.errors import InvalidInput

from ..errors import ErrorCode

TITLE_MAX = 100
SUMMARY_MAX = 300
URL_MAX = 500
BODY_MAX = 200_000  # characters of HTML before cleaning: a long article with many images
PRODUCTS_MAX = 6  # recommended products at the end of an article
RECOMMENDED_MAX = 3  # recommended articles (D1: "up to 3")

# Parts of an article's public page the admin may hide for all, and a salesperson hide more.
CONTACT = "contact"  # the sharer's contact block (name, phone, WeChat, avatar)
RECOMMENDED_ARTICLES = "recommended_articles"
PRODUCTS = "products"  # recommended products linking to the mall (D14)
READ_COUNT = "read_count"  # "N people read this"
MODULES = (CONTACT, RECOMMENDED_ARTICLES, PRODUCTS, READ_COUNT)

CONTACT_POSITIONS = ("top", "bottom", "floating")

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "blockquote", "pre", "code", "ul", "ol", "li", "a", "img", "span", "div", "section", "figure",
    "figcaption", "table", "thead", "tbody", "tr", "th", "td", "video", "source",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "video": {"src", "poster", "controls", "width", "height"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"style"},
}
# Inline styles survive only as these properties: editors' alignment and colour, never position
# or url() tricks.
_STYLE_PROPERTIES = {"text-align", "color", "background-color", "font-weight", "font-style", "text-decoration"}


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(html: str) -> str:
    """The words of an article without markup (for a summary when none is given)."""
    return " ".join(nh3.clean(html, tags=set()).split())


@dataclass(frozen=True)
class ArticleDraft:
    title: str
    summary: str
    cover_url: str
    category_id: str | None
    body_html: str
    product_ids: tuple[str, ...]
    hidden_modules: tuple[str, ...]
    source_url: str


def _problem(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=fields)


def _url(value: str, field: str, problems: dict[str, str]) -> str:
    value = value.strip()
    if value and (len(value) > URL_MAX or not value.startswith(("https://", "http://", "/"))):
        problems[field] = "validation.invalid"
    return value


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def modules_problem(modules: Sequence[str]) -> str | None:
    return "validation.invalid_choice" if any(m not in MODULES for m in modules) else None


def check_article(
    *,
    title: str,
    summary: str,
    cover_url: str,
    category_id: str,
    body_html: str,
    product_ids: Sequence[str],
    hidden_modules: Sequence[str],
    source_url: str = "",
) -> ArticleDraft:
    """A clean draft, or InvalidInput naming every bad field at once."""
    problems: dict[str, str] = {}
    title = " ".join(title.split())
    if not title:
        problems["title"] = "validation.required"
    elif len(title) > TITLE_MAX:
        problems["title"] = "validation.too_long"
    if len(body_html) > BODY_MAX:
        problems["body_html"] = "validation.too_long"
    body = clean_html(body_html) if "body_html" not in problems else ""
    if "body_html" not in problems and not plain_text(body) and "<img" not in body and "<video" not in body:
        problems["body_html"] = "validation.required"
    summary = " ".join(summary.split()) or plain_text(body)[:120]
    if len(summary) > SUMMARY_MAX:
        problems["summary"] = "validation.too_long"
    cover = _url(cover_url, "cover_url", problems)
    source = _url(source_url, "source_url", problems)
    products = unique(product_ids)
    if len(products) > PRODUCTS_MAX:
        problems["product_ids"] = "validation.too_many"
    hidden = unique(hidden_modules)
    if problem := modules_problem(hidden):
        problems["hidden_modules"] = problem
    if problems:
        raise _problem(problems)
    return ArticleDraft(title, summary, cover, category_id.strip() or None, body, products, hidden, source)


def check_category_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise _problem({"name": "validation.required"})
    if len(name) > 30:
        raise _problem({"name": "validation.too_long"})
    return name


def visible_modules(
    tenant_hidden: Iterable[str], article_hidden: Iterable[str], sharer_hidden: Iterable[str]
) -> tuple[str, ...]:
    """What a reader sees: the tenant's admin hides for everyone, the article may hide more, the
    sharing salesperson may hide more still; nobody can show what a level above hid."""
    hidden = set(tenant_hidden) | set(article_hidden) | set(sharer_hidden)
    return tuple(m for m in MODULES if m not in hidden)
