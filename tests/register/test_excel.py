"""Batch hire / separation from .xlsx: all rows or nothing, errors by row and column,
hostile and broken files refused with one clear error."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import UserKind
from shebao.kernel.models import AuditEntry
from shebao.register import excel, services
from shebao.register.models import Employment, Enrolment, Person
from tests.register.conftest import new_id

pytestmark = pytest.mark.django_db

HIRE = ["证件号码", "姓名", "入职日期", "月工资"]
SEPARATE = ["证件号码", "离职日期", "离职原因"]


def xlsx(rows, header=HIRE) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "batch.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def run(actor, employer, data, kind="hire"):
    return services.employment_batch_import(
        actor=actor, employer_id=employer.pk, kind=kind, file=upload(data)
    )


def snapshot():
    return (
        Person.objects.count(),
        Employment.objects.count(),
        Enrolment.objects.count(),
        AuditEntry.objects.count(),
    )


def test_template_round_trip(clerk, employer, person):
    template = excel.employment_batch_template("hire")
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == HIRE
    assert workbook.sheetnames[1] == "填写说明"
    sheet.append([person.id_number, "张三", dt.date(2024, 3, 1), 8000])
    sheet.append([new_id(born=dt.date(1990, 2, 2)), "新员工", "2024-03-05", "6500.50"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(clerk, employer, buffer.getvalue())
    assert (result.ok, result.processed, result.errors) == (True, 2, [])
    assert Employment.objects.filter(employer=employer, end_date__isnull=True).count() == 2
    new = Person.objects.get(name="新员工")
    assert (new.hukou_region, new.region_code) == (employer.region_code, employer.region_code)
    entry = AuditEntry.objects.get(action="employment.batch_import")
    assert entry.object_id == str(employer.pk) and '"rows":2' in entry.after
    assert not any(person.id_number in e.after for e in AuditEntry.objects.all())


def test_separate_template_and_batch(clerk, employer, make_person):
    assert [
        c.value
        for c in load_workbook(io.BytesIO(excel.employment_batch_template("separate"))).worksheets[0][1]
    ][:3] == SEPARATE
    people = [make_person(name=n) for n in ("甲", "乙")]
    for p in people:
        services.employment_hire(
            actor=clerk, employer_id=employer.pk, person_id=p.pk, start_date="2024-01-01"
        )
    result = run(
        clerk,
        employer,
        xlsx([[p.id_number, "2024-06-30", "合同到期"] for p in people], header=SEPARATE),
        kind="separate",
    )
    assert result.ok and result.processed == 2
    assert not Employment.objects.filter(end_date__isnull=True).exists()


def test_english_aliases_and_extra_optional_columns(clerk, employer):
    data = xlsx(
        [[new_id(), "钱七", "2024-04-01", 5000, "110101", "农村", "13800138000"]],
        header=["ID number", "Name", "start_date", "Monthly wage", "hukou_region", "户口性质", "mobile"],
    )
    result = run(clerk, employer, data)
    assert result.ok, result.errors
    person = Person.objects.get(name="钱七")
    assert (person.hukou_region, person.hukou_type, person.phone) == ("110101", "rural", "13800138000")


def test_one_bad_row_writes_nothing_and_names_row_and_column(clerk, employer):
    before = snapshot()
    rows = [
        [new_id(), "甲", "2024-03-01", 8000],
        [new_id(), "乙", "2024-03-01", "八千"],
        [new_id(), "丙", "2024-03-01", 9000],
    ]
    result = run(clerk, employer, xlsx(rows))
    assert (result.ok, result.processed) == (False, 0)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.field) == (3, "月工资")
    assert error.message_zh.startswith("第3行“月工资”") and "row 3" in error.message_en
    assert snapshot() == before


def test_database_level_row_error_rolls_back_earlier_rows(
    clerk, employer, other_employer, make_person, system
):
    busy = make_person(name="忙人")
    services.employment_hire(
        actor=system, employer_id=other_employer.pk, person_id=busy.pk, start_date="2024-01-01"
    )
    before = snapshot()
    rows = [
        [new_id(), "新甲", "2024-03-01", 8000],  # would register a person and hire
        [busy.id_number, "忙人", "2024-03-01", 8000],  # still employed elsewhere
        [new_id(), "新乙", "2024-03-01", 8000],
        [new_id(), "错名", "2999-01-01", 8000],
    ]
    result = run(clerk, employer, xlsx(rows))
    assert not result.ok
    # the format error (row 5) is reported before anything is tried
    assert [(e.row, e.field) for e in result.errors] == [(5, "入职日期")]
    result = run(clerk, employer, xlsx(rows[:3]))
    assert [(e.row, e.field) for e in result.errors] == [(3, "证件号码")]
    assert "上海另一家公司" in result.errors[0].message_zh
    assert snapshot() == before
    assert not Person.objects.filter(name__in=["新甲", "新乙"]).exists()


def test_row_errors_for_ids_names_and_duplicates(clerk, employer, person):
    number = new_id()
    rows = [
        ["110105194912310021", "甲", "2024-03-01", 8000],  # wrong check character
        [1.10105194912310e17, "乙", "2024-03-01", 8000],  # ID typed as a number
        [number, "丙", "2024-03-01", 8000],
        [number, "丙", "2024-03-01", 8000],  # repeated
        [person.id_number, "李四", "2024-03-01", 8000],  # registered under another name
        [new_id(), None, "2024-03-01", 8000],
    ]
    result = run(clerk, employer, xlsx(rows))
    found = [(e.row, e.field) for e in result.errors]
    assert found == [(2, "证件号码"), (3, "证件号码"), (5, "证件号码"), (7, "姓名")]
    assert "文本格式" in result.errors[1].message_zh and "与第4行" in result.errors[2].message_zh
    # once the format errors are fixed the name mismatch shows up
    result = run(clerk, employer, xlsx([rows[2], rows[4]]))
    assert [(e.row, e.field) for e in result.errors] == [(3, "姓名")]
    assert not Employment.objects.exists()


def test_accepts_plain_bytes(clerk, employer):
    result = services.employment_batch_import(
        actor=clerk,
        employer_id=employer.pk,
        kind="hire",
        file=xlsx([[new_id(), "甲", dt.datetime(2024, 3, 1), 8000]]),
    )
    assert result.ok


# --- whole-file refusals -----------------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _with_dimension(data: bytes, ref: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {}
    for name in source.namelist():
        body = source.read(name)
        if name == "xl/worksheets/sheet1.xml":
            body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref.encode() + b'"', body)
        parts[name] = body
    return _zip(parts)


def _formula() -> bytes:
    workbook = Workbook()
    workbook.active.append(HIRE)
    workbook.active.append(["=A1", "甲", "2024-03-01", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _too_many_rows() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HIRE)
    number = new_id()
    for _ in range(excel.MAX_ROWS + 1):
        sheet.append([number, "甲", "2024-03-01", 8000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HOSTILE = {
    "csv renamed .xlsx": (b"\xe8\xaf\x81\xe4\xbb\xb6\xe5\x8f\xb7\xe7\xa0\x81,name\n110105,x\n", "不是 Excel"),
    "legacy xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
    "empty": (b"", "为空"),
    "truncated zip": (b"PK\x03\x04" + b"\0" * 100, "损坏"),
    "zip without a workbook": (_zip({"hello.txt": b"hi"}), "不是 Excel"),
    "zip bomb": (
        _zip(
            {
                "[Content_Types].xml": b"",
                "xl/workbook.xml": b"",
                "xl/worksheets/sheet1.xml": b"\0" * (30 * 1024 * 1024),
            }
        ),
        "解压",
    ),
    "broken workbook xml": (_zip({"[Content_Types].xml": b"<x", "xl/workbook.xml": b"<not xml"}), "损坏"),
    "100k declared rows": (
        _with_dimension(xlsx([["110105198506150022", "甲", "2024-03-01", 1]]), "A1:D100000"),
        "100000",
    ),
    "too many columns": (
        _with_dimension(xlsx([["110105198506150022", "甲", "2024-03-01", 1]]), "A1:AZ3"),
        "列",
    ),
    "wrong headers": (xlsx([["a", "b"]], header=["身份证", "名字", "日期", "钱"]), "无法识别"),
    "missing column": (
        xlsx([["x", "y", "z"]], header=["证件号码", "姓名", "入职日期"]),
        "缺少必需的列：月工资",
    ),
    "duplicate column": (xlsx([], header=["证件号码", "姓名", "入职日期", "月工资", "姓名"]), "重复"),
    "header only": (xlsx([]), "没有数据行"),
    "no header": (xlsx([], header=None), "空"),
    "formula": (_formula(), "公式"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_or_broken_files_refused(clerk, employer, case):
    data, text = HOSTILE[case]
    before = snapshot()
    result = run(clerk, employer, data)
    assert (result.ok, result.processed, len(result.errors)) == (False, 0, 1)
    error = result.errors[0]
    assert error.field == "file" and error.row is None
    assert text in error.message_zh, error.message_zh
    assert error.message_en
    assert snapshot() == before


def test_too_many_real_rows(clerk, employer):
    result = run(clerk, employer, _too_many_rows())
    assert not result.ok and "上限" in result.errors[0].message_zh


def test_rows_beyond_a_lying_dimension_are_read(clerk, employer):
    data = _with_dimension(
        xlsx([[new_id(), "甲", "2024-03-01", 8000], [new_id(), "乙", "2024-03-01", "x"]]), "A1:D2"
    )
    result = run(clerk, employer, data)
    assert [(e.row, e.field) for e in result.errors] == [(3, "月工资")]


def test_upload_size_limit(clerk, employer, settings):
    settings.SHEBAO_MAX_UPLOAD_BYTES = 1000
    result = run(clerk, employer, xlsx([[new_id(), "甲", "2024-03-01", 8000]]))
    assert not result.ok and "过大" in result.errors[0].message_zh


def test_batch_rights_and_kind(make_user, employer, other_employer, audit_ctx):
    operator = make_user(kind=UserKind.EMPLOYER, employer_id=other_employer.pk)
    with pytest.raises(AccessDenied):
        run(operator, employer, xlsx([[new_id(), "甲", "2024-03-01", 8000]]))
    own = make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk)
    assert run(own, employer, xlsx([[new_id(), "甲", "2024-03-01", 8000]])).ok
    from shebao.register.errors import RegisterError

    with pytest.raises(RegisterError):
        run(own, employer, xlsx([]), kind="fire")
    with pytest.raises(RegisterError):
        excel.employment_batch_template("fire")
