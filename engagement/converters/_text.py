"""Small text helpers shared by the converters: safe ids, HTML stripping, numbers, languages."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


def safe_id(raw: str, fallback: str = "item") -> str:
    """The instrument format's ids: letters, digits, '_', '.', '-', starting with a letter or digit, <= 100.

    Source ids that already fit are kept as they are, so answers exported by the source tool match.
    """
    s = _UNSAFE.sub("_", str(raw).strip()).lstrip("_.-")
    return (s or fallback)[:100]


def slug(raw: str, fallback: str = "instrument") -> str:
    """Instrument ids are kebab-case like participant-burden."""
    s = re.sub(r"[^a-z0-9]+", "-", str(raw).lower()).strip("-")
    return s[:100] or fallback


def checkbox_code(code: str) -> str:
    """REDCap's export suffix for a checkbox choice: lower case, punctuation to '_' (field___<code>)."""
    return re.sub(r"[^a-z0-9]", "_", str(code).strip().lower())


class _Stripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in {"br", "p", "div", "li"}:
            self.parts.append(" ")


def plain_text(raw: object) -> str:
    """Labels from REDCap and FHIR may carry rich-text HTML and line breaks; items hold plain text."""
    if raw is None:
        return ""
    s = str(raw)
    if "<" in s and ">" in s:
        stripper = _Stripper()
        stripper.feed(s)
        stripper.close()
        s = "".join(stripper.parts)
    else:
        s = html.unescape(s)
    return _SPACES.sub(" ", s).strip()


def as_number(raw: object) -> int | float | None:
    """'1', '1.0', '-99', '.34' -> numbers (integral values as int); anything else -> None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        s = str(raw).strip()
        if not _NUMBER.match(s):
            return None
        value = float(s)
    return int(value) if value.is_integer() else value


def code_text(raw: object) -> str:
    """A choice code as text: spreadsheet floats 1.0 -> '1', booleans as Excel shows them."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def version_text(raw: object, default: str = "1.0.0") -> str:
    """'1' -> '1.0.0', '0.0.1' kept; dates or build numbers are not versions, so the default is used."""
    s = code_text(raw)
    if not _VERSION.match(s):
        return default
    parts = s.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


LANGUAGE_CODES = {
    "english": "en",
    "french": "fr",
    "francais": "fr",
    "français": "fr",
    "spanish": "es",
    "espanol": "es",
    "español": "es",
    "german": "de",
    "deutsch": "de",
    "dutch": "nl",
    "nederlands": "nl",
    "italian": "it",
    "portuguese": "pt",
    "chinese": "zh",
    "mandarin": "zh",
    "arabic": "ar",
    "hindi": "hi",
    "swahili": "sw",
    "russian": "ru",
    "polish": "pl",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "finnish": "fi",
    "greek": "el",
    "turkish": "tr",
    "japanese": "ja",
    "korean": "ko",
    "vietnamese": "vi",
    "ukrainian": "uk",
    "romanian": "ro",
    "czech": "cs",
    "hungarian": "hu",
    "hebrew": "he",
    "bengali": "bn",
    "urdu": "ur",
    "amharic": "am",
    "somali": "so",
    "tagalog": "tl",
    "indonesian": "id",
    "malay": "ms",
    "thai": "th",
}
_CODE_IN_PARENS = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\)\s*$")
_LANG_CODE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def language_code(name: str) -> tuple[str, bool]:
    """'English (en)' or 'EN' -> ('en', False); 'english' -> ('en', True: mapped from a name)."""
    name = name.strip()
    m = _CODE_IN_PARENS.search(name)
    if m:
        return m.group(1).lower().replace("_", "-"), False
    if _LANG_CODE.match(name) and name.lower() not in LANGUAGE_CODES and len(name) <= 3:
        return name.lower(), False
    key = name.lower()
    if key in LANGUAGE_CODES:
        return LANGUAGE_CODES[key], True
    return slug(key, "und"), True
