"""Administrative divisions (GB/T 2260): load the shipped table, look codes up.

The table holds every code that ever existed, current or not (ADR 0004), because
the address code of an ID number is the code valid when the number was issued
(rules.md §1.3). So an address code that never existed is a *warning* on an
identifier, never a rejection: ``person_id_check`` and ``uscc_check`` add it.

Look-ups of "does this code exist" use two frozensets loaded once per process
(the table has ~7,400 rows); ``divisions_load`` clears them.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import threading
from pathlib import Path

from django.db import transaction

from shebao.kernel.models import Division
from shebao.kernel.rules.identifiers import IdType, PersonId, Uscc, parse_person_id, parse_uscc

DATA_DIR = Path(__file__).resolve().parent / "data" / "divisions"
DATA_VERSION = "2026.09"
DEFAULT_PATH = DATA_DIR / f"divisions-{DATA_VERSION}.csv"
COLUMNS = ("code", "name", "level", "parent_code", "is_current", "valid_from", "valid_to")
NATIONAL_CODE = "100000"  # 中华人民共和国: national registering authorities in USCCs (e.g. 91100000…)

# Warning codes an identifier check may add → (Simplified Chinese, English).
WARNINGS: dict[str, tuple[str, str]] = {
    "address_code_unknown": (
        "证件号码前6位地址码不是任何时期的行政区划代码，请核对证件原件",
        "the address code (first 6 digits) is not a division code of any period; check the document",
    ),
    "uscc_region_unknown": (
        "统一社会信用代码第3至8位不是任何时期的行政区划代码，请核对",
        "characters 3–8 of the unified social credit code are not a division code of any period; check it",
    ),
    "org_code_checksum": (
        "统一社会信用代码中组织机构代码（第9至17位）的校验位不符，请核对",
        "the check character of the embedded organisation code (characters 9–17) does not match; check it",
    ),
}

_CODE = re.compile(r"\d{6}")
_VERSION = re.compile(r"data_version=(\S+)")


class DivisionDataError(ValueError):
    """A bad line in a divisions file (names the file and line)."""

    def __init__(self, *, path: Path, line: int, zh: str, en: str) -> None:
        super().__init__(f"{path.name} line {line}: {en}")
        self.field = f"{path.name}:{line}"
        self.message_zh = f"{path.name} 第{line}行：{zh}"
        self.message_en = f"{path.name} line {line}: {en}"


def warning_message(code: str, language: str = "zh-hans") -> str:
    """Text of a warning code for people (falls back to the code itself)."""
    zh, en = WARNINGS.get(code, (code, code))
    return en if language.startswith("en") else zh


# --- Loading ---------------------------------------------------------------------------


def _optional_year(value: str, *, path: Path, line: int, column: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}", value):
        raise DivisionDataError(
            path=path,
            line=line,
            zh=f"{column} 应为四位年份：{value!r}",
            en=f"{column} must be a year: {value!r}",
        )
    return int(value)


def divisions_read(path: Path | str | None = None) -> tuple[str, list[dict]]:
    """Parse a divisions file → (data_version, rows). Raises ``DivisionDataError``."""
    path = Path(path) if path else DEFAULT_PATH
    version = ""
    data_lines: list[tuple[int, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, text in enumerate(handle, start=1):
            if text.startswith("#"):
                match = _VERSION.search(text)
                version = version or (match.group(1) if match else "")
            elif text.strip():
                data_lines.append((number, text))
    if not version:
        match = re.fullmatch(r"divisions-(.+?)\.csv", path.name)
        version = match.group(1) if match else path.stem
    reader = csv.reader(text for _, text in data_lines)
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise DivisionDataError(
            path=path,
            line=data_lines[0][0] if data_lines else 1,
            zh=f"表头应为 {','.join(COLUMNS)}",
            en=f"the header must be {','.join(COLUMNS)}",
        )
    rows: list[dict] = []
    seen: set[str] = set()
    for (line, _), fields in zip(data_lines[1:], reader, strict=True):
        if len(fields) != len(COLUMNS):
            raise DivisionDataError(
                path=path, line=line, zh=f"应有{len(COLUMNS)}列", en=f"expected {len(COLUMNS)} columns"
            )
        code, name, level, parent, current, valid_from, valid_to = fields
        if not _CODE.fullmatch(code) or code in seen:
            raise DivisionDataError(
                path=path,
                line=line,
                zh=f"代码 {code!r} 无效或重复",
                en=f"code {code!r} is malformed or repeated",
            )
        if level not in {"1", "2", "3"} or not name or (parent and not _CODE.fullmatch(parent)):
            raise DivisionDataError(
                path=path,
                line=line,
                zh=f"代码 {code} 的名称、级别或上级代码无效",
                en=f"code {code}: bad name, level or parent code",
            )
        seen.add(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "level": int(level),
                "parent_code": parent,
                "is_current": current == "1",
                "valid_from": _optional_year(valid_from, path=path, line=line, column="valid_from"),
                "valid_to": _optional_year(valid_to, path=path, line=line, column="valid_to"),
            }
        )
    return version, rows


def divisions_load(*, path: Path | str | None = None, model=None, batch_size: int = 1000) -> int:
    """Load a divisions file into the table: idempotent upsert, one transaction.

    Codes not in the file are removed (the file is the whole truth for its
    version). ``model`` is for data migrations (the historical model); leave it
    out otherwise. Returns the number of codes in the file.
    """
    model = model or Division
    version, rows = divisions_read(path)
    objs = [model(data_version=version, **row) for row in rows]
    wanted = {row["code"] for row in rows}
    with transaction.atomic():
        model.objects.bulk_create(
            objs,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[*COLUMNS[1:], "data_version"],
        )
        stale = sorted(set(model.objects.values_list("code", flat=True)) - wanted)
        for start in range(0, len(stale), 500):
            model.objects.filter(code__in=stale[start : start + 500]).delete()
    divisions_cache_clear()
    return len(rows)


# --- Look-ups -----------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: tuple[frozenset[str], frozenset[str]] | None = None


def divisions_cache_clear() -> None:
    global _cache
    with _cache_lock:
        _cache = None


def _code_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(every code, current codes), loaded once per process; an empty table is not cached."""
    global _cache
    cached = _cache
    if cached is not None:
        return cached
    pairs = list(Division.objects.values_list("code", "is_current"))
    result = (frozenset(c for c, _ in pairs), frozenset(c for c, current in pairs if current))
    if pairs:
        with _cache_lock:
            _cache = result
    return result


def division_get(code: str) -> Division | None:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        return None
    return Division.objects.filter(code=code).first()


def division_exists_now(code: str) -> bool:
    return isinstance(code, str) and code in _code_sets()[1]


def division_ever_existed(code: str) -> bool:
    return isinstance(code, str) and code in _code_sets()[0]


def division_children(code: str, *, include_historical: bool = False) -> list[Division]:
    """Divisions whose parent is ``code`` (current ones only unless asked), by code."""
    rows = Division.objects.filter(parent_code=code)
    if not include_historical:
        rows = rows.filter(is_current=True)
    return list(rows.order_by("code"))


def division_path(code: str) -> list[Division]:
    """Province → (prefecture →) county for ``code``; [] if the code is unknown."""
    path: list[Division] = []
    node = division_get(code)
    while node is not None and len(path) < 3:
        path.append(node)
        node = division_get(node.parent_code) if node.parent_code else None
    return path[::-1]


def division_name_path(code: str, *, separator: str = " / ") -> str:
    """E.g. ``北京市 / 朝阳区``; empty if the code is unknown."""
    return separator.join(d.name for d in division_path(code))


# --- Identifier checks with the region warning ----------------------------------------------


def person_id_check(raw: object, id_type: IdType | str | None = None, **kwargs) -> PersonId:
    """``parse_person_id`` plus the warning ``address_code_unknown``.

    Rejections are ``IdentifierError`` as from ``parse_person_id``. An address
    code that never existed only warns (rules.md §1.3). Residence permits carry
    one of the fixed codes 810000 / 820000 / 830000, which ``parse_person_id``
    already recognised (830000 is not a division: Taiwan is 710000), so they never
    warn. A foreign permanent-residence number (``9`` + province + nationality) is
    checked on its province digits.
    """
    parsed = parse_person_id(raw, id_type, **kwargs)
    if parsed.id_type == IdType.HKMO_TW_PERMIT:
        return parsed
    code = parsed.address_code
    if parsed.id_type == IdType.FOREIGN_PR:
        code = f"{code[1:3]}0000"
    if not division_ever_existed(code):
        parsed = dataclasses.replace(parsed, warnings=(*parsed.warnings, "address_code_unknown"))
    return parsed


def uscc_check(raw: object, **kwargs) -> Uscc:
    """``parse_uscc`` plus the warning ``uscc_region_unknown`` for characters 3–8."""
    parsed = parse_uscc(raw, **kwargs)
    region = parsed.region_code
    if region != NATIONAL_CODE and not division_ever_existed(region):
        parsed = dataclasses.replace(parsed, warnings=(*parsed.warnings, "uscc_region_unknown"))
    return parsed
