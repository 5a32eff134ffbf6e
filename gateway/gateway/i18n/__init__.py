"""User-facing text: i18n keys rendered in the caller's language (Simplified Chinese by default).

Services never send prose, only keys (`error.customer_not_found`, `validation.required`) and
params; this is the one place they become words. A key we do not know must never leak to a
screen, so `render` takes the text to fall back to.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")
_HERE = Path(__file__).parent


@cache
def catalog(language: str) -> dict[str, str]:
    return json.loads((_HERE / f"{language}.json").read_text(encoding="utf-8"))


class _Params(dict):
    # A template naming a param the service did not send renders it empty instead of failing.
    def __missing__(self, key: str) -> str:
        return ""


def has(key: str | None, language: str = DEFAULT_LANGUAGE) -> bool:
    return bool(key) and key in catalog(language)


def render(key: str | None, params: dict | None = None, *, language: str = DEFAULT_LANGUAGE, fallback: str) -> str:
    """The text of `key` in `language`, else of `fallback` (a key that must exist)."""
    table = catalog(language)
    template = table.get(key or "") or table.get(fallback) or catalog(DEFAULT_LANGUAGE)[fallback]
    try:
        return template.format_map(_Params(params or {}))
    except (ValueError, IndexError, AttributeError):
        # A malformed template is our bug; show it unformatted rather than failing the response.
        return template


def pick_language(accept_language: str | None) -> str:
    """The first language of Accept-Language (by quality) that we speak; Chinese otherwise."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        # "en_US" is how WeChat and Java name a locale; the header's own form is "en-US".
        ranked.append((-quality, position, tag.strip().lower().replace("_", "-")))
    for neg_quality, _, tag in sorted(ranked):
        if neg_quality >= 0:
            continue
        primary = tag.split("-")[0]
        if primary == "zh":
            return "zh_CN"
        if primary == "en":
            return "en"
    return DEFAULT_LANGUAGE
