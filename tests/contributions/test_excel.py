"""The annual wage declaration from Excel: safe reading (size, zip bomb, macros,
formulas, columns), the per-row error report, and all-or-nothing writing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from shebao.contributions import excel
from shebao.contributions.models import WageDeclaration
from shebao.contributions.services import ContributionError
from tests.contributions.conftest import make_person_direct
from tests.register.conftest import new_id

pytestmark = pytest.mark.django_db

HEADER = ["证件号码", "姓名", "上年度月平均工资"]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    if header is not None:
        workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "declaration.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def staff_of(employer, hire):
    """Two employees of ``employer`` (hired 2025-07-01)."""
    return hire(employer, name="王一"), hire(employer, name="王二")


def test_good_file_declares_every_row_with_bases_clamped(system, employer, staff_of):
    a, b = staff_of
    data = xlsx([[a.id_number, "王一", 5000], [b.id_number, None, "50,000.00"]])
    result = excel.wage_declare_excel(actor=system, employer_id=employer.pk, base_year=2025, file=upload(data))
    assert (result.ok, result.processed, result.errors) == (True, 2, [])
    rows = {d.person_id: d for d in WageDeclaration.objects.filter(employer_id=employer.pk, base_year=2025)}
    assert rows[a.pk].wage_fen == 500_000 and rows[a.pk].base_fen == 716_200  # floor 7,162
    assert rows[b.pk].wage_fen == 5_000_000 and rows[b.pk].base_fen == 3_581_100  # ceiling 35,811


def test_english_headers_and_aliases(system, employer, hire):
    p = hire(employer)
    data = xlsx([[12000.5, p.id_number]], header=["Monthly Wage", "ID Number"])
    sheet = excel.read_declarations(upload(data))
    assert sheet.ok and sheet.headers == {"wage": "Monthly Wage", "id_number": "ID Number"}
    assert [(r.number, r.person_id) for r in sheet.rows] == [(2, p.pk)]
    result = excel.wage_declare_excel(actor=system, employer_id=employer.pk, base_year=2025, file=upload(data))
    assert result.ok
    assert WageDeclaration.objects.get(person_id=p.pk).wage_fen == 1_200_050


def test_an_id_number_typed_as_a_number_is_refused(params, employer, hire):
    p = hire(employer)
    number = int(p.id_number[:17] + "0")  # Excel would keep only 15 significant digits of it
    sheet = excel.read_declarations(upload(xlsx([[number, None, 9000]], header=["身份证号", "姓名", "缴费工资"])))
    assert [(e.row, e.field) for e in sheet.errors] == [(2, "身份证号")]
    assert "format the column as text" in sheet.errors[0].message_en


def test_every_bad_row_is_reported_and_nothing_is_written(system, employer, staff_of):
    a, b = staff_of
    outsider = make_person_direct(system, name="外人")
    data = xlsx(
        [
            [a.id_number, "王一", 9000],  # good
            [b.id_number, "王二", -1],  # negative wage
            [new_id(), None, 8000],  # unknown ID number
            [a.id_number, None, 8000],  # duplicate of row 2
            [b.id_number, "张冠李戴", "abc"],  # duplicate of row 3, and not a number
            [None, None, 8000],  # missing ID
            [outsider.id_number, None, 8000],  # not an employee
        ]
    )
    result = excel.wage_declare_excel(actor=system, employer_id=employer.pk, base_year=2025, file=upload(data))
    assert not result.ok and result.processed == 0
    found = [(e.row, e.field) for e in result.errors]
    assert found == [
        (3, "上年度月平均工资"),
        (4, "证件号码"),
        (5, "证件号码"),
        (6, "证件号码"),
        (6, "上年度月平均工资"),
        (7, "证件号码"),
        (8, "证件号码"),
    ]
    texts = {e.row: (e.message_zh, e.message_en) for e in result.errors}
    assert "负数" in texts[3][0] and "negative" in texts[3][1]
    assert "未登记" in texts[4][0] and "no person is registered" in texts[4][1]
    assert "row 5" in texts[5][1] and "row 2" in texts[5][1]
    assert "不是本单位职工" in texts[8][0] and "not an employee" in texts[8][1]
    assert not WageDeclaration.objects.exists()


def test_name_must_match_and_wage_must_be_a_number(system, employer, staff_of):
    a, b = staff_of
    data = xlsx([[a.id_number, "张冠李戴", 9000], [b.id_number, "王二", "九千"]])
    result = excel.wage_declare_excel(actor=system, employer_id=employer.pk, base_year=2025, file=upload(data))
    assert [(e.row, e.field) for e in result.errors] == [(2, "姓名"), (3, "上年度月平均工资")]
    assert "does not match" in result.errors[0].message_en
    assert not WageDeclaration.objects.exists()


def test_service_refusal_is_reported_for_the_whole_file(system, employer, staff_of, assess):
    a, _b = staff_of
    assess(period=202601)  # the 2025 base year is now assessed and locked
    data = xlsx([[a.id_number, None, 9000]])
    with pytest.raises(ContributionError) as caught:
        excel.wage_declare_excel(actor=system, employer_id=employer.pk, base_year=2025, file=upload(data))
    assert caught.value.field == "base_year"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["证件号码", "姓名", "工号"], "工号"),  # an unknown column
        (["证件号码", "姓名"], "missing required columns: wage"),
        (["证件号码", "证件号码", "上年度月平均工资"], "appears twice"),
        ([None, None], "header row"),
    ],
)
def test_wrong_columns_refuse_the_file(params, header, expected):
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(xlsx([["x", "y", "z"]], header=header)))
    assert caught.value.field == "file"
    assert expected in caught.value.message_en or expected in caught.value.message_zh


def test_formula_cells_are_refused(params, employer, staff_of):
    a, _ = staff_of
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(xlsx([[a.id_number, None, "=1000*12"]])))
    assert "formula" in caught.value.message_en and "C" in caught.value.message_en


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"id,wage\n1,2\n", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy .xls"),
        (b"PK\x03\x04garbage", "damaged"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "xl/bomb.xml": b"\0" * (25 * 1024 * 1024)}), "unpacks"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"macro"}), "macros"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<not xml"}), "damaged"),
    ],
    ids=["empty", "csv", "xls", "broken-zip", "zip-bomb", "macros", "bad-parts"],
)
def test_hostile_files_are_refused(params, data, expected):
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(data))
    assert caught.value.field == "file" and expected in caught.value.message_en
    assert caught.value.message_zh


def test_oversized_file_is_refused(params, settings):
    settings.SHEBAO_MAX_UPLOAD_BYTES = 2048
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(xlsx([[new_id(), None, 1000]] * 50) + b"\0" * 4096))
    assert "too large" in caught.value.message_en


def test_too_many_rows_and_no_rows(params, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(xlsx([[new_id(), None, 1000]] * 4)))
    assert "split the file" in caught.value.message_en
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(xlsx([])))
    assert "no data rows" in caught.value.message_en


def test_template_has_the_recognised_header(params):
    workbook = load_workbook(io.BytesIO(excel.declaration_template()))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER
    with pytest.raises(ContributionError) as caught:
        excel.read_declarations(upload(excel.declaration_template()))
    assert "no data rows" in caught.value.message_en  # header recognised, nothing to read


def test_by_id_number_names_the_row(system, employer, staff_of):
    a, b = staff_of
    rows = [excel.IdNumberRow(a.id_number, "9000"), excel.IdNumberRow(new_id(), "9000")]
    with pytest.raises(ContributionError) as caught:
        excel.wage_declare_by_id_number(actor=system, employer_id=employer.pk, base_year=2025, rows=rows)
    assert (caught.value.row, caught.value.field) == (2, "id_number")
    assert not WageDeclaration.objects.exists()
    out = excel.wage_declare_by_id_number(
        actor=system, employer_id=employer.pk, base_year=2025,
        rows=[excel.IdNumberRow(a.id_number, "9000"), excel.IdNumberRow(b.id_number.lower(), 7000)],
    )
    assert sorted(d.base_fen for d in out) == [716_200, 900_000]
