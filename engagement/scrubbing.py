"""Free-text scrubbing: identifiers in comments are replaced with [REDACTED:<type>] before analysis.

Offline rules only (regular expressions compiled once, plus a roster deny-list); nothing downloads a
model. Types: email, phone, url, date, postcode, record_number, name. Participant codes from the
roster are redacted as record_number. Everyday numbers ("2 hours", "3 visits", "50 km", "10/10",
"in 2023") are left alone; benchmarks/bench_scrub_recall.py measures both recall and over-redaction.

Detectors may overlap ("12.03.2024 14.30" is a date and looks like a phone number): overlapping
findings are merged into one redaction, typed by the most specific detector, so the union of what
every detector found is always removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from engagement.errors import fail

TYPES = ("email", "phone", "url", "date", "postcode", "record_number", "name")


@dataclass(frozen=True)
class Finding:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class ScrubResult:
    text: str
    found: tuple[Finding, ...]


@dataclass(frozen=True)
class Roster:
    """Known people's names (word parts) and participant codes, folded for matching."""

    parts: frozenset[str] = frozenset()          # matched in any case
    capital_parts: frozenset[str] = frozenset()  # everyday words (Will, Rose): matched when capitalised
    codes: frozenset[str] = frozenset()
    code_tokens: int = 1                         # most word pieces a code spans ("S1-P-0003" has 3)
    code_prefixes: frozenset[str] = frozenset()  # every prefix of a code: where a code can start
    phones: frozenset[str] = frozenset()         # last 9 digits of known phone numbers
    emails: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.parts or self.capital_parts or self.codes or self.phones or self.emails)


# ------------------------------------------------------------------------------ folding


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    """Lower case without accents; may be '' (a combining mark) or two letters (ß -> ss)."""
    if c.isascii():
        return c.lower()
    decomposed = unicodedata.normalize("NFKD", c)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when lengths differ, the original index of every folded character."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        f = _fold_char(c)
        out.append(f)
        where.extend([i] * len(f))
    folded = "".join(out)
    return folded, (None if len(folded) == len(text) and all(len(x) == 1 for x in out) else where)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Everyday words that are also first names or surnames: matched only when capitalised.
COMMON_NAME_WORDS = _word_set("""
will bill mark rose may june april august hope joy faith sunny rich frank victor art bob sue pat dawn
eve summer autumn ruby amber pearl iris lily violet ivy holly daisy jack mike nick rob chase drew glen
gene guy lane long little park ray reed rich rock sky star stone storm wood young white black brown
green gray grey king knight page price rice miller baker cook fisher hunter mason porter shepherd
sterling walker ward west north day love moody sweet noble hardy wise sharp bright gay bishop dean major
waters hill holmes banks bush field fields marsh moss pool lake bay de la le da van von der den del di
dos das du des el al bin ben ali the and ni mac mc st ibn abu ter ten op het
""")

# Words in account and role names ("Demo site staff (first site only)") that are never a person's name:
# left out of the roster, or every comment about "the site staff" would lose words.
GENERIC_WORDS = _word_set("""
demo test user users account admin administrator sponsor sponsors advocate advocates patient patients
participant participants carer carers caregiver caregivers trial trials manager managers management site
sites staff team teams study studies research researcher coordinator coordinators office clinic clinics
hospital department dept support service services desk system first second only all any none other
read viewer member members guest role panel group lead senior junior assistant data reception pharmacy
lab unit nurse nurses doctor doctors physician investigator principal sub of for from with at in on to
a an my our your new old main central general head chief deputy acting local national international
""")

_WORD = re.compile(r"\w+")
TITLES = _word_set("""
dr doctor nurse sister matron mr mrs ms miss prof professor dott dottssa sr sra srta mme mlle herr frau
mevrouw meneer
""")


def _name_variants(token: str) -> set[str]:
    """German transliterations both ways: Müller, Muller and Mueller all meet."""
    out = {fold(token)[0]}
    long = token.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    out.add(fold(long)[0])
    for plain, spelled in (("a", "ae"), ("o", "oe"), ("u", "ue")):
        if spelled in token:
            out.add(fold(token.replace(spelled, plain))[0])
    return out


def build_roster(names: Iterable[str], codes: Iterable[str], contacts: Iterable[str] = ()) -> Roster:
    """A deny-list from participants' and staff names, participant codes and known e-mails or phones."""
    parts: set[str] = set()
    capital: set[str] = set()
    for i, name in enumerate(names):
        text = _entry(name, "names", i)
        if not text:
            continue
        chunks = text.lower().replace("_", " ").split()
        joined = [re.sub(r"[\W_]", "", c) for c in chunks if re.search(r"['’\-]", c)]   # o'brien -> obrien
        for token in [*_WORD.findall(text.lower().replace("_", " ")), *joined]:
            for variant in _name_variants(token):
                if len(variant) < 2 or variant.isdigit() or variant in GENERIC_WORDS:
                    continue
                (capital if variant in COMMON_NAME_WORDS else parts).add(variant)
    code_keys: set[str] = set()
    most = 1
    for i, code in enumerate(codes):
        text = _entry(code, "codes", i)
        key = _code_key(text)
        if len(key) >= 3:
            code_keys.add(key)
            most = max(most, len(_WORD.findall(text.replace("_", " "))))
    phones, emails = set(), set()
    for i, contact in enumerate(contacts):
        text = _entry(contact, "contacts", i)
        if not text:
            continue
        if "@" in text:
            emails.add(fold(text)[0])
        elif len(digits := re.sub(r"\D", "", text)) >= 7:
            phones.add(digits[-9:])
    prefixes = frozenset(k[:i] for k in code_keys for i in range(1, len(k) + 1))
    return Roster(frozenset(parts - capital), frozenset(capital), frozenset(code_keys), most, prefixes,
                  frozenset(phones), frozenset(emails))


def _entry(value: object, what: str, i: int) -> str:
    """The entry as text; None and blanks are skipped (a person without a recorded name)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail("S506", f"{what} entry {i + 1} is {value!r}, not text", item=what, row=i + 1)
    return value.strip()


def _code_key(text: str) -> str:
    return re.sub(r"[\W_]", "", fold(text)[0])


# ------------------------------------------------------------------------------ detectors

_TLD_SAFE = (r"com|org|net|edu|gov|info|io|uk|fr|nl|eu|ch|ie|ca|health|ly|de|es|se|dk|no|fi|pt|pl|au|nz"
             r"|biz|care|clinic|online|app")
_TLD_WORDISH = r"it|me|at|be|co|us|to|in|is|so|tv"   # also English words: bare domains need care

EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@(?:[\w-]+\.)+[A-Za-z]{2,}\b")
_EMAIL_TLD = r"(?:com|org|net|edu|gov|uk|de|fr|nl|es|it|eu|info|io|me|ch|be|at|ie|ca|us)"
EMAIL_BRACKETED = re.compile(
    r"(?<![\w.+-])[\w.+-]+\s*(?:\[at\]|\(at\)|\{at\})\s*[\w-]+"
    rf"(?:\s*(?:\[dot\]|\(dot\)|\{{dot\}}|\.)\s*[\w-]+)*?\s*(?:\[dot\]|\(dot\)|\{{dot\}}|\.)\s*{_EMAIL_TLD}\b",
    re.IGNORECASE)
EMAIL_WORDS = re.compile(
    rf"(?<![\w.+-])[\w.+-]+\s+at\s+(?!www\b)[\w.-]+(?:\s+dot\s+[\w-]+)*?\s+dot\s+{_EMAIL_TLD}\b",
    re.IGNORECASE)
URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\d?\.)[^\s<>\"'\]\[]+", re.IGNORECASE)
BARE_DOMAIN = re.compile(
    rf"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:(?:{_TLD_SAFE})\b(?:/[^\s<>\"']*)?"
    rf"|(?:{_TLD_WORDISH})\b/[^\s<>\"']*)", re.IGNORECASE)
# Domains ending in an English-looking TLD are taken bare only in lower case with two labels or more.
BARE_WORDISH = re.compile(rf"(?<![\w@.-])(?:[a-z0-9-]+\.){{2,}}(?:{_TLD_WORDISH})\b")
BARE_WORDISH_ONE = re.compile(rf"(?<![\w@.-])[a-z0-9]+-[a-z0-9-]+\.(?:{_TLD_WORDISH})\b")

PHONE = re.compile(r"""
    (?<![\w@/.+-])
    (?:
        (?:\+|\b00)\s?\d{1,3}(?:[\s.-]?\(0\))?(?:[\s.-]?\(\d{1,5}\))?(?:[\s./-]?\d{1,5}){1,6}
      | \(\d{2,5}\)\s?\d{2,8}(?:[\s./-]\d{2,8}){0,4}
      | \b\d{2,5}(?:[\s./-]\d{2,8}){1,5}
      | \b1[\s.-]\d{3}[\s.-]\d{3}[\s.-]\d{4}
    )
    (?![\w@]|[.,/-]\d)
""", re.VERBOSE)
BARE_PHONE = re.compile(r"(?<![\w.,])(?:0\d{9,10}|\+\d{9,14})(?![\w]|[.,]\d)")

# Month names in English, French, German, Dutch, Spanish and Italian, and unambiguous abbreviations.
MONTHS = _word_set("""
january february march april june july august september october november december janvier fevrier
février mars avril mai juin juillet aout août septembre octobre novembre decembre décembre januar janner
jänner februar märz marz maerz juni juli oktober dezember januari februari maart mei augustus enero
febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre gennaio
febbraio aprile maggio giugno luglio settembre ottobre dicembre jan feb apr jun jul aug sept sep oct nov
janv fevr févr avr juil dec déc okt dez mrz mrt mär
""")
# Abbreviations that are also everyday words ("set", "ago", "mar"): a date only with a year after.
MONTHS_WITH_YEAR_ONLY = _word_set("""
mar ago set gen mag giu lug ott dic ene abr
""")

_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|e|º|°|\.)?"
_YEAR = r"(?:19|20)\d{2}"
_LETTERS = re.compile(r"[^\W\d_]+")
_DAY_BEFORE = re.compile(rf"(?<![\d.,/])(?:the\s+)?{_DAY}\s*(?:of\s+|de\s+)?\Z", re.IGNORECASE)
_COUNTED = (r"\s*(?:times?|hours?|hrs?|days?|weeks?|months?|years?|minutes?|mins?|visits?|people|of\s+us"
            r"|more|or|to|-)\b")
_DAY_AFTER = re.compile(rf"\.?\s+{_DAY}(?:\s*,?\s*{_YEAR})?(?![\w/.]\w)(?!{_COUNTED})", re.IGNORECASE)
_YEAR_AFTER = re.compile(rf"\.?\s*,?\s*(?:de\s+|del\s+|of\s+)?{_YEAR}(?!\w)", re.IGNORECASE)

DATE_NUMERIC = re.compile(
    r"(?<![\d/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?:T[\d:]+Z?)?)"
    r"(?![\d]|[/.-]\d)")
DATE_SHORT = re.compile(
    r"\b(?:on|from|until|till|by|since|le|am|vom|bis|op|el|il|dal|al|del|der|den|seit|ab|du|au|"
    r"before|after|due)\s+(\d{1,2}\s?[/.]\s?\d{1,2})(?![\d]|[/.]\d)", re.IGNORECASE)


def _written_dates(text: str) -> list[Finding]:
    """'3 March 2024', 'March 3rd', '3. März', '3 de marzo de 2024', 'Sept 2024': found from the month."""
    out = []
    for m in _LETTERS.finditer(text):
        word = m.group(0)
        low = word.lower()
        strict = low in MONTHS_WITH_YEAR_ONLY
        if not (low in MONTHS or strict or low == "may"):
            continue
        before = _DAY_BEFORE.search(text, max(0, m.start() - 12), m.start())
        day_after = _DAY_AFTER.match(text, m.end())
        year_after = _YEAR_AFTER.match(text, m.end())
        if strict and not (year_after or (day_after and word[0].isupper())):
            continue
        if low == "may" and word != "May" and not day_after:
            continue                       # "you may", "may 2 weeks": the modal verb
        if before:
            out.append(Finding("date", before.start(), year_after.end() if year_after else m.end()))
        elif day_after or year_after:
            out.append(Finding("date", m.start(), (day_after or year_after).end()))
    return out


POSTCODE_UK = re.compile(
    r"\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
POSTCODE_CA = re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b",
                         re.IGNORECASE)
POSTCODE_NL = re.compile(r"\b[1-9]\d{3}\s?(?!SA\b|SD\b|SS\b)[A-Z]{2}\b")
POSTCODE_ZIP4 = re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])")
POSTCODE_KEYWORD = re.compile(
    r"\b(?:post\s?code|postal\s+code|zip(?:\s?code)?|plz|cap|code\s+postal|c\.?p\.?|postleitzahl|"
    r"c[óo]digo\s+postal)\s*:?\s*((?:[A-Z]{1,2}-)?\d{4,5})\b", re.IGNORECASE)
_QUANTITY = (r"\s*(?:%|km|kms|kilomet|mi\b|miles?|m\b|steps?|€|eur|euros?|\$|usd|dollars?|£|gbp|pounds?|"
             r"people|persons?|patients?|participants?|visits?|times?|minutes?|mins?|hours?|hrs?|days?|"
             r"weeks?|months?|years?|mg|ml|kg|g\b|calories|kcal|words?|pages?|euro|chf|kr|cases?|doses?)")
POSTCODE_5 = re.compile(
    rf"(?<![\d.,€$£#-])(?:[A-Z]{{1,2}}-)?\d{{5}}(?![\d]|[.,]\d|{_QUANTITY})", re.IGNORECASE)

_RECORD_WORDS = (
    r"MRN|medical\s+record(?:\s+(?:number|no\.?|num\.?|#))?|hospital\s+(?:number|no\.?|num\.?|#|id)|"
    r"hosp\.?\s+no\.?|NHS\s+(?:number|no\.?|num\.?|#)|NHS|CHI\s+(?:number|no\.?)|"
    r"patient\s+(?:id|number|no\.?|#)|record\s+(?:number|no\.?|#)|case\s+(?:number|no\.?)|"
    r"chart\s+(?:number|no\.?|#)|unit\s+number|n[°º]\s*(?:de\s+)?dossier|num[ée]ro\s+de\s+dossier|"
    r"dossier|patientennummer|fallnummer|versichertennummer|krankenversichertennummer|"
    r"numero\s+(?:di\s+)?cartella|cartella(?:\s+clinica)?|historia\s+cl[íi]nica|n[°º]\s*historia|"
    r"SSN|social\s+security(?:\s+number)?|insurance\s+(?:number|no\.?)|NI\s+number|BSN|"
    r"ID\s+(?:number|no\.?)|ref(?:erence)?\s+(?:number|no\.?)"
)
RECORD_KEYWORD = re.compile(
    rf"\b(?:{_RECORD_WORDS})\s*(?:is|was|=|:|#|n[°º]|nr\.?|no\.?)?\s*[:#]?\s*"
    r"((?:[A-Z]{1,4}[-/ ]?)?\d[\d -]{2,16}\d(?:[-/]?(?-i:[A-Z]{1,2}))?|[A-Z]{1,4}\d{3,}(?-i:[A-Z])?)(?!\w)",
    re.IGNORECASE)
RECORD_SHAPE = re.compile(r"\b(?:[A-Z]{1,3}-?\d{6,10}[A-Z]?|\d{3}-\d{2}-\d{4}|[A-Z]{2}\d{6}[A-D])\b")
LONG_DIGITS = re.compile(r"(?<![\d.,])\d{7,}(?![\d]|[.,]\d)")

# When findings overlap, the one from the more specific detector (lower rank) names the redaction:
# "07700 900123" is a phone number although "07700" alone looks like a French postcode.
RANK = {"email": 0, "url": 1, "record_keyword": 2, "name": 3, "postcode": 4, "date": 5, "phone": 6,
        "postcode_digits": 7, "record_shape": 8, "record_digits": 9}


def _spans(pattern: re.Pattern[str], text: str, kind: str, group: int = 0) -> list[Finding]:
    return [Finding(kind, m.start(group), m.end(group)) for m in pattern.finditer(text)]


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _phones(text: str) -> list[Finding]:
    out = []
    for m in PHONE.finditer(text):
        s = m.group(0)
        n = _digits(s)
        international = s.startswith(("+", "00"))
        if (8 if international else 9) <= n <= 15:
            out.append(Finding("phone", m.start(), m.end()))
    out += _spans(BARE_PHONE, text, "phone")
    return out


def _urls(text: str) -> list[Finding]:
    out = []
    for m in URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        out.append(Finding("url", m.start(), end))
    for pattern in (BARE_DOMAIN, BARE_WORDISH, BARE_WORDISH_ONE):
        for m in pattern.finditer(text):
            end = m.end()
            while text[end - 1] in ".,;:!?)]}'\"":
                end -= 1
            out.append(Finding("url", m.start(), end))
    return out


def _dates(text: str) -> list[Finding]:
    out = [f for f in _spans(DATE_NUMERIC, text, "date") if _plausible_numeric_date(text[f.start:f.end])]
    out += [f for f in _spans(DATE_SHORT, text, "date", 1) if _plausible_day_month(text[f.start:f.end])]
    out += _written_dates(text)
    return out


def _plausible_numeric_date(s: str) -> bool:
    parts = [int(p) for p in re.split(r"[/.T:-]", s.rstrip("Z")) if p.isdigit()][:3]
    if len(parts) < 3:
        return False
    if parts[0] > 31:                                    # year first
        return 1 <= parts[1] <= 12 and 1 <= parts[2] <= 31
    a, b = parts[0], parts[1]
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


def _plausible_day_month(s: str) -> bool:
    a, b = (int(p) for p in re.split(r"\s?[/.]\s?", s))
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


def _postcodes(text: str) -> list[Finding]:
    out = []
    for pattern in (POSTCODE_UK, POSTCODE_CA, POSTCODE_NL, POSTCODE_ZIP4):
        out += _spans(pattern, text, "postcode")
    return out + _spans(POSTCODE_KEYWORD, text, "postcode", 1)


# ------------------------------------------------------------------------------ roster matching


def _roster_hits(text: str, roster: Roster) -> list[Finding]:
    folded, where = fold(text)
    tokens = [(m.start(), m.end(), m.group(0).replace("_", "")) for m in _WORD.finditer(folded)]
    hit = [t in roster.parts or (t in roster.capital_parts and _capitalised(text, s, where))
           for s, _, t in tokens]
    _spread_to_neighbours(tokens, hit, roster, folded)
    for i in range(1, len(tokens)):
        if not hit[i] and tokens[i][2] in roster.capital_parts and tokens[i - 1][2] in TITLES:
            hit[i] = True                  # "dr will", "nurse rose": after a title it is a name
    for i in range(len(tokens) - 1):
        if not hit[i] and tokens[i][2] in roster.capital_parts and tokens[i + 1][2] == "s" and \
                folded[tokens[i][1]:tokens[i + 1][0]] in ("'", "’"):
            hit[i] = True                  # "will's", "rose’s": the verb takes no possessive
    out: list[Finding] = []
    for i, (start, end, _) in enumerate(tokens):
        if hit[i]:
            # O'Brien, D'Angelo: the one-letter prefix belongs to the name.
            prefixed = (start >= 2 and folded[start - 1] in "'’"
                        and (start == 2 or not folded[start - 3].isalnum()))
            out.append(_finding("name", start - 2 if prefixed else start, end, where, text))
        if tokens[i][2] in roster.code_prefixes:
            out += _code_hits(tokens, i, roster, where=where, folded=folded, text=text)
    if roster.phones or roster.emails:
        out += _contact_hits(text, folded, where, roster)
    return out


def _spread_to_neighbours(tokens: list[tuple[int, int, str]], hit: list[bool], roster: Roster,
                          folded: str) -> None:
    """'grace okafor', 'van den Berg': an everyday-word part next to a matched part is part of the name."""
    changed = True
    while changed:
        changed = False
        for i, (start, end, token) in enumerate(tokens):
            if hit[i] or token not in roster.capital_parts:
                continue
            before = i > 0 and hit[i - 1] and _NAME_JOIN.fullmatch(folded[tokens[i - 1][1]:start])
            after = i + 1 < len(tokens) and hit[i + 1] and _NAME_JOIN.fullmatch(folded[end:tokens[i + 1][0]])
            if before or after:
                hit[i] = changed = True


def _code_hits(tokens: list[tuple[int, int, str]], i: int, roster: Roster, *, where: list[int] | None,
               folded: str, text: str) -> list[Finding]:
    key = ""
    for j in range(i, min(i + roster.code_tokens, len(tokens))):
        start, end, token = tokens[j]
        if j > i and (start - tokens[j - 1][1] > 1 or folded[tokens[j - 1][1]] not in "-_/. "):
            break
        key += token
        if key in roster.codes:
            return [_finding("record_number", tokens[i][0], end, where, text)]
    return []


_CONTACT_DIGITS = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")


def _contact_hits(text: str, folded: str, where: list[int] | None, roster: Roster) -> list[Finding]:
    out = []
    for m in _CONTACT_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 7 and digits[-9:] in roster.phones:
            out.append(Finding("phone", m.start(), m.end()))
    for email in roster.emails:
        at = folded.find(email)
        while at >= 0:
            out.append(_finding("email", at, at + len(email), where, text))
            at = folded.find(email, at + 1)
    return out


def _capitalised(text: str, folded_start: int, where: list[int] | None) -> bool:
    i = where[folded_start] if where else folded_start
    return text[i].isupper()


def _finding(kind: str, start: int, end: int, where: list[int] | None, text: str = "") -> Finding:
    if where is None:
        return Finding(kind, start, end)
    stop = where[end - 1] + 1
    while stop < len(text) and unicodedata.combining(text[stop]):
        stop += 1                          # a decomposed accent belongs to the letter before it
    return Finding(kind, where[start], stop)


# ------------------------------------------------------------------------------ the entry point

_HAS_DIGIT = re.compile(r"\d")
_NAME_JOIN = re.compile(r"[ \t\-‐]{1,2}")


def find(text: str, roster: Roster | None = None) -> list[Finding]:
    """Every identifier in text, overlapping findings merged, in order."""
    ranked: list[tuple[int, Finding]] = []

    def add(rank: str, findings: list[Finding]) -> None:
        ranked.extend((RANK[rank], f) for f in findings)

    low = text.lower()
    if "@" in text:
        add("email", _spans(EMAIL, text, "email"))
    if "(at)" in low or "[at]" in low or "{at}" in low:
        add("email", _spans(EMAIL_BRACKETED, text, "email"))
    if " dot " in low:
        add("email", _spans(EMAIL_WORDS, text, "email"))
    if "." in text or "/" in text:
        add("url", _urls(text))
    if _HAS_DIGIT.search(text):
        add("record_keyword", _spans(RECORD_KEYWORD, text, "record_number", 1))
        add("postcode", _postcodes(text))
        add("date", _dates(text))
        add("phone", _phones(text))
        add("postcode_digits", _spans(POSTCODE_5, text, "postcode"))
        add("record_shape", _spans(RECORD_SHAPE, text, "record_number"))
        add("record_digits", _spans(LONG_DIGITS, text, "record_number"))
    if roster:
        add("name", _roster_hits(text, roster))
    return _merge(ranked, text)


def _merge(ranked: list[tuple[int, Finding]], text: str) -> list[Finding]:
    """Overlapping findings become one; neighbouring names ("Maria" "García") become one as well."""
    merged: list[tuple[int, Finding]] = []
    for rank, f in sorted(ranked, key=lambda rf: (rf[1].start, -rf[1].end, rf[0])):
        if merged:
            last_rank, last = merged[-1]
            touching_names = (last.type == f.type == "name"
                              and _NAME_JOIN.fullmatch(text[last.end:f.start]) is not None)
            if f.start < last.end or touching_names:
                best_rank, best = min((last_rank, last), (rank, f), key=lambda rf: rf[0])
                merged[-1] = (best_rank, Finding(best.type, last.start, max(last.end, f.end)))
                continue
        merged.append((rank, f))
    return [f for _, f in merged]


def scrub(text: str, deny_list: Roster | None = None) -> ScrubResult:
    """Replace every identifier in text with [REDACTED:<type>]; found holds the original spans."""
    if not text:
        return ScrubResult(text or "", ())
    found = find(text, deny_list)
    pieces, at = [], 0
    for f in found:
        pieces += [text[at:f.start], f"[REDACTED:{f.type}]"]
        at = f.end
    pieces.append(text[at:])
    return ScrubResult("".join(pieces), tuple(found))


def scrub_many(texts: Iterable[str], deny_list: Roster | None = None) -> list[str]:
    """Scrubbed text of each comment, for bulk imports."""
    return [scrub(t, deny_list).text for t in texts]
