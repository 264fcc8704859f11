"""Identifier rule kernel (rules.md §1.1–1.2, worked cases T01–T07). No database."""

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shebao.kernel.rules.identifiers import (
    IdentifierError,
    IdType,
    Sex,
    convert_15_to_18,
    id_check_character,
    make_person_id,
    make_uscc,
    mask_id_number,
    org_code_check_character,
    parse_person_id,
    parse_uscc,
)

TODAY = dt.date(2026, 11, 1)


def _error(raw, *args, **kwargs) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        (parse_uscc if kwargs.pop("uscc", False) else parse_person_id)(raw, *args, **kwargs)
    return caught.value


def _oracle_check(body17: str) -> str:
    """rules.md §1.1 written out independently: weights 2^(17-i) mod 11, "10X98765432"."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body17))
    return "10X98765432"[total % 11]


# --- Worked cases T01–T07 --------------------------------------------------------------------


def test_t01_check_character_x_female_born_1949():
    assert id_check_character("11010519491231002") == "X"
    person = parse_person_id("11010519491231002X", today=TODAY)
    assert person.number == "11010519491231002X"
    assert person.sex == Sex.FEMALE
    assert person.birth_date == dt.date(1949, 12, 31)
    assert person.id_type == IdType.RESIDENT
    assert person.address_code == "110105"
    assert person.warnings == ()


def test_t02_check_character_4_and_1880_birth_accepted():
    assert id_check_character("44052418800101001") == "4"
    person = parse_person_id("440524188001010014", today=TODAY)
    assert person.birth_date == dt.date(1880, 1, 1)
    assert person.sex == Sex.MALE


def test_t03_fifteen_digits_convert_to_t01():
    assert convert_15_to_18("110105491231002") == "11010519491231002X"
    person = parse_person_id("110105491231002", today=TODAY)
    assert person.number == "11010519491231002X"
    assert person.converted_from_15 is True
    assert person.birth_date == dt.date(1949, 12, 31)


def test_t04_code_newer_than_birth_is_accepted():
    person = parse_person_id("500101196001011236", today=TODAY)
    assert person.address_code == "500101"
    assert person.birth_date == dt.date(1960, 1, 1)
    assert person.warnings == ()


def test_t05_uscc_check_character_l():
    code = parse_uscc("91110000600037341L")
    assert make_uscc("91110000600037341") == "91110000600037341L"
    assert (code.authority, code.category, code.region_code) == ("9", "1", "110000")
    assert code.org_code == "600037341"


def test_t06_uscc_authority_n_village_collective():
    code = parse_uscc("N2110105MA00000074")
    assert (code.authority, code.category, code.region_code) == ("N", "2", "110105")


def test_t07_embedded_org_code_check():
    assert org_code_check_character("60003734") == "1"
    assert parse_uscc("91110000600037341L").warnings == ()


# --- Normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105-19491231-002X ",
        "110105 19491231 002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_normalises_case_separators_and_full_width(raw):
    assert parse_person_id(raw, today=TODAY).number == "11010519491231002X"


def test_empty_and_none_are_required():
    assert _error(None).code == "required"
    assert _error(" - ").code == "required"


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002X1", "1101051949"])
def test_wrong_length_names_the_length(raw):
    err = _error(raw)
    assert err.code == "length"
    assert str(len(raw)) in err.message_zh and str(len(raw)) in err.message_en


def test_letters_inside_are_a_format_error():
    err = _error("1101051949A231002X")
    assert err.code == "format"
    assert "前17位" in err.message_zh and "first 17" in err.message_en


def test_fifteen_digit_with_letters_is_refused():
    assert _error("11010549123100X").code == "format"


# --- Checksum and dates ------------------------------------------------------------------------


def test_wrong_checksum_says_which_character_is_expected():
    err = _error("110105194912310021")
    assert err.code == "checksum"
    assert err.field == "id_number"
    assert "X" in err.message_zh and "校验码" in err.message_zh
    assert "should be X" in err.message_en and "not 1" in err.message_en


def test_feb_30_is_not_a_date():
    number = make_person_id("110105", dt.date(1990, 1, 1), 1).replace("19900101", "19900230")
    number = number[:17] + id_check_character(number[:17])
    err = _error(number, today=TODAY)
    assert err.code == "birth_date"
    assert "19900230" in err.message_zh and "19900230" in err.message_en


def test_future_birth_is_refused():
    number = make_person_id("110105", dt.date(2026, 11, 2), 1)
    err = _error(number, today=TODAY)
    assert err.code == "birth_date_future"
    assert "晚于今天" in err.message_zh and "future" in err.message_en


def test_birth_before_1870_is_refused_but_1870_is_fine():
    err = _error(make_person_id("110105", dt.date(1869, 12, 31), 1), today=TODAY)
    assert err.code == "birth_date_range"
    assert "1870" in err.message_zh and "before 1870" in err.message_en
    assert parse_person_id(make_person_id("110105", dt.date(1870, 1, 1), 1), today=TODAY)


def test_field_name_is_carried_into_the_error():
    assert _error("123", field="spouse_id").field == "spouse_id"


# --- Identifier types ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permits_are_inferred_and_accepted(prefix):
    number = make_person_id(prefix, dt.date(1988, 3, 15), 37)
    person = parse_person_id(number, today=TODAY)
    assert person.id_type == IdType.HKMO_TW_PERMIT
    assert person.sex == Sex.MALE
    assert parse_person_id(number, IdType.HKMO_TW_PERMIT, today=TODAY).number == number
    assert parse_person_id(number, "hkmotw", today=TODAY).id_type == IdType.HKMO_TW_PERMIT


def test_foreign_permanent_residence_id_starting_with_9():
    number = make_person_id("911840", dt.date(1985, 6, 15), 12)  # 9 + Beijing 11 + nationality 840
    person = parse_person_id(number, IdType.FOREIGN_PR, today=TODAY)
    assert person.id_type == IdType.FOREIGN_PR
    assert person.sex == Sex.FEMALE
    assert person.birth_date == dt.date(1985, 6, 15)


def test_declared_type_contradicting_the_number_is_refused_in_both_languages():
    err = _error("11010519491231002X", IdType.FOREIGN_PR, today=TODAY)
    assert err.code == "id_type_mismatch"
    assert "外国人永久居留身份证" in err.message_zh and "居民身份证" in err.message_zh
    assert "permanent residence" in err.message_en
    permit = make_person_id("810000", dt.date(1988, 3, 15), 37)
    assert _error(permit, IdType.RESIDENT, today=TODAY).code == "id_type_mismatch"


def test_only_resident_numbers_have_a_fifteen_digit_form():
    err = _error("110105491231002", IdType.HKMO_TW_PERMIT)
    assert err.code == "length"
    assert "15位" in err.message_zh and "15-digit" in err.message_en


def test_unknown_id_type_value_is_an_error():
    with pytest.raises(ValueError):
        parse_person_id("11010519491231002X", "passport")


# --- USCC ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix17",
    [
        "A1110105MA0000001",  # military establishment office, 军队事业单位
        "A9110105MA0000002",
        "N1110105MA0000003",  # agriculture, group-level collective
        "N3110105MA0000004",
        "Y1110105MA0000007",  # other
        "51110105MJ0000008",  # civil affairs: 社会团体
        "92110105MA0000009",  # 个体工商户
    ],
)
def test_uscc_letter_authorities_and_categories_are_accepted(prefix17):
    code = parse_uscc(make_uscc(prefix17))
    assert code.authority == prefix17[0]
    assert code.category == prefix17[1]
    assert code.region_code == prefix17[2:8]


def test_uscc_y_example_from_rules():
    assert make_uscc("Y1110105MA0000007") == "Y1110105MA0000007Y"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_letters_outside_the_alphabet_are_named(letter):
    raw = "9111000060003734" + letter + "L"
    err = _error(raw, uscc=True)
    assert err.code == "alphabet"
    assert letter in err.message_zh and letter in err.message_en
    assert err.field == "uscc"


def test_uscc_lower_case_and_separators_are_normalised():
    assert parse_uscc(" 9111-0000-6000-3734-1l ").code == "91110000600037341L"


def test_uscc_unknown_authority():
    err = _error(make_uscc("B1110105MA0000001"), uscc=True)
    assert err.code == "authority"
    assert "“B”" in err.message_zh and "登记管理部门" in err.message_zh
    assert "registering-authority" in err.message_en


@pytest.mark.parametrize("prefix17", ["95110105MA0000001", "A2110105MA0000001", "Y9110105MA0000001"])
def test_uscc_category_not_used_by_the_authority(prefix17):
    err = _error(make_uscc(prefix17), uscc=True)
    assert err.code == "category"
    assert prefix17[1] in err.message_zh and "机构类别" in err.message_zh
    assert "category" in err.message_en


def test_uscc_wrong_check_character_and_length():
    err = _error("91110000600037341M", uscc=True)
    assert err.code == "checksum"
    assert "L" in err.message_zh and "should be L" in err.message_en
    err = _error("91110000600037341", uscc=True)
    assert err.code == "length" and "17" in err.message_en


def test_uscc_region_part_must_be_digits():
    err = _error(make_uscc("91A10000600037341"), uscc=True)
    assert err.code == "region"
    assert "第3至8位" in err.message_zh and "3–8" in err.message_en


def test_uscc_bad_embedded_org_code_only_warns():
    code = parse_uscc(make_uscc("91110000600037342"))
    assert code.warnings == ("org_code_checksum",)


# --- Properties -----------------------------------------------------------------------------------------

ADDRESS = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)  # resident numbers (not 8…/9… prefixes)
BIRTH = st.dates(min_value=dt.date(1870, 1, 1), max_value=TODAY)


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_check_character_matches_the_written_formula(body):
    assert id_check_character(body) == _oracle_check(body)


@given(ADDRESS, BIRTH, st.integers(min_value=0, max_value=999))
def test_any_valid_number_round_trips(address, birth, sequence):
    number = make_person_id(address, birth, sequence)
    person = parse_person_id(number, today=TODAY)
    assert person.number == number
    assert person.birth_date == birth
    assert person.sex == (Sex.MALE if sequence % 2 else Sex.FEMALE)
    assert parse_person_id(number.lower(), today=TODAY).number == number


@given(st.from_regex(r"[0-9]{17}", fullmatch=True), st.sampled_from("0123456789X"))
def test_any_other_check_character_is_refused(body, last):
    assume(last != id_check_character(body))
    number = body + last
    with pytest.raises(IdentifierError):
        parse_person_id(number, today=TODAY)


@given(st.text(alphabet="0123456789X", min_size=11, max_size=30))
def test_mask_keeps_first_six_and_last_four(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert masked[:6] == number[:6]
    assert masked[-4:] == number[-4:]
    assert set(masked[6:-4]) <= {"*"}


def test_mask_of_an_id_number():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("1234567890") == "**********"
