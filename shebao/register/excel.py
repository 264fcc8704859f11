"""Employment batches in Excel (批量增员 / 批量减员): read an uploaded .xlsx defensively,
and build the blank template.

``read_batch`` only turns a file into rows of raw cell values keyed by column;
cleaning and the writes are the services' job (``employment_batch_import``). A file
that cannot be trusted as a whole (not an .xlsx by content, too large, a zip bomb,
too many rows or columns, formulas, unknown or missing columns, no data) is refused
with one ``RegisterError`` naming the problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings

from shebao.register.errors import RegisterError

MAX_ROWS = 5000  # data rows per file
MAX_COLUMNS = 30
EXCEL_MAX_ROW = 1_048_576
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # all parts of the zip together, unpacked
MAX_ZIP_ENTRIES = 200
MAX_COMPRESSION_RATIO = 100

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese column name in the template
    english: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    note: str = ""


COLUMNS: dict[str, tuple[Column, ...]] = {
    "hire": (
        Column(
            "id_number",
            "证件号码",
            "id_number",
            True,
            ("身份证号", "身份证号码", "公民身份号码", "社会保障号码", "id number", "idnumber"),
            "18位，文本格式",
        ),
        Column("name", "姓名", "name", True, ("full name",), "与证件一致"),
        Column(
            "start_date",
            "入职日期",
            "start_date",
            True,
            ("增员日期", "参保日期", "start date", "hire date", "hire_date"),
            "YYYY-MM-DD，不晚于今天",
        ),
        Column(
            "monthly_wage",
            "月工资",
            "monthly_wage",
            True,
            ("工资", "月工资（元）", "月工资(元)", "wage", "monthly wage"),
            "元，大于0",
        ),
        Column(
            "hukou_region",
            "户籍区划",
            "hukou_region",
            False,
            ("户籍区划代码", "hukou region"),
            "6位区划代码；新登记人员不填则用单位所在区划",
        ),
        Column(
            "hukou_type",
            "户口性质",
            "hukou_type",
            False,
            ("hukou type",),
            "城镇 / 农村 / 无；新登记人员不填则为城镇",
        ),
        Column("phone", "手机号码", "phone", False, ("手机号", "联系电话", "mobile"), "可不填"),
    ),
    "separate": (
        Column(
            "id_number",
            "证件号码",
            "id_number",
            True,
            ("身份证号", "身份证号码", "公民身份号码", "社会保障号码", "id number", "idnumber"),
            "18位，文本格式",
        ),
        Column(
            "end_date",
            "离职日期",
            "end_date",
            True,
            ("减员日期", "end date", "separation date", "separation_date"),
            "YYYY-MM-DD，不晚于今天",
        ),
        Column(
            "reason",
            "离职原因",
            "reason",
            True,
            ("减员原因", "原因", "separation reason"),
            "如：合同到期、辞职",
        ),
        Column("name", "姓名", "name", False, ("full name",), "可不填；填写则须与登记一致"),
    ),
}
KIND_LABELS = {"hire": ("批量增员", "batch hire"), "separate": ("批量减员", "batch separation")}


def _norm_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return re.sub(r"[\s*＊:：]", "", text).replace("_", "")


def _header_index(kind: str) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in COLUMNS[kind]:
        for name in (col.header, col.english, col.key, *col.aliases):
            index[_norm_header(name)] = col
    return index


def _file_error(zh: str, en: str) -> RegisterError:
    return RegisterError(field="file", zh=zh, en=en)


@dataclass
class SheetRow:
    number: int  # row number in the sheet (the header is row 1)
    values: dict[str, object]


@dataclass
class BatchSheet:
    kind: str
    sha256: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written
    rows: list[SheetRow] = field(default_factory=list)

    def locate(self, error: RegisterError, row: int) -> RegisterError:
        """The error as "row N, column X": X is the file's own column header."""
        column = self.headers.get(error.field)
        if column is None:
            known = {c.key: c for c in COLUMNS[self.kind]}
            column = (
                known[error.field].header
                if error.field in known
                else self.headers.get("id_number", "证件号码")
            )
        return RegisterError(
            field=column,
            zh=f"第{row}行“{column}”：{error.message_zh}",
            en=f"row {row}, column “{column}”: {error.message_en}",
            row=row,
        )


def _read_bytes(file) -> bytes:
    limit = settings.SHEBAO_MAX_UPLOAD_BYTES
    too_big = _file_error(
        f"文件过大（上限 {limit // 1024} KB）", f"the file is too large (limit {limit // 1024} KB)"
    )
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            raise too_big
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return data


def _check_zip(data: bytes) -> None:
    if not data:
        raise _file_error("文件为空", "the file is empty")
    if data.startswith(_OLE_MAGIC):
        raise _file_error(
            "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传",
            "this is a legacy .xls file; save it as .xlsx and upload again",
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _file_error(
            "文件内容不是 Excel 工作簿（.xlsx），请使用下载的模板",
            "the file content is not an Excel workbook (.xlsx); use the downloaded template",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _file_error(
            "文件已损坏，无法作为 .xlsx 打开", "the file is damaged and cannot be opened as .xlsx"
        ) from None
    bomb = _file_error(
        "文件解压后过大或压缩比异常，已拒绝", "the file unpacks to an unreasonable size; refused"
    )
    if len(infos) > MAX_ZIP_ENTRIES:
        raise bomb
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise bomb
    if total > MAX_UNCOMPRESSED_BYTES:
        raise bomb
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _file_error(
            "文件内容不是 Excel 工作簿（.xlsx），请使用下载的模板",
            "the file content is not an Excel workbook (.xlsx); use the downloaded template",
        )
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _file_error(
            "文件含有宏，已拒绝；请另存为不含宏的 .xlsx", "the file contains macros; save it as a plain .xlsx"
        )


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def read_batch(file, *, kind: str) -> BatchSheet:
    """Read the first worksheet of an uploaded batch file into raw rows."""
    if kind not in COLUMNS:
        raise RegisterError(
            field="kind", zh="批量业务类型应为增员或减员", en="the batch kind must be hire or separate"
        )
    data = _read_bytes(file)
    _check_zip(data)

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many types for malformed parts
        raise _file_error(
            "文件已损坏或格式不受支持，无法读取", "the file is damaged or not supported"
        ) from None
    try:
        sheet = _read_sheet(workbook, kind)
    finally:
        workbook.close()
    sheet.sha256 = hashlib.sha256(data).hexdigest()
    return sheet


def _read_sheet(workbook, kind: str) -> BatchSheet:
    sheets = workbook.worksheets
    if not sheets:
        raise _file_error("文件中没有工作表", "the file has no worksheet")
    sheet = sheets[0]
    declared_rows = sheet.max_row or 0
    declared_cols = sheet.max_column or 0
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
    # Do not trust the declared size: read row by row, counting.
    sheet.reset_dimensions()
    header_index = _header_index(kind)
    result = BatchSheet(kind=kind)
    positions: dict[int, str] = {}  # 0-based column index -> key
    number = 0
    try:
        rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        for values in rows:
            number += 1
            if number > EXCEL_MAX_ROW:
                raise _file_error("工作表行号超出 Excel 上限", "the sheet has rows beyond Excel's limit")
            cells = list(values)
            for index, value in enumerate(cells):
                if isinstance(value, str) and value.startswith("="):
                    raise _file_error(
                        f"第{number}行第{_column_letter(index + 1)}列含有公式，请把公式粘贴为数值后再上传",
                        f"row {number}, column {_column_letter(index + 1)} contains a formula; paste values instead",
                    )
            blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)
            if number == 1:
                positions = _read_header(cells, header_index, kind, result)
                continue
            if blank:
                continue
            if number > MAX_ROWS + 1:
                raise _file_error(
                    f"数据超过上限 {MAX_ROWS} 行，请分批上传",
                    f"more than {MAX_ROWS} data rows; split the file",
                )
            row_values: dict[str, object] = {}
            for index, key in positions.items():
                value = cells[index] if index < len(cells) else None
                if isinstance(value, str):
                    value = value.strip()
                    if value == "":
                        value = None
                row_values[key] = value
            result.rows.append(SheetRow(number=number, values=row_values))
    except RegisterError:
        raise
    except Exception:
        raise _file_error(
            "文件已损坏或格式不受支持，无法读取", "the file is damaged or not supported"
        ) from None
    if number == 0:
        raise _file_error("工作表是空的（没有表头）", "the sheet is empty (no header row)")
    if not result.rows:
        raise _file_error("文件中没有数据行", "the file has no data rows")
    return result


def _read_header(
    cells: list, header_index: dict[str, Column], kind: str, result: BatchSheet
) -> dict[int, str]:
    expected = "、".join(c.header for c in COLUMNS[kind] if c.required)
    expected_en = ", ".join(c.english for c in COLUMNS[kind] if c.required)
    positions: dict[int, str] = {}
    for index, value in enumerate(cells):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            value = str(value)
        column = header_index.get(_norm_header(value))
        if column is None:
            raise _file_error(
                f"第1行列名“{value[:30]}”（第{_column_letter(index + 1)}列）无法识别；必需的列为：{expected}",
                f"column header {value[:30]!r} (column {_column_letter(index + 1)}) is not recognised; required: {expected_en}",
            )
        if column.key in result.headers:
            raise _file_error(f"第1行列名“{value[:30]}”重复", f"column header {value[:30]!r} appears twice")
        result.headers[column.key] = value.strip()
        positions[index] = column.key
    if not positions:
        raise _file_error(f"第1行应为表头（{expected}）", f"row 1 must be the header row ({expected_en})")
    missing = [c for c in COLUMNS[kind] if c.required and c.key not in result.headers]
    if missing:
        raise _file_error(
            f"缺少必需的列：{'、'.join(c.header for c in missing)}",
            f"missing required columns: {', '.join(c.english for c in missing)}",
        )
    return positions


def employment_batch_template(kind: str) -> bytes:
    """A blank .xlsx for ``kind`` ("hire" / "separate"): the header row, the ID column as
    text, and a second sheet explaining each column."""
    if kind not in COLUMNS:
        raise RegisterError(
            field="kind", zh="批量业务类型应为增员或减员", en="the batch kind must be hire or separate"
        )
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = KIND_LABELS[kind][0]
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS[kind], start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = 22 if column.key == "id_number" else 16
        if column.key in ("id_number", "hukou_region", "phone"):
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "English"])
    for cell in notes[1]:
        cell.font = bold
    for column in COLUMNS[kind]:
        notes.append([column.header, "必填" if column.required else "选填", column.note, column.english])
    notes.append([])
    notes.append(["只读取第一个工作表；第1行为表头，从第2行起每行一人。"])
    notes.append([f"每个文件最多 {MAX_ROWS} 行；任何一行有错误时整个文件都不会导入。"])
    notes.append(["请勿使用公式；证件号码请设置为文本格式。"])
    for letter, width in (("A", 14), ("B", 10), ("C", 48), ("D", 16)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_as_text(value: object) -> str:
    """A cell value as text for identifiers and codes (dates and floats refused by callers)."""
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
