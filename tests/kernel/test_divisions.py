"""GB/T 2260 divisions: the table every database gets from migration 0003, look-ups,
and the "address code never existed" warning on identifiers."""

import datetime as dt

import pytest
from django.core.management import call_command

from shebao.kernel.divisions import (
    DATA_VERSION,
    DEFAULT_PATH,
    WARNINGS,
    DivisionDataError,
    division_children,
    division_ever_existed,
    division_exists_now,
    division_get,
    division_name_path,
    division_path,
    divisions_cache_clear,
    divisions_load,
    divisions_read,
    person_id_check,
    uscc_check,
    warning_message,
)
from shebao.kernel.models import Division
from shebao.kernel.rules.identifiers import IdentifierError, IdType, make_person_id, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_cache():
    """Tests that reload the table leave no stale in-process code sets behind."""
    divisions_cache_clear()
    yield
    divisions_cache_clear()


def test_migration_loaded_the_shipped_file():
    assert Division.objects.count() == len(divisions_read()[1]) > 7000
    assert set(Division.objects.values_list("data_version", flat=True)) == {DATA_VERSION}
    assert Division.objects.filter(is_current=True).count() == 3214
    assert Division.objects.filter(is_current=True, level=1).count() == 34


def test_current_code_with_path():
    assert division_exists_now("110105")
    assert division_ever_existed("110105")
    assert [d.code for d in division_path("110105")] == ["110000", "110105"]
    assert division_name_path("110105") == "北京市 / 朝阳区"
    assert division_get("110105").name == "朝阳区"


def test_three_level_path():
    assert division_name_path("130503") == "河北省 / 邢台市 / 信都区"
    assert [d.level for d in division_path("130503")] == [1, 2, 3]


def test_county_directly_under_a_province():
    assert division_name_path("469001") == "海南省 / 五指山市"


@pytest.mark.parametrize(
    ("code", "name", "valid_to"),
    [
        ("110103", "崇文区", 2010),
        ("110104", "宣武区", 2010),
        ("412723", "商水县", 2000),
        ("440524", "潮阳县", 1993),
    ],
)
def test_historical_codes_existed_but_are_not_current(code, name, valid_to):
    row = division_get(code)
    assert (row.name, row.is_current, row.valid_to) == (name, False, valid_to)
    assert division_ever_existed(code)
    assert not division_exists_now(code)


def test_historical_code_path_uses_its_old_parents():
    assert division_name_path("110103") == "北京市 / 崇文区"
    assert division_name_path("412723") == "河南省 / 周口地区 / 商水县"


def test_unknown_and_malformed_codes():
    for code in ["999999", "110199", "", "11010", "11010a", None]:
        assert not division_ever_existed(code)
        assert not division_exists_now(code)
        assert division_get(code) is None
        assert division_path(code) == []
        assert division_name_path(code) == ""


def test_children_current_by_default():
    children = [d.code for d in division_children("110000")]
    assert "110105" in children
    assert "110103" not in children
    assert len(children) == 16
    assert "110103" in [d.code for d in division_children("110000", include_historical=True)]
    assert [d.code for d in division_children("130500")][:2] == ["130502", "130503"]


# --- Identifier checks with the region warning ------------------------------------------------------


def test_t04_code_newer_than_birth_does_not_warn():
    person = person_id_check("500101196001011236")
    assert person.warnings == ()


def test_abolished_code_does_not_warn():
    assert person_id_check(make_person_id("110103", dt.date(1955, 3, 1), 11)).warnings == ()


@pytest.mark.parametrize("address", ["110199", "123456"])
def test_code_that_never_existed_warns_but_is_accepted(address):
    number = make_person_id(address, dt.date(1960, 1, 1), 123)
    person = person_id_check(number)
    assert person.number == number
    assert person.warnings == ("address_code_unknown",)
    assert "地址码" in warning_message("address_code_unknown")
    assert "address code" in warning_message("address_code_unknown", "en")


def test_invented_9_prefix_warns_on_its_province_digits():
    person = person_id_check(make_person_id("990101", dt.date(1960, 1, 1), 123))
    assert person.id_type == IdType.FOREIGN_PR
    assert person.warnings == ("address_code_unknown",)
    assert person_id_check(make_person_id("911840", dt.date(1985, 6, 15), 12)).warnings == ()


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permits_do_not_warn(prefix):
    # 830000 (Taiwan residents' permits) is not a division code: Taiwan is 710000.
    person = person_id_check(make_person_id(prefix, dt.date(1990, 1, 1), 1), IdType.HKMO_TW_PERMIT)
    assert person.id_type == IdType.HKMO_TW_PERMIT
    assert person.warnings == ()


def test_person_id_check_still_rejects_bad_numbers():
    with pytest.raises(IdentifierError) as caught:
        person_id_check("110105194912310021")
    assert caught.value.code == "checksum"


def test_uscc_check_region_warning():
    assert uscc_check("91110000600037341L").warnings == ()
    assert uscc_check(make_uscc("91100000600037341")).warnings == ()  # national authority
    assert uscc_check("N2110105MA00000074").warnings == ()
    code = uscc_check(make_uscc("91119999600037341"))
    assert code.warnings == ("uscc_region_unknown",)
    both = uscc_check(make_uscc("91119999600037342"))
    assert both.warnings == ("org_code_checksum", "uscc_region_unknown")


def test_every_warning_has_both_languages():
    for code, (zh, en) in WARNINGS.items():
        assert zh and en and zh != en, code
    assert warning_message("no_such_warning") == "no_such_warning"


# --- Loading -------------------------------------------------------------------------------------------


def test_reload_is_idempotent(fresh_cache):
    before = Division.objects.count()
    assert divisions_load() == before
    assert divisions_load(path=DEFAULT_PATH) == before
    assert Division.objects.count() == before
    assert division_name_path("110105") == "北京市 / 朝阳区"


def test_load_replaces_the_table_with_the_file(tmp_path, fresh_cache):
    path = tmp_path / "divisions-test.1.csv"
    path.write_text(
        "# data_version=test.1\n"
        "code,name,level,parent_code,is_current,valid_from,valid_to\n"
        "110000,北京市,1,,1,,\n"
        "110105,朝阳区（测试）,3,110000,1,,\n"
        "110103,崇文区,3,110000,0,,2010\n",
        encoding="utf-8",
    )
    assert division_exists_now("110101")  # cache filled from the full table
    assert divisions_load(path=path) == 3
    assert Division.objects.count() == 3
    assert set(Division.objects.values_list("data_version", flat=True)) == {"test.1"}
    assert division_name_path("110105") == "北京市 / 朝阳区（测试）"
    assert not division_ever_existed("110101")  # the load cleared the cache


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("code,name\n", 1, "header"),
        ("code,name,level,parent_code,is_current,valid_from,valid_to\n11000,北京市,1,,1,,\n", 2, "11000"),
        ("code,name,level,parent_code,is_current,valid_from,valid_to\n110000,北京市,4,,1,,\n", 2, "level"),
        (
            "code,name,level,parent_code,is_current,valid_from,valid_to\n110000,北京市,1,,1,,\n110000,北京市,1,,1,,\n",
            3,
            "repeated",
        ),
        ("code,name,level,parent_code,is_current,valid_from,valid_to\n110000,北京市,1,,1,80,\n", 2, "year"),
    ],
)
def test_bad_file_names_the_line_and_writes_nothing(tmp_path, body, line, words, fresh_cache):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    count = Division.objects.count()
    with pytest.raises(DivisionDataError) as caught:
        divisions_load(path=path)
    assert f"line {line}" in caught.value.message_en and words in caught.value.message_en
    assert f"第{line}行" in caught.value.message_zh
    assert Division.objects.count() == count


def test_load_divisions_command(capsys, fresh_cache):
    call_command("load_divisions")
    assert "7394" in capsys.readouterr().out
    assert division_exists_now("110105")
