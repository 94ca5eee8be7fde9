"""The user interface's languages: Finnish (default), English and Swedish where texts exist.
The language is chosen by the user (?lang=xx, remembered in a cookie), else taken from the
browser's Accept-Language. Texts are keyed by their English wording; a missing translation
shows the English text rather than nothing."""

from functools import partial
from pathlib import Path

import yaml
from fastapi import Request

LANGUAGES = {"fi": "suomi", "sv": "svenska", "en": "English"}
DEFAULT = "fi"
COOKIE = "kuultu_lang"

TRANSLATIONS = Path(__file__).with_name("translations")


def _load(language: str) -> dict[str, str]:
    path = TRANSLATIONS / f"{language}.yml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


# English is the key itself; the other languages are data files translators can edit.
CATALOG: dict[str, dict[str, str]] = {language: _load(language) for language in LANGUAGES}


def translate(language: str, text: str) -> str:
    return CATALOG.get(language, {}).get(text, text)


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def translator(language: str):
    return partial(translate, language)
