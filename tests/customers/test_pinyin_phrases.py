"""D56: pypinyin's phrase dictionary loaded compactly gives exactly pypinyin's own pinyin, in
less memory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from salesdesk.customers import pinyin_phrases

# Every phrase of the dictionary (and a few names whose readings depend on phrases) converted in
# a fresh process, with `compact` the way SalesDesk loads pypinyin, else as pypinyin loads itself.
PROBE = """
import json, sys, gc
if sys.argv[1] == "compact":
    from salesdesk.customers.pinyin_phrases import COMPACT, lazy_pinyin
    assert COMPACT
else:
    from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT
gc.collect()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
texts = sorted(PHRASES_DICT) + ["重庆银行长沙分行", "于思远", "中国工商银行股份有限公司", "bj科技"]
print(json.dumps({"rss_kib": rss, "pinyin": [lazy_pinyin(t) for t in texts]}))
"""


def _run(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_phrase_reads_as_with_plain_pypinyin_in_less_memory():
    compact, plain = _run("compact"), _run("plain")
    assert len(plain["pinyin"]) > 40_000
    assert compact["pinyin"] == plain["pinyin"]
    assert compact["pinyin"][-4:] == [
        ["chong", "qing", "yin", "hang", "chang", "sha", "fen", "hang"],
        ["yu", "sai", "yuan"],  # 于思 is a phrase (yú sāi, a beard): phrases are in use
        ["zhong", "guo", "gong", "shang", "yin", "hang", "gu", "fen", "you", "xian", "gong", "si"],
        ["bj", "ke", "ji"],
    ]
    assert plain["rss_kib"] - compact["rss_kib"] > 20 * 1024


def test_the_reader_refuses_another_layout(tmp_path):
    path = tmp_path / "phrases.json"
    path.write_text('{"一丁": [["yī"], ["dīng"]]}', encoding="utf-8")
    with pytest.raises(ValueError):
        pinyin_phrases.read_phrases(str(path))
    path.write_text('{\n"一丁": [\n[\n"yī"\n],\n[\n"dīng"\n]\n]\n}\n', encoding="utf-8")
    phrases = pinyin_phrases.read_phrases(str(path))
    assert phrases == {"一丁": [["yī"], ["dīng"]]}
