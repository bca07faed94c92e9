"""Normalisation for duplicate checks and search (CUS-5, CUS-1): names, phones, emails, credit
codes, and pinyin (full and initials) for Chinese names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# pypinyin through pinyin_phrases: its phrase dictionary loaded compactly (D56).
from salesdesk.customers.pinyin_phrases import RE_HANS, lazy_pinyin, simple_seg

# Words that do not distinguish one company from another: "北京星辰科技有限公司" and
# "星辰科技(北京)有限责任公司" are the same customer for a duplicate check.
_COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "co., ltd.",
    "co.,ltd.",
    "co. ltd",
    "co ltd",
    "company limited",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corporation",
    "corp.",
    "corp",
    "llc",
    "gmbh",
)
_PUNCT = re.compile(r"[\s\.,，。·・'\"“”‘’()（）\[\]【】{}<>《》\-_/\\&+、:：;；!！?？]+")


# Group words in brackets, anywhere in a name: "远航贸易(集团)有限公司" is "远航贸易有限公司".
_GROUP_WORDS = re.compile(
    r"[(（\[【]\s*(?:集团|股份|控股|group|holdings?)\s*[)）\]】]", re.IGNORECASE
)


def normalize_name(name: str) -> str:
    """Case-, width- and punctuation-insensitive name, without legal-form suffixes."""
    text = unicodedata.normalize("NFKC", name or "").strip().lower()
    text = _GROUP_WORDS.sub("", text)
    changed = True
    # `endswith` with the whole tuple (one C call) skips the pass when no suffix matches.
    while changed and text and text.endswith(_COMPANY_SUFFIXES):
        changed = False
        for suffix in _COMPANY_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].rstrip(" ,.")
                changed = True
    # Removing punctuation can join a letter and a combining mark: compose once more.
    return unicodedata.normalize("NFKC", _PUNCT.sub("", text))


def normalize_phone(phone: str) -> str:
    """Digits only, without the +86 / 0086 country code: '+86 138-0013-8000' → '13800138000',
    '+86 21 5555 6666' → '02155556666'."""
    text = unicodedata.normalize("NFKC", phone or "").strip()
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif text.startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    else:
        return digits
    # Without the country code a landline takes its trunk 0 back: +86 21 … is 021 ….
    if digits and not digits.startswith(("0", "1")):
        digits = "0" + digits
    return digits


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email or "").strip().lower()


CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize_credit_code(code: str) -> str:
    """Unified social credit code (统一社会信用代码): 18 characters, upper case, no spaces."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", code or "")).upper()


def _keep_chars(chars: str) -> list[str]:
    return list(chars)


def _han_class() -> str | None:
    """pypinyin's character class of Chinese characters with pinyin, or None if the shape of
    its pattern is unexpected (then the slower pypinyin functions are used as they are)."""
    pattern = RE_HANS.pattern
    if not (pattern.startswith("^(?:[") and pattern.endswith("])+$")):
        return None
    return pattern[len("^(?:") : -len(")+$")]


_HAN = _han_class()
# pypinyin's `simple_seg` (runs of Chinese / other characters, a Python loop per character) as
# one regex over the same class.
_split_runs = re.compile(f"{_HAN}+|[^{_HAN[1:]}+", re.DOTALL).findall if _HAN else simple_seg
_is_han_run = re.compile(f"{_HAN}").match if _HAN else RE_HANS.match


@lru_cache(maxsize=65536)
def _token_pinyin(token: str) -> tuple[str, ...]:
    """lazy_pinyin of one run of Chinese or of other characters, cached per run."""
    return tuple(lazy_pinyin(token, errors=_keep_chars))


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> tuple[str, str]:
    """('beijingkeji', 'bjkj') for '北京科技'; Latin letters and digits are kept as they are.

    pypinyin itself first splits a text into runs of Chinese and of other characters and then
    segments and converts each run on its own, so converting run by run (cached per run: cities,
    brands and legal forms repeat across names) gives exactly the pinyin of the whole text."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    syllables = [
        s
        for token in _split_runs(text)
        # Runs without Chinese come back from pypinyin character by character (errors=list):
        # skip the call (and the cache, as such runs are mostly unique: numbers, codes).
        for s in (_token_pinyin(token) if _is_han_run(token) else token)
        if s.strip()
    ]
    full = re.sub(r"[^0-9a-z]", "", "".join(syllables))
    initials = re.sub(r"[^0-9a-z]", "", "".join(s[0] for s in syllables if s and s[0].isalnum()))
    return full[:300], initials[:100]
