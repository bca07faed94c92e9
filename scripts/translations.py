"""Maintain the zh-Hans and en catalogues.

    python scripts/translations.py update [tmp/translations/*.json ...]

1. runs `manage.py makemessages` for zh_Hans and en (needs GNU gettext: apt-get install gettext);
2. fills zh_Hans msgstrs from the given JSON files ({"msgid": "中文"}) where still empty;
3. fills en msgstrs with the msgid itself (English is the source language);
4. compiles both to .mo with polib, so running SalesDesk never needs gettext.

    python scripts/translations.py missing

lists msgids that still lack a translation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "salesdesk" / "locale"
LANGS = ("zh_Hans", "en")
IGNORE = [
    "--ignore",
    ".venv/*",
    "--ignore",
    "tmp/*",
    "--ignore",
    "tests/*",
    "--ignore",
    "bench/*",
    "--ignore",
    "salesdesk/static/vendor/*",
    "--ignore",
    "build/*",
]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def makemessages() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    for domain_args in (["-d", "django"], ["-d", "djangojs"]):
        if domain_args[1] == "djangojs":
            continue  # client-side strings come from the server in data attributes
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                *domain_args,
                "--no-obsolete",
                "--no-location",
                *[f"-l{lang}" for lang in LANGS],
                *IGNORE,
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )


def fill(json_files: list[str]) -> None:
    mapping: dict[str, str] = {}
    for name in json_files:
        mapping.update(json.loads(Path(name).read_text(encoding="utf-8")))
    for lang in LANGS:
        po = polib.pofile(str(po_path(lang)), wrapwidth=100)
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.metadata["Language"] = lang
        if lang == "zh_Hans":
            po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        else:
            po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
        for entry in po:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                # "#|" comments of the near match makemessages used, all of them: a lone
                # "#| msgid_plural" left behind is a syntax error for msgmerge.
                entry.previous_msgid = None
                entry.previous_msgid_plural = None
                entry.previous_msgctxt = None
                entry.msgstr = ""
                if entry.msgid_plural:
                    entry.msgstr_plural = {k: "" for k in entry.msgstr_plural}
            if lang == "en":
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                else:
                    entry.msgstr = entry.msgid
                continue
            if entry.msgid_plural:
                if not entry.msgstr_plural.get(0):
                    text = mapping.get(entry.msgid) or mapping.get(entry.msgid_plural, "")
                    entry.msgstr_plural = {0: text}
            elif not entry.msgstr and entry.msgid in mapping:
                entry.msgstr = mapping[entry.msgid]
        po.save()
        po.save_as_mofile(str(po_path(lang).with_suffix(".mo")))


def missing() -> int:
    count = 0
    for lang in LANGS:
        for entry in polib.pofile(str(po_path(lang))):
            done = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
            if not done or "fuzzy" in entry.flags:
                print(f"{lang}: {entry.msgid!r}")
                count += 1
    return count


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        makemessages()
        fill(sys.argv[2:])
        sys.exit(1 if missing() else 0)
    elif command == "compile":
        fill(sys.argv[2:])
    elif command == "missing":
        sys.exit(1 if missing() else 0)
    else:
        sys.exit(__doc__)
