"""Check the English catalogue (shebao/locale/en/LC_MESSAGES/django.po) against the source.

Run from the repository root:

    .venv/bin/python scripts/i18n_check.py            # report; exit status 1 if anything is wrong
    .venv/bin/python scripts/i18n_check.py --update   # first merge new source strings into the .po

The check copies manage.py and shebao/ (without its locale/) to a temporary directory, runs
``makemessages`` there, and compares the freshly extracted msgids with the committed .po.
It reports, and fails on:

- missing:      marked for translation in the source but absent from the .po;
- untranslated: present in the .po with an empty msgstr;
- fuzzy:        flagged ``#, fuzzy`` (msgfmt skips them, so users would see Chinese);
- placeholders: a msgstr whose %(name)s / %s placeholders differ from its msgid's;
- chinese:      a msgstr that still contains Chinese characters or full-width punctuation.

Entries in the .po that the source no longer uses are listed as "obsolete" (not a failure).
``--update`` runs the real ``makemessages -l en`` first, which adds the missing msgids to the
.po with an empty msgstr (and may mark near matches fuzzy) ready to be translated.

The parser and the .mo writer below are also used by tests/test_i18n.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "shebao" / "locale" / "en" / "LC_MESSAGES" / "django.po"
SETTINGS = "shebao.config.test_settings"

# Python %-placeholders: %(name)s, %s, %d, %05.2f ...; "%%" is a literal percent sign.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
# CJK ideographs, CJK punctuation (、。「」), full-width forms (，（）：；！？).
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Entries of a PO file (header entry included, msgid ""), in file order."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        fields: dict[str, str] = {}
        flags: set[str] = set()
        refs: list[str] = []
        obsolete = False
        current: str | None = None
        for line in lines:
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].lstrip()
                if not line or line.startswith("|"):
                    continue
            elif line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(",") if f.strip())
                continue
            elif line.startswith("#:"):
                refs.extend(line[2:].split())
                continue
            elif line.startswith("#"):
                continue
            if line.startswith('"'):
                if current is None:
                    raise ValueError(f"continuation line without a keyword: {line!r}")
                fields[current] += _unquote(line)
                continue
            keyword, _, rest = line.partition(" ")
            current = keyword
            fields[keyword] = _unquote(rest)
        if "msgid" not in fields:
            continue  # a comment-only block
        if "msgid_plural" in fields:
            forms = sorted(k for k in fields if k.startswith("msgstr["))
            msgstr = [fields[k] for k in sorted(forms, key=lambda k: int(k[7:-1]))]
        else:
            msgstr = [fields.get("msgstr", "")]
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgid_plural=fields.get("msgid_plural"),
                msgctxt=fields.get("msgctxt"),
                msgstr=msgstr,
                flags=flags,
                references=refs,
                obsolete=obsolete,
            )
        )
    return entries


def read_po(path: Path = PO_PATH) -> list[Entry]:
    return parse_po(path.read_text(encoding="utf-8"))


def placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


def entry_problems(entry: Entry) -> list[str]:
    """What is wrong with one (non-header, non-obsolete) entry; empty when it is fine."""
    problems = []
    if entry.fuzzy:
        problems.append("fuzzy")
    if not entry.translated:
        problems.append("untranslated")
    sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
    # Plural msgstr[0] pairs with msgid, the others with msgid_plural.
    for i, translation in enumerate(entry.msgstr):
        if not translation:
            continue
        source = sources[min(i, len(sources) - 1)]
        if "no-python-format" not in entry.flags and placeholders(translation) != placeholders(source):
            problems.append(f"placeholders differ in msgstr[{i}]: {translation!r}")
        if _CHINESE.search(translation):
            problems.append(f"chinese left in msgstr[{i}]: {translation!r}")
    return problems


def catalogue_problems(entries: list[Entry]) -> dict[str, list[str]]:
    """msgid -> problems for every live entry of a parsed catalogue that has any."""
    found = {}
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.msgid == "":
            if entry.fuzzy:
                found[""] = ["header is fuzzy"]
            continue
        problems = entry_problems(entry)
        if problems:
            found[entry.msgid] = problems
    return found


def write_mo(entries: list[Entry], path: Path) -> int:
    """Compile entries to a GNU .mo file as msgfmt would (fuzzy/empty skipped); return count."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.obsolete or (entry.msgid and (entry.fuzzy or not entry.translated)):
            continue
        key = entry.msgid if entry.msgid_plural is None else entry.msgid + "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        pairs[key.encode()] = "\0".join(entry.msgstr).encode()
    keys = sorted(pairs)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    originals, translations, blob = [], [], b""
    for key in keys:
        originals.append((len(key), data_at + len(blob)))
        blob += key + b"\0"
    for key in keys:
        value = pairs[key]
        translations.append((len(value), data_at + len(blob)))
        blob += value + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, data_at)
    table = b"".join(struct.pack("<2I", *pair) for pair in originals + translations)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + table + blob)
    return count - (1 if b"" in pairs else 0)


def _makemessages(cwd: Path) -> None:
    command = [
        sys.executable,
        "manage.py",
        "makemessages",
        "-l",
        "en",
        "--no-obsolete",
        "--ignore=.venv",
        "--ignore=var",
        "--ignore=tests",
        "--ignore=bench",
        "--ignore=scripts",
        "--settings",
        SETTINGS,
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, text=True)  # noqa: S603


def source_msgids(root: Path = ROOT) -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every string the source marks for translation right now."""
    if shutil.which("xgettext") is None:
        raise RuntimeError("xgettext not found: install GNU gettext (apt-get install gettext)")
    with tempfile.TemporaryDirectory(prefix="shebao-i18n-") as tmp:
        copy = Path(tmp)
        shutil.copy2(root / "manage.py", copy / "manage.py")
        shutil.copytree(
            root / "shebao",
            copy / "shebao",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po"),
        )
        _makemessages(copy)
        fresh = read_po(copy / "shebao" / "locale" / "en" / "LC_MESSAGES" / "django.po")
    return {e.key for e in fresh if e.msgid and not e.obsolete}


@dataclass
class Report:
    missing: list[str]
    problems: dict[str, list[str]]
    obsolete: list[str]
    translated: int

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems


def check(root: Path = ROOT, po_path: Path = PO_PATH) -> Report:
    entries = read_po(po_path) if po_path.exists() else []
    live = {e.key: e for e in entries if e.msgid and not e.obsolete}
    wanted = source_msgids(root)
    return Report(
        missing=sorted(msgid for ctx, msgid in wanted - live.keys()),
        problems=catalogue_problems(entries),
        obsolete=sorted(msgid for ctx, msgid in live.keys() - wanted),
        translated=sum(1 for e in live.values() if e.translated and not e.fuzzy),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="run makemessages -l en on the real tree first")
    args = parser.parse_args(argv)
    if args.update:
        _makemessages(ROOT)
        print(f"updated {PO_PATH.relative_to(ROOT)}")
    report = check()
    for msgid in report.missing:
        print(f"MISSING       {msgid!r}")
    for msgid, problems in report.problems.items():
        for problem in problems:
            print(f"{problem.split()[0].upper():<13} {msgid!r}: {problem}")
    for msgid in report.obsolete:
        print(f"obsolete      {msgid!r} (no longer in the source; harmless)")
    print(
        f"{report.translated} entries translated, {len(report.missing)} missing, "
        f"{len(report.problems)} with problems, {len(report.obsolete)} obsolete"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
