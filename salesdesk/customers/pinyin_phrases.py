"""pypinyin with its phrase dictionary loaded compactly (D56).

pypinyin decodes its 47,000-phrase dictionary from JSON into a list of lists of strings per
phrase: ~35 MiB of small objects in every process that converts names to pinyin (the web
master and so each worker's resident set, the job worker, the CLI). The syllables repeat (about
1,250 distinct syllable lists), so here pypinyin is imported without its phrases
(`PYPINYIN_NO_PHRASES`, only for that import) and the same file is read line by line into the
same dictionary with each syllable list made once and shared: ~8 MiB, identical pinyin (a test
compares every phrase with plain pypinyin). pypinyin never changes those lists (it deep-copies
what it returns). Anything unexpected (another layout of the file, pypinyin already imported with
its phrases) leaves pypinyin as it loads itself.

Import `lazy_pinyin`, `RE_HANS` and `simple_seg` from here, not from pypinyin, so that this
module imports pypinyin first.
"""

from __future__ import annotations

import json
import os
import sys

_FLAG = "PYPINYIN_NO_PHRASES"
_before = os.environ.get(_FLAG)
os.environ[_FLAG] = "1"
try:
    import pypinyin
    from pypinyin import constants, lazy_pinyin
    from pypinyin.constants import RE_HANS
    from pypinyin.seg import mmseg
    from pypinyin.seg.simpleseg import simple_seg
finally:
    if _before is None:
        os.environ.pop(_FLAG, None)
    else:
        os.environ[_FLAG] = _before

__all__ = ["RE_HANS", "lazy_pinyin", "simple_seg"]

PATH = os.path.join(os.path.dirname(pypinyin.__file__), "phrases_dict.json")


def _text(line: str) -> str:
    """A JSON string on a line of its own (without escapes in this file, but decode if any)."""
    return line[1:-1] if "\\" not in line else json.loads(line)


def read_phrases(path: str = PATH) -> dict[str, list[list[str]]]:
    """The phrase dictionary of pypinyin's JSON file (one token per line), with every distinct
    syllable list made once. ValueError when the file is not laid out that way."""
    shared: dict[tuple[str, ...], list[str]] = {}
    phrases: dict[str, list[list[str]]] = {}
    phrase, parts, inner = None, [], None
    with open(path, encoding="utf-8") as fp:
        for raw in fp:
            line = raw.strip().rstrip(",")
            if line in ("{", "}", ""):
                continue
            if line.endswith('": [') and phrase is None:
                phrase, parts = _text(line[:-3]), []
            elif line == "[" and phrase is not None and inner is None:
                inner = []
            elif line == "]" and inner is not None:
                key = tuple(inner)
                syllables = shared.get(key)
                if syllables is None:
                    syllables = shared[key] = [sys.intern(s) for s in inner]
                parts.append(syllables)
                inner = None
            elif line == "]" and phrase is not None:
                phrases[phrase] = parts
                phrase = None
            elif inner is not None and line.startswith('"') and line.endswith('"'):
                inner.append(_text(line))
            else:
                raise ValueError(f"unexpected line in {path}: {line[:40]!r}")
    if phrase is not None or inner is not None or not phrases:
        raise ValueError(f"{path} ended early")
    return phrases


def _load() -> bool:
    """Fill pypinyin's (empty) phrase dictionary and its segmenter; False when pypinyin already
    had its phrases (imported elsewhere first) or the file could not be read this way."""
    if constants.PHRASES_DICT:
        return False
    try:
        phrases = read_phrases()
    except (OSError, ValueError):
        phrases = None
    if phrases is None:  # as pypinyin would load it
        with open(PATH, encoding="utf-8") as fp:
            constants.PHRASES_DICT.update(json.load(fp))
        mmseg.retrain(mmseg.seg)
        return False
    constants.PHRASES_DICT.update(phrases)
    mmseg.retrain(mmseg.seg)
    return True


COMPACT = _load()
