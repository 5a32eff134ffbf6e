"""Smart business cards (D3): the tenant's template (module names and visibility for every card,
and the defaults a new card starts from) and what a salesperson's own card may hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from crmkit.errors import InvalidInput

from ..errors import ErrorCode
from .articles import unique

INTRO, PRODUCTS, NEWS, COMPANY = "intro", "products", "news", "company"
MODULES = (INTRO, PRODUCTS, NEWS, COMPANY)
DEFAULT_NAMES = {INTRO: "个人简介", PRODUCTS: "主推商品", NEWS: "我的资讯", COMPANY: "我的企业"}
NAME_MAX = 10
SHORT_MAX, TEXT_MAX, URL_MAX = 50, 1000, 500
ITEMS_MAX = 6


@dataclass(frozen=True)
class Module:
    key: str
    name: str
    visible: bool


@dataclass(frozen=True)
class CardContent:
    """What a card says; the template holds the defaults a new card is copied from."""

    display_name: str = ""
    job_title: str = ""
    phone: str = ""
    wechat: str = ""
    email: str = ""
    avatar_url: str = ""
    intro: str = ""
    company_name: str = ""
    company_intro: str = ""
    company_address: str = ""
    product_ids: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()


DEFAULT_MODULES = tuple(Module(key, DEFAULT_NAMES[key], True) for key in MODULES)
# The fields the template decides for every card it is applied to: the company's and the job
# title. The intro is only a new card's first draft: each salesperson's own words are kept.
TEMPLATE_FIELDS = ("job_title", "company_name", "company_intro", "company_address")
SHORT_FIELDS = ("display_name", "job_title", "phone", "wechat", "email", "company_name")
LONG_FIELDS = ("intro", "company_intro", "company_address")


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=fields)


def check_modules(modules: Sequence[Module]) -> tuple[Module, ...]:
    """Every module once, in the order given; a name of 1–10 characters."""
    problems = {}
    keys = [m.key for m in modules]
    if sorted(keys) != sorted(MODULES):
        problems["modules"] = "validation.invalid_choice"
    for m in modules:
        name = m.name.strip()
        if not name or len(name) > NAME_MAX:
            problems[f"modules.{m.key}.name"] = "validation.required" if not name else "validation.too_long"
    if problems:
        raise _invalid(problems)
    return tuple(Module(m.key, m.name.strip(), m.visible) for m in modules)


def check_content(content: CardContent) -> CardContent:
    problems = {}
    cleaned = {}
    for name in SHORT_FIELDS + LONG_FIELDS:
        value = " ".join(getattr(content, name).split()) if name in SHORT_FIELDS else getattr(content, name).strip()
        if len(value) > (SHORT_MAX if name in SHORT_FIELDS else TEXT_MAX):
            problems[name] = "validation.too_long"
        cleaned[name] = value
    avatar = content.avatar_url.strip()
    if avatar and (len(avatar) > URL_MAX or not avatar.startswith(("https://", "http://", "/"))):
        problems["avatar_url"] = "validation.invalid"
    products, articles = unique(content.product_ids), unique(content.article_ids)
    if len(products) > ITEMS_MAX:
        problems["product_ids"] = "validation.too_many"
    if len(articles) > ITEMS_MAX:
        problems["article_ids"] = "validation.too_many"
    if problems:
        raise _invalid(problems)
    return replace(content, avatar_url=avatar, product_ids=products, article_ids=articles, **cleaned)


def from_template(template: CardContent, display_name: str, phone: str) -> CardContent:
    """A new card: the template's defaults with the salesperson's own name and phone."""
    return replace(template, display_name=display_name, phone=phone, product_ids=(), article_ids=())


def apply_template(card: CardContent, template: CardContent) -> CardContent:
    """The template copied onto an existing card (将名片复制给老员工): its fields replace the
    card's; the salesperson's name, contacts, intro, products and news stay theirs."""
    return replace(card, **{name: getattr(template, name) for name in TEMPLATE_FIELDS})
