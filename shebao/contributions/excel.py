"""Annual wage declarations in Excel (年度缴费工资申报，Excel 导入).

``read_declarations`` turns an uploaded .xlsx into rows with a per-row error report,
reading it as defensively as the register's batch files (``shebao.register.excel``):
size limit, zip-bomb and macro guards, no formulas, a header row recognised by its
Chinese or English column names (证件号码 / id_number, 姓名 / name, 上年度月平均工资 /
wage), a row limit counted row by row. ID numbers are mapped to person ids through
``shebao.register.sources.person_id_by_id_number``; the number itself never leaves.

``wage_declare_excel`` and ``wage_declare_by_id_number`` are the all-or-nothing write
paths over ``services.wage_declare``: if any row is bad, the whole file is refused with
every row's error (row, field, zh, en) and nothing is written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from shebao.contributions import selectors, services
from shebao.contributions.services import ContributionError, DeclarationRow
from shebao.contributions.sheet import SheetError
from shebao.register import selectors as register_selectors
from shebao.register import sources
from shebao.register.errors import RegisterError
from shebao.register.excel import (
    EXCEL_MAX_ROW,
    MAX_COLUMNS,
    MAX_ROWS,
    _check_zip,
    _norm_header,
    _read_bytes,
    cell_as_text,
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese column name in the template
    english: str
    required: bool
    aliases: tuple[str, ...] = ()
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "id_number",
        "证件号码",
        "id_number",
        True,
        ("身份证号", "身份证号码", "公民身份号码", "社会保障号码", "id number", "idnumber"),
        "18位，文本格式",
    ),
    Column("name", "姓名", "name", False, ("full name",), "可不填；填写则须与登记一致"),
    Column(
        "wage",
        "上年度月平均工资",
        "wage",
        True,
        ("上年度月均工资", "月平均工资", "缴费工资", "申报工资", "工资", "monthly wage", "average wage"),
        "元，不小于0；低于下限或高于上限的按下限或上限核定",
    ),
)
_INDEX = {_norm_header(name): col for col in COLUMNS for name in (col.header, col.english, col.key, *col.aliases)}
_BY_KEY = {c.key: c for c in COLUMNS}


def _file_error(zh: str, en: str) -> ContributionError:
    return ContributionError(field="file", zh=zh, en=en)


@dataclass(frozen=True)
class ParsedRow:
    number: int  # the row in the sheet (the header is row 1)
    person_id: int
    wage: object  # as entered (checked), yuan


@dataclass
class DeclarationSheet:
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[ContributionError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def locate(self, key: str, row: int, zh: str, en: str) -> ContributionError:
        """An error as "row N, column X": X is the file's own column header."""
        column = self.headers.get(key) or _BY_KEY[key].header
        return ContributionError(
            field=column, row=row, zh=f"第{row}行“{column}”：{zh}", en=f"row {row}, column “{column}”: {en}"
        )


@dataclass(frozen=True)
class DeclarationResult:
    ok: bool
    processed: int
    errors: list[ContributionError]


def read_declarations(file) -> DeclarationSheet:
    """Read the first worksheet of an uploaded declaration file: rows mapped to person
    ids, and every row's error. A file that cannot be trusted as a whole raises one
    ContributionError (field ``file``)."""
    try:
        data = _read_bytes(file)
        _check_zip(data)
    except RegisterError as exc:
        raise _file_error(exc.message_zh, exc.message_en) from None

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many types for malformed parts
        raise _file_error("文件已损坏或格式不受支持，无法读取", "the file is damaged or not supported") from None
    try:
        raw = _raw_rows(workbook)
    finally:
        workbook.close()
    result = DeclarationSheet(headers=raw[0])
    _clean_rows(result, raw[1])
    return result


def _raw_rows(workbook) -> tuple[dict[str, str], list[tuple[int, dict[str, object]]]]:
    from openpyxl.utils import get_column_letter

    sheets = workbook.worksheets
    if not sheets:
        raise _file_error("文件中没有工作表", "the file has no worksheet")
    sheet = sheets[0]
    declared_rows, declared_cols = sheet.max_row or 0, sheet.max_column or 0
    if declared_rows > MAX_ROWS + 1:
        raise _file_error(
            f"工作表声明有 {declared_rows} 行，超过上限（表头加 {MAX_ROWS} 行数据）；请分批上传",
            f"the sheet declares {declared_rows} rows, more than the limit (a header and {MAX_ROWS} data rows); split the file",
        )
    if declared_cols > MAX_COLUMNS:
        raise _file_error(
            f"工作表有 {declared_cols} 列，超过上限 {MAX_COLUMNS} 列",
            f"the sheet has {declared_cols} columns, more than the limit of {MAX_COLUMNS}",
        )
    sheet.reset_dimensions()  # do not trust the declared size: count while reading
    headers: dict[str, str] = {}
    positions: dict[int, str] = {}
    rows: list[tuple[int, dict[str, object]]] = []
    number = 0
    try:
        for values in sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True):
            number += 1
            if number > EXCEL_MAX_ROW:
                raise _file_error("工作表行号超出 Excel 上限", "the sheet has rows beyond Excel's limit")
            cells = list(values)
            for index, value in enumerate(cells):
                if isinstance(value, str) and value.startswith("="):
                    letter = get_column_letter(index + 1)
                    raise _file_error(
                        f"第{number}行第{letter}列含有公式，请把公式粘贴为数值后再上传",
                        f"row {number}, column {letter} contains a formula; paste values instead",
                    )
            if number == 1:
                positions = _read_header(cells, headers)
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            if number > MAX_ROWS + 1:
                raise _file_error(f"数据超过上限 {MAX_ROWS} 行，请分批上传", f"more than {MAX_ROWS} data rows; split the file")
            row: dict[str, object] = {}
            for index, key in positions.items():
                value = cells[index] if index < len(cells) else None
                if isinstance(value, str):
                    value = value.strip() or None
                row[key] = value
            rows.append((number, row))
    except ContributionError:
        raise
    except Exception:
        raise _file_error("文件已损坏或格式不受支持，无法读取", "the file is damaged or not supported") from None
    if number == 0:
        raise _file_error("工作表是空的（没有表头）", "the sheet is empty (no header row)")
    if not rows:
        raise _file_error("文件中没有数据行", "the file has no data rows")
    return headers, rows


def _read_header(cells: list, headers: dict[str, str]) -> dict[int, str]:
    from openpyxl.utils import get_column_letter

    expected = "、".join(c.header for c in COLUMNS if c.required)
    expected_en = ", ".join(c.english for c in COLUMNS if c.required)
    positions: dict[int, str] = {}
    for index, value in enumerate(cells):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        text = str(value)
        column = _INDEX.get(_norm_header(text))
        if column is None:
            raise _file_error(
                f"第1行列名“{text[:30]}”（第{get_column_letter(index + 1)}列）无法识别；必需的列为：{expected}",
                f"column header {text[:30]!r} (column {get_column_letter(index + 1)}) is not recognised; required: {expected_en}",
            )
        if column.key in headers:
            raise _file_error(f"第1行列名“{text[:30]}”重复", f"column header {text[:30]!r} appears twice")
        headers[column.key] = text.strip()
        positions[index] = column.key
    if not positions:
        raise _file_error(f"第1行应为表头（{expected}）", f"row 1 must be the header row ({expected_en})")
    missing = [c for c in COLUMNS if c.required and c.key not in headers]
    if missing:
        raise _file_error(
            f"缺少必需的列：{'、'.join(c.header for c in missing)}",
            f"missing required columns: {', '.join(c.english for c in missing)}",
        )
    return positions


def _clean_rows(result: DeclarationSheet, rows: list[tuple[int, dict[str, object]]]) -> None:
    seen: dict[str, int] = {}
    for number, values in rows:
        bad = False
        raw_id = values.get("id_number")
        id_number = cell_as_text(raw_id).upper()
        person_id = None
        if isinstance(raw_id, int | float) and (isinstance(raw_id, float) or raw_id >= 10**15):
            # Excel keeps 15 significant digits: an 18-digit number cell has lost its last digits.
            result.errors.append(
                result.locate(
                    "id_number",
                    number,
                    "证件号码被保存为数字，末几位已丢失；请把该列设置为文本格式后重新填写",
                    "the ID number was stored as a number and lost its last digits; format the column as text",
                )
            )
            bad = True
        elif not id_number:
            result.errors.append(result.locate("id_number", number, "请填写证件号码", "the ID number is required"))
            bad = True
        elif id_number in seen:
            result.errors.append(
                result.locate("id_number", number, f"与第{seen[id_number]}行的证件号码重复", f"same ID number as row {seen[id_number]}")
            )
            bad = True
        else:
            seen[id_number] = number
            name = cell_as_text(values.get("name"))
            person_id, registered_name = _person(id_number, with_name=bool(name))
            if person_id is None:
                result.errors.append(
                    result.locate("id_number", number, "该证件号码未登记", "no person is registered with this ID number")
                )
                bad = True
            elif name and name != registered_name:
                result.errors.append(
                    result.locate("name", number, "姓名与登记信息不一致", "the name does not match the register")
                )
                bad = True
        wage = values.get("wage")
        try:
            if wage is None:
                raise ContributionError(field="wage", zh="请填写上年度月平均工资", en="the wage is required")
            if not isinstance(wage, int | float | str):
                raise ContributionError(field="wage", zh="工资应为数字", en="the wage must be a number")
            services._wage_fen(wage)
        except ContributionError as exc:
            result.errors.append(result.locate("wage", number, exc.message_zh, exc.message_en))
            bad = True
        if not bad:
            result.rows.append(ParsedRow(number=number, person_id=person_id, wage=wage))


def _person(id_number: str, *, with_name: bool) -> tuple[int | None, str]:
    """The person id for an ID number (and the registered name, when a row gives one)."""
    if not with_name:
        return sources.person_id_by_id_number(id_number), ""
    person = register_selectors.person_by_id_number(id_number=id_number)
    return (person.pk, person.name) if person is not None else (None, "")


def _employees(employer_id: int, base_year: object) -> set[int] | None:
    """The employer's employees in the base year (as ``wage_declare`` checks them), or
    None when the year or its parameters are not known: the service then says why."""
    try:
        year = int(base_year)
        sheet = selectors.rate_sheet(region_code=selectors.employer_region(employer_id), period=year * 100 + 7)
    except (TypeError, ValueError, SheetError):
        return None
    return selectors.employees_in_year(employer_id=employer_id, first=year * 100 + sheet.base_year_start)


def _declare(*, actor, employer_id: int, base_year: object, parsed: DeclarationSheet) -> DeclarationResult:
    employees = _employees(employer_id, base_year)
    if employees is not None:
        for row in parsed.rows:
            if row.person_id not in employees:
                parsed.errors.append(
                    parsed.locate("id_number", row.number, "该人员不是本单位职工", "not an employee of this employer")
                )
        parsed.errors.sort(key=lambda e: e.row or 0)
    if parsed.errors:
        return DeclarationResult(ok=False, processed=0, errors=parsed.errors)
    try:
        base = int(base_year)
    except (TypeError, ValueError):
        raise ContributionError(field="base_year", zh="申报年度应为四位年份", en="the base year must be a year") from None
    try:
        out = services.wage_declare(
            actor=actor,
            employer_id=employer_id,
            base_year=base,
            rows=[DeclarationRow(person_id=r.person_id, wage=r.wage) for r in parsed.rows],
        )
    except ContributionError as exc:
        if exc.row is None:
            raise
        row = parsed.rows[exc.row - 1]
        key = "wage" if exc.field == "wage" else "id_number"
        message_zh = exc.message_zh.split("：", 1)[-1]
        message_en = exc.message_en.split(": ", 1)[-1]
        return DeclarationResult(ok=False, processed=0, errors=[parsed.locate(key, row.number, message_zh, message_en)])
    return DeclarationResult(ok=True, processed=len(out), errors=[])


def wage_declare_excel(*, actor, employer_id: int, base_year: object, file) -> DeclarationResult:
    """年度缴费工资申报 from an .xlsx file: all rows or none. Returns every row's error
    when any row is bad; a file that cannot be read raises a ContributionError."""
    selectors.authorise_employer_write(user=actor, employer_id=employer_id)
    parsed = read_declarations(file)
    return _declare(actor=actor, employer_id=employer_id, base_year=base_year, parsed=parsed)


@dataclass(frozen=True)
class IdNumberRow:
    id_number: str
    wage: object


def wage_declare_by_id_number(*, actor, employer_id: int, base_year: object, rows: list[IdNumberRow]) -> list:
    """年度缴费工资申报 by ID number (the JSON API and the web form): every row is checked
    first, then all rows are written through ``services.wage_declare``, or none.
    Raises one ContributionError naming the first bad row (``rows[i]`` fields)."""
    selectors.authorise_employer_write(user=actor, employer_id=employer_id)
    if not rows:
        raise ContributionError(field="rows", zh="请至少申报一人", en="declare at least one person")
    if len(rows) > MAX_ROWS:
        raise ContributionError(field="rows", zh=f"每次最多申报 {MAX_ROWS} 人", en=f"at most {MAX_ROWS} persons at a time")
    mapped: list[DeclarationRow] = []
    seen: set[int] = set()
    for index, row in enumerate(rows, start=1):
        person_id = sources.person_id_by_id_number(str(row.id_number or "").strip().upper())
        if person_id is None:
            raise ContributionError(
                field="id_number", row=index, zh=f"第{index}行：该证件号码未登记", en=f"row {index}: no person is registered with this ID number"
            )
        if person_id in seen:
            raise ContributionError(
                field="id_number", row=index, zh=f"第{index}行：证件号码重复", en=f"row {index}: the same ID number appears twice"
            )
        seen.add(person_id)
        mapped.append(DeclarationRow(person_id=person_id, wage=row.wage))
    try:
        base = int(base_year)
    except (TypeError, ValueError):
        raise ContributionError(field="base_year", zh="申报年度应为四位年份", en="the base year must be a year") from None
    return services.wage_declare(actor=actor, employer_id=employer_id, base_year=base, rows=mapped)


def declaration_template() -> bytes:
    """A blank declaration .xlsx: the header row, the ID column as text, and a second
    sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "年度缴费工资申报"
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index, value=column.header).font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if column.key != "name" else 12
        if column.key == "id_number":
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "English"])
    for column in COLUMNS:
        notes.append([column.header, "必填" if column.required else "选填", column.note, column.english])
    notes.append([])
    notes.append([f"只读取第一个工作表；第1行为表头，每行一人，最多 {MAX_ROWS} 行；任何一行有错误时整个文件都不会导入。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
