"""Bulk loading of a synthetic city into the register (``seed_demo``, ``bench/run.py``).

Set-based and columnar, never one ORM save per row (ADR 0007):

- employers and persons are generated in Python, chunk by chunk, as plain tuples in
  column order (AES-GCM and the blind index through the shared ``Keyring``, whose
  ``AESGCM`` objects are built once), and written with ``executemany`` of one prepared
  INSERT on SQLite or ``COPY … FROM STDIN`` on PostgreSQL;
- each person's one employment row (hire, flexible registration, past job of an
  unemployed person or of a retiree) is generated with the person, because it needs
  per-row draws (which employer, wage, dates);
- the enrolment rows, about five per person, are *derived* in SQL with
  ``INSERT … SELECT`` from the employment rows of the chunk, following the same
  rules the services follow: an employee is enrolled in all five insurances from the
  period of hire, a flexible worker in pension and medical only, a separation closes
  the rows and opens suspended ones, a retirement terminates pension while medical
  continues;
- a large load into an empty register is one transaction, inside which the secondary
  indexes of the bulk tables (and on PostgreSQL their unique and foreign keys) are
  dropped and rebuilt at the end — faster than maintaining them row by row (measured
  in ADR 0007) — so a crash leaves nothing behind.

The generator runs in a forked child process when the load is large, so that one core
generates and encrypts while the other inserts.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import math
import multiprocessing
import queue
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.utils import timezone

from shebao.kernel.crypto import Keyring, keyring
from shebao.kernel.models import Division
from shebao.kernel.rules.identifiers import (
    IdType,
    id_check_character,
    make_uscc,
    mask_id_number,
    org_code_check_character,
)
from shebao.register.models import Employer, Employment, Enrolment, Person
from shebao.register.rules.codes import (
    FLEXIBLE_INSURANCES,
    CardStatus,
    EmployerStatus,
    EmployerType,
    EmploymentKind,
    EnrolmentStatus,
    HukouType,
    Insurance,
    LifeStatus,
)

# --- reference data -------------------------------------------------------------------

# Current county-level divisions of Beijing (GB/T 2260, 2023) with their 2020 census
# population in 10,000s: the fallback when the kernel's Division table is empty, and
# the weights used for Beijing codes either way.
BEIJING_DISTRICTS: dict[str, tuple[str, int]] = {
    "110101": ("东城区", 71),
    "110102": ("西城区", 110),
    "110105": ("朝阳区", 345),
    "110106": ("丰台区", 202),
    "110107": ("石景山区", 57),
    "110108": ("海淀区", 313),
    "110109": ("门头沟区", 39),
    "110111": ("房山区", 131),
    "110112": ("通州区", 184),
    "110113": ("顺义区", 132),
    "110114": ("昌平区", 227),
    "110115": ("大兴区", 199),
    "110116": ("怀柔区", 44),
    "110117": ("平谷区", 46),
    "110118": ("密云区", 53),
    "110119": ("延庆区", 35),
}
# Central districts hold more workplaces than residents.
_JOB_FACTOR = {"110101": 2.2, "110102": 2.2, "110105": 1.4, "110108": 1.4}

# A few current county codes elsewhere (hukou of people who moved to the city), used
# when the Division table is empty.
OTHER_COUNTIES_FALLBACK: tuple[str, ...] = (
    "120101",  # 天津市和平区
    "130102",  # 石家庄市长安区
    "130602",  # 保定市竞秀区
    "140105",  # 太原市小店区
    "150102",  # 呼和浩特市新城区
    "210102",  # 沈阳市和平区
    "230102",  # 哈尔滨市道里区
    "320102",  # 南京市玄武区
    "340102",  # 合肥市瑶海区
    "370102",  # 济南市历下区
    "410105",  # 郑州市金水区
    "420102",  # 武汉市江岸区
    "430102",  # 长沙市芙蓉区
    "510104",  # 成都市锦江区
    "610102",  # 西安市新城区
)
# Where people in Beijing come from: neighbours more than the far south-west.
_PROVINCE_WEIGHT = {
    "13": 5.0,
    "37": 2.5,
    "41": 2.5,
    "12": 1.5,
    "14": 1.5,
    "15": 1.2,
    "21": 1.2,
    "23": 1.5,
    "22": 1.2,
}
_HKMOTW = ("810000", "820000", "830000")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣建国志文博晨阳昊天峰海成宏亮东"
_GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪慧莹琳颖倩晶月梅红英兰琴蓉洁佳悦欣怡萱婧雯璐丹瑶晓思梦雅嘉宁"
_STREETS = _words(
    "建国路 朝阳路 学院路 中关村大街 复兴路 西直门外大街 东三环中路 望京街 丰台路 石景山路 新华大街 府前街 顺平路 "
    "昌平路 兴华大街 良乡大街 长安街 广安门内大街 安定门外大街 双清路 马家堡东路 云岗路 九棵树东路 滨河路 鼓楼西大街 "
    "通惠河北路"
)
_BANKS = (
    ("中国工商银行北京分行", "622202"),
    ("中国建设银行北京分行", "621700"),
    ("中国银行北京分行", "621661"),
    ("中国农业银行北京分行", "622848"),
    ("交通银行北京分行", "622260"),
    ("北京银行", "621468"),
    ("招商银行北京分行", "621483"),
    ("中国邮政储蓄银行北京分行", "621799"),
)
_MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 158 159 166 176 177 180 181 185 186 187 188 189 199"
)
_BRAND = "华中京鑫瑞博创信达恒泰安康盛宏远新星云海天科智联通明德嘉和东方诚益佳汇金兴隆永丰"

# Industries by 工伤 risk class (rough national grouping, 人社部发〔2015〕71号 🟡) and
# the share of employers in each class.
_INDUSTRIES: dict[int, tuple[float, tuple[tuple[str, str], ...]]] = {
    1: (
        0.36,
        (
            ("软件和信息技术服务业", "科技"),
            ("货币金融服务", "投资"),
            ("商务服务业", "咨询"),
            ("教育", "教育"),
        ),
    ),
    2: (0.27, (("批发业", "商贸"), ("零售业", "商店"), ("住宿业", "酒店"), ("餐饮业", "餐饮"))),
    3: (0.15, (("房地产业", "置业"), ("居民服务业", "家政服务"), ("卫生", "诊所"))),
    4: (0.08, (("道路运输业", "物流"), ("农副食品加工业", "食品"), ("印刷业", "印务"))),
    5: (0.06, (("电力、热力生产和供应业", "能源"), ("建筑装饰和装修业", "装饰工程"))),
    6: (0.05, (("房屋建筑业", "建设"), ("土木工程建筑业", "路桥工程"))),
    7: (0.02, (("化学原料和化学制品制造业", "化工"), ("非金属矿物制品业", "建材"))),
    8: (0.01, (("煤炭开采和洗选业", "矿业"), ("黑色金属矿采选业", "矿产"))),
}
# (type, share, USCC authority+category, name pattern)
_EMPLOYER_TYPES: tuple[tuple[EmployerType, float, str], ...] = (
    (EmployerType.ENTERPRISE, 0.82, "91"),  # 工商: 企业
    (EmployerType.INDIVIDUAL_BUSINESS, 0.07, "92"),  # 工商: 个体工商户
    (EmployerType.INSTITUTION, 0.06, "12"),  # 机构编制: 事业单位
    (EmployerType.SOCIAL_ORG, 0.04, "52"),  # 民政: 民办非企业单位
    (EmployerType.OTHER, 0.01, "93"),  # 工商: 农民专业合作社
)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SEPARATION_REASONS = ("劳动合同期满终止", "解除劳动合同", "单位经济性裁员", "本人辞职")
RETIREMENT_REASON = "退休"
SEPARATION_PREFIX = "减员："  # as employment_separate writes it

# The population mix (shares of persons).
SHARE_FLEXIBLE = 0.08
SHARE_UNEMPLOYED = 0.05
SHARE_RETIRED = 0.18
SHARE_HKMOTW = 0.001

# Wages: log-normal with a mean of 12,000 yuan a month.
WAGE_MEAN_YUAN = 12_000
WAGE_SIGMA = 0.6
WAGE_MU = math.log(WAGE_MEAN_YUAN) - WAGE_SIGMA**2 / 2
WAGE_MIN_YUAN, WAGE_MAX_YUAN = 2_540, 200_000

_EARLIEST_RECORD = dt.date(1992, 1, 1).toordinal()  # city-wide pension records
_YEAR = 365.2425


def _pyramid(bands: list[tuple[int, int, float]]) -> tuple[list[int], list[float]]:
    """Ages and cumulative weights from (from_age, to_age inclusive, weight per year)."""
    ages: list[int] = []
    cum: list[float] = []
    total = 0.0
    for lo, hi, weight in bands:
        for age in range(lo, hi + 1):
            total += weight
            ages.append(age)
            cum.append(total)
    return ages, cum


# Working-age pyramid shaped on the 2020 census (large 1960s and late-1980s cohorts);
# men may work to 63 and women to 58 under the 2025 reform with elastic retirement.
_WORK_M = _pyramid(
    [
        (18, 22, 0.35),
        (23, 29, 0.9),
        (30, 39, 1.15),
        (40, 49, 1.0),
        (50, 57, 0.95),
        (58, 60, 0.6),
        (61, 63, 0.2),
    ]
)
_WORK_F = _pyramid(
    [(18, 22, 0.35), (23, 29, 0.9), (30, 39, 1.15), (40, 49, 1.0), (50, 54, 0.8), (55, 58, 0.3)]
)
# Retirees: men retired at 60 (aged 62+ now), women at 50 or 55 (aged 57+ now).
_RETIRED_M = _pyramid([(62, 69, 1.0), (70, 79, 0.7), (80, 89, 0.3), (90, 95, 0.06)])
_RETIRED_F = _pyramid([(57, 69, 1.0), (70, 79, 0.7), (80, 89, 0.35), (90, 95, 0.08)])


@dataclass(frozen=True)
class District:
    code: str
    name: str
    weight: float  # residents
    job_weight: float  # workplaces


@dataclass(frozen=True)
class CityMap:
    city_code: str
    districts: tuple[District, ...]
    other_counties: tuple[str, ...]
    other_weights: tuple[float, ...]
    source: str  # "divisions" or "builtin"


def city_prefix(city_code: str) -> str:
    """The code prefix of the counties under a province-level (PP0000) or prefecture-level (PPCC00) city."""
    if city_code.endswith("0000"):
        return city_code[:2]
    if city_code.endswith("00"):
        return city_code[:4]
    return city_code


def city_map(city_code: str, *, using: str = "default") -> CityMap:
    """The city's current counties, from the kernel Division table, else a built-in Beijing list."""
    prefix = city_prefix(city_code)
    current = Division.objects.using(using).filter(level=3, is_current=True)
    rows = list(current.filter(code__startswith=prefix).values_list("code", "name"))
    if rows:
        districts = tuple(
            District(
                code=code,
                name=name,
                weight=float(BEIJING_DISTRICTS.get(code, (name, 50))[1]),
                job_weight=BEIJING_DISTRICTS.get(code, (name, 50))[1] * _JOB_FACTOR.get(code, 1.0),
            )
            for code, name in rows
        )
        others = [
            c
            for c in current.exclude(code__startswith=prefix).values_list("code", flat=True)
            if c[:2] not in {"71", "81", "82", "83"}
        ]
        if not others:
            others = list(OTHER_COUNTIES_FALLBACK)
        return CityMap(
            city_code=city_code,
            districts=districts,
            other_counties=tuple(others),
            other_weights=tuple(_PROVINCE_WEIGHT.get(c[:2], 1.0) for c in others),
            source="divisions",
        )
    if prefix != "11":
        raise ValueError(
            f"the Division table has no current county under {city_code} and the built-in fallback "
            "only knows Beijing (110000): load the GB/T 2260 divisions first"
        )
    districts = tuple(
        District(code=code, name=name, weight=float(pop), job_weight=pop * _JOB_FACTOR.get(code, 1.0))
        for code, (name, pop) in BEIJING_DISTRICTS.items()
    )
    return CityMap(
        city_code=city_code,
        districts=districts,
        other_counties=OTHER_COUNTIES_FALLBACK,
        other_weights=tuple(_PROVINCE_WEIGHT.get(c[:2], 1.0) for c in OTHER_COUNTIES_FALLBACK),
        source="builtin",
    )


# --- column layouts ---------------------------------------------------------------------

PERSON_COLUMNS = (
    "id", "id_type", "id_number", "id_blind", "id_masked", "name", "sex", "birth_date", "hukou_region",
    "region_code", "hukou_type", "phone", "address", "bank_name", "bank_account", "card_number",
    "card_status", "life_status", "death_date", "registered_on", "updated_at",
)  # fmt: skip
EMPLOYER_COLUMNS = (
    "id", "uscc", "name", "employer_type", "region_code", "industry", "risk_class", "address", "contact_name",
    "contact_phone", "bank_name", "bank_account", "status", "registered_on", "cancelled_on", "updated_at",
)  # fmt: skip
EMPLOYMENT_COLUMNS = (
    "person_id", "kind", "employer_id", "is_primary", "start_date", "end_date", "monthly_wage_fen", "end_reason",
)  # fmt: skip


def _cumulative(weights) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _add_years(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28)


# --- the generator ----------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerRef:
    id: int
    region_code: str
    registered_ord: int


@dataclass
class ChunkStats:
    employees: int = 0
    flexible: int = 0
    unemployed: int = 0
    retired: int = 0

    def add(self, other: ChunkStats) -> None:
        self.employees += other.employees
        self.flexible += other.flexible
        self.unemployed += other.unemployed
        self.retired += other.retired


def _luhn_tables() -> tuple[list[int], list[int]]:
    """Luhn sums of 3-digit blocks: middle digit doubled, or first and last doubled."""

    def dbl(d: int) -> int:
        return d * 2 - 9 if d > 4 else d * 2

    middle = [a + dbl(b) + c for a in range(10) for b in range(10) for c in range(10)]
    ends = [dbl(a) + b + dbl(c) for a in range(10) for b in range(10) for c in range(10)]
    return middle, ends


_LUHN_MIDDLE, _LUHN_ENDS = _luhn_tables()
_SEQ = [f"{i:03d}" for i in range(1000)]

# Plain strings of the code tables, bound once (enum attribute access is slow in a hot loop).
_EMPLOYEE = EmploymentKind.EMPLOYEE.value
_FLEXIBLE = EmploymentKind.FLEXIBLE.value
_RESIDENT = IdType.RESIDENT.value
_HKMOTW_TYPE = IdType.HKMO_TW_PERMIT.value
_URBAN, _RURAL, _NO_HUKOU = HukouType.URBAN.value, HukouType.RURAL.value, HukouType.NONE.value
_EMPLOYED, _UNEMPLOYED, _RETIRED = (
    LifeStatus.EMPLOYED.value,
    LifeStatus.UNEMPLOYED.value,
    LifeStatus.RETIRED.value,
)
_CARD_NORMAL, _CARD_NONE = CardStatus.NORMAL.value, CardStatus.NONE.value


class CityGenerator:
    """Deterministic (for a seed) rows of a synthetic city. Pure Python, no database."""

    def __init__(self, *, seed: int, today: dt.date, city: CityMap, ring: Keyring, now_value: object) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.today = today
        self.today_ord = today.toordinal()
        self.city = city
        self.ring = ring
        self.now_value = now_value
        self.district_codes = [d.code for d in city.districts]
        self.district_names = {d.code: d.name for d in city.districts}
        self.district_cum = _cumulative(d.weight for d in city.districts)
        self.job_cum = _cumulative(d.job_weight for d in city.districts)
        self.other_cum = _cumulative(city.other_weights)
        self.surname_cum = _cumulative(1.0 / (1 + i * 0.08) for i in range(len(_SURNAMES)))
        self.city_set = frozenset(self.district_codes)
        self.id_counters: dict[str, list[int]] = {}
        self.existing_blinds: set[str] = set()
        self.employers: list[EmployerRef] = []
        self.employer_cum: list[float] = []
        self._dates: dict[int, tuple[dt.date, str, str]] = {}
        # bank prefixes with the Luhn sum of their six digits (positions 0–5, odd ones doubled)
        self._banks = [(name, bin6, _luhn_prefix(bin6)) for name, bin6 in _BANKS]

    # small draws
    def _pick(self, seq, cum):
        return seq[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    def _district(self, cum=None) -> str:
        return self._pick(self.district_codes, cum or self.district_cum)

    def _date(self, ordinal: int) -> tuple[dt.date, str, str]:
        """(date, ISO text, YYYYMMDD), cached: a city has only some 30,000 distinct birthdays."""
        hit = self._dates.get(ordinal)
        if hit is None:
            day = dt.date.fromordinal(ordinal)
            iso = day.isoformat()
            hit = (day, iso, iso[:4] + iso[5:7] + iso[8:])
            self._dates[ordinal] = hit
        return hit

    def _name(self, male: bool) -> str:
        r = self.rng.random
        surname = _SURNAMES[bisect.bisect_right(self.surname_cum, r() * self.surname_cum[-1])]
        pool = _GIVEN_M if male else _GIVEN_F
        n = len(pool)
        x = r()
        if x < 0.7:
            return surname + pool[int(r() * n)] + pool[int(r() * n)]
        return surname + pool[int(r() * n)]

    def _phone(self) -> str:
        x = int(self.rng.random() * len(_MOBILE_PREFIXES) * 100_000_000)
        return _MOBILE_PREFIXES[x // 100_000_000] + f"{x % 100_000_000:08d}"

    def _address(self, district: str) -> str:
        x = int(self.rng.random() * 26 * 300 * 20 * 6 * 24 * 4)
        x, street = divmod(x, 26)
        x, number = divmod(x, 300)
        x, building = divmod(x, 20)
        x, unit = divmod(x, 6)
        floor, room = divmod(x, 4)
        return (
            f"{self.district_names.get(district, '')}{_STREETS[street]}{number + 1}号院"
            f"{building + 1}号楼{unit + 1}单元{floor + 1}0{room + 1}"
        )

    def _bank(self) -> tuple[str, str]:
        r = self.rng.random
        name, bin6, prefix_sum = self._banks[int(r() * len(self._banks))]
        a, b = int(r() * 1e6), int(r() * 1e6)
        # payload positions 6–17; the last payload digit (17) is doubled: blocks 6–8 and
        # 12–14 double their middle digit, blocks 9–11 and 15–17 their ends.
        total = (
            prefix_sum
            + _LUHN_MIDDLE[a // 1000]
            + _LUHN_ENDS[a % 1000]
            + _LUHN_MIDDLE[b // 1000]
            + _LUHN_ENDS[b % 1000]
        )
        return name, f"{bin6}{a:06d}{b:06d}{(10 - total % 10) % 10}"

    # employers
    def employer_rows(self, first_id: int, count: int, existing_usccs: set[str] | None = None) -> list[tuple]:
        r = self.rng.random
        ring = self.ring
        seen = set(existing_usccs or ())
        type_cum = _cumulative(share for _, share, _ in _EMPLOYER_TYPES)
        classes = sorted(_INDUSTRIES)
        class_cum = _cumulative(_INDUSTRIES[c][0] for c in classes)
        rows: list[tuple] = []
        refs: list[EmployerRef] = []
        weights: list[float] = []
        for i in range(count):
            # the first ones cover every type and every risk class
            etype, _, auth = (
                _EMPLOYER_TYPES[i] if i < len(_EMPLOYER_TYPES) else self._pick(_EMPLOYER_TYPES, type_cum)
            )
            risk = classes[i] if i < len(classes) else self._pick(classes, class_cum)
            if etype in (EmployerType.INSTITUTION, EmployerType.SOCIAL_ORG) and i >= len(classes):
                risk = 1 if r() < 0.8 else 3
            industries = _INDUSTRIES[risk][1]
            industry, word = industries[int(r() * len(industries))]
            region = self._district(self.job_cum)
            dname = self.district_names[region]
            brand = _BRAND[int(r() * len(_BRAND))] + _BRAND[int(r() * len(_BRAND))]
            if etype == EmployerType.ENTERPRISE:
                name = f"北京{brand}{word}有限公司" if r() < 0.8 else f"北京{brand}{word}股份有限公司"
            elif etype == EmployerType.INDIVIDUAL_BUSINESS:
                name = f"北京市{dname}{brand}{word}店"
            elif etype == EmployerType.INSTITUTION:
                name = f"北京市{dname}{brand}{'学校' if word == '教育' else '服务中心'}"
            elif etype == EmployerType.SOCIAL_ORG:
                name = f"北京市{dname}{brand}{word}服务社"
            else:
                name = f"北京{brand}{word}专业合作社"
            while True:
                if auth in ("12", "52"):
                    body = ("1" if auth == "12" else "5") + f"{int(r() * 1e7):07d}"
                else:
                    body = "MA" + "".join(_USCC_ALPHABET[int(r() * 31)] for _ in range(6))
                uscc = make_uscc(f"{auth}{region}{body}{org_code_check_character(body)}")
                if uscc not in seen:
                    seen.add(uscc)
                    break
            start = _EMPLOYER_EARLIEST if etype != EmployerType.INDIVIDUAL_BUSINESS else _INDIVIDUAL_EARLIEST
            registered = start + int(r() * (self.today_ord - 400 - start))
            bank_name, account = self._bank()
            contact_phone = "010" + f"{int(r() * 1e8):08d}" if r() < 0.5 else self._phone()
            rows.append(
                (
                    first_id + i,
                    uscc,
                    name,
                    etype.value,
                    region,
                    industry,
                    risk,
                    self._address(region),
                    self._name(r() < 0.5),
                    ring.encrypt(contact_phone, aad="employer.contact_phone"),
                    bank_name,
                    ring.encrypt(account, aad="employer.bank_account"),
                    EmployerStatus.ACTIVE.value,
                    self._date(registered)[1],
                    None,
                    self.now_value,
                )
            )
            refs.append(EmployerRef(id=first_id + i, region_code=region, registered_ord=registered))
            weights.append(self.employer_weight(etype))
        self.use_employers(refs, weights)
        return rows

    def employer_weight(self, etype: EmployerType | str) -> float:
        """Heavy-tailed sizes: a few large employers, many small ones."""
        size = min(self.rng.paretovariate(1.15), 3000.0)
        return min(size, 3.0) if etype == EmployerType.INDIVIDUAL_BUSINESS else size

    def use_employers(self, refs: list[EmployerRef], weights: list[float]) -> None:
        self.employers = refs
        self.employer_cum = _cumulative(weights)

    # persons
    def person_chunk(self, first_id: int, count: int) -> tuple[list[tuple], list[tuple], ChunkStats]:
        """``count`` persons with ids from ``first_id``, and their one employment row each."""
        if not self.employers:
            raise ValueError("persons need at least one employer")
        rng = self.rng
        r = rng.random
        ring = self.ring
        encrypt = ring.encrypt
        blind_index = ring.blind_index
        check_char = id_check_character
        today_ord = self.today_ord
        date_of = self._date
        counters = self.id_counters
        existing = self.existing_blinds
        employers = self.employers
        emp_cum = self.employer_cum
        emp_total = emp_cum[-1]
        districts, district_cum = self.district_codes, self.district_cum
        district_total = district_cum[-1]
        others, other_cum = self.city.other_counties, self.other_cum
        other_total = other_cum[-1]
        city_set = self.city_set
        now_value = self.now_value
        name_of, phone_of, address_of, bank_of = self._name, self._phone, self._address, self._bank
        expo, lognorm = rng.expovariate, rng.lognormvariate
        stats = ChunkStats()
        persons: list[tuple] = []
        jobs: list[tuple] = []
        p_flex = SHARE_FLEXIBLE
        p_unemp = p_flex + SHARE_UNEMPLOYED
        p_ret = p_unemp + SHARE_RETIRED
        for pid in range(first_id, first_id + count):
            u = r()
            kind = (
                0 if u < p_flex else 1 if u < p_unemp else 2 if u < p_ret else 3
            )  # flex, unemployed, retired, employee
            retired = kind == 2
            male = r() < (0.45 if retired else 0.53)
            ages, cum = (_RETIRED_M if male else _RETIRED_F) if retired else (_WORK_M if male else _WORK_F)
            age = ages[bisect.bisect_right(cum, r() * cum[-1])]
            if kind == 1 and age < 20:
                age = 20
            birth_ord = today_ord - int((age + r() * 0.998) * _YEAR)
            # hukou and ID address code
            v = r()
            if v < SHARE_HKMOTW:
                hukou, hukou_type, id_type = _HKMOTW[int(r() * 3)], _NO_HUKOU, _HKMOTW_TYPE
            elif v < (0.88 if retired else 0.62):
                hukou = districts[bisect.bisect_right(district_cum, r() * district_total)]
                hukou_type = _URBAN if r() < 0.86 else _RURAL
                id_type = _RESIDENT
            else:
                hukou = others[bisect.bisect_right(other_cum, r() * other_total)]
                hukou_type = _URBAN if r() < 0.55 else _RURAL
                id_type = _RESIDENT
            # a unique number: (address, birth date, sequence), the sequence's parity = sex
            cap = 500 if male else 499
            while True:
                key = f"{hukou}{birth_ord}{male}"
                slot = counters.get(key)
                if slot is None:
                    slot = counters[key] = [int(r() * cap), 0]
                elif slot[1] >= cap:
                    birth_ord -= 1
                    continue
                n = (slot[0] + slot[1]) % cap
                slot[1] += 1
                birth, birth_iso, birth8 = date_of(birth_ord)
                body = hukou + birth8 + _SEQ[2 * n + 1 if male else 2 * n + 2]
                number = body + check_char(body)
                blind = blind_index(number, purpose="person.id_number")
                if existing and blind in existing:
                    continue
                break
            residence = (
                hukou
                if hukou in city_set
                else districts[bisect.bisect_right(district_cum, r() * district_total)]
            )
            # the one employment row
            adult_ord = birth_ord + 6575  # 18 years
            employer_id = None
            end_iso = None
            wage = None
            end_reason = ""
            if kind == 0:
                earliest = max(adult_ord, _FLEXIBLE_EARLIEST)
                start_ord = today_ord - int(expo(0.25) * _YEAR)
                if start_ord < earliest:
                    start_ord = earliest + int(r() * (today_ord - earliest))
                region = residence
                life = _EMPLOYED
                stats.flexible += 1
            else:
                employer = employers[bisect.bisect_right(emp_cum, r() * emp_total)]
                employer_id = employer.id
                if retired:
                    retire_age = 60 if male else (55 if r() < 0.5 else 50)
                    end_iso = _add_years(birth, retire_age).isoformat()
                    start_ord = birth_ord + int((20 + r() * 8) * _YEAR)
                    end_reason = RETIREMENT_REASON
                    region = residence
                    life = _RETIRED
                    stats.retired += 1
                else:
                    earliest = max(adult_ord, employer.registered_ord, _EARLIEST_RECORD)
                    wage = (
                        int(min(max(lognorm(WAGE_MU, WAGE_SIGMA), WAGE_MIN_YUAN), WAGE_MAX_YUAN) + 0.5) * 100
                    )
                    if kind == 1:
                        end_ord = min(
                            max(today_ord - 15 - int(r() * 720), earliest + 90, adult_ord + 60), today_ord - 1
                        )
                        start_ord = end_ord - 30 - int(expo(0.25) * _YEAR)
                        if start_ord < earliest:
                            start_ord = min(earliest, end_ord - 30)
                        end_iso = date_of(end_ord)[1]
                        end_reason = _SEPARATION_REASONS[int(r() * len(_SEPARATION_REASONS))]
                        region = residence
                        life = _UNEMPLOYED
                        stats.unemployed += 1
                    else:
                        start_ord = today_ord - int(expo(1 / 6) * _YEAR)
                        if start_ord < earliest:
                            start_ord = earliest + int(r() * (today_ord - earliest))
                        region = employer.region_code
                        life = _EMPLOYED
                        stats.employees += 1
            start_iso = date_of(start_ord)[1]
            jobs.append(
                (
                    pid,
                    _FLEXIBLE if kind == 0 else _EMPLOYEE,
                    employer_id,
                    True,
                    start_iso,
                    end_iso,
                    wage,
                    end_reason,
                )
            )
            phone = encrypt(phone_of(), aad="person.phone") if r() < 0.93 else ""
            if retired or r() < 0.75:
                bank_name, account = bank_of()
                account = encrypt(account, aad="person.bank_account")
            else:
                bank_name = account = ""
            has_card = r() < 0.95
            persons.append(
                (
                    pid,
                    id_type,
                    encrypt(number, aad="person.id_number"),
                    blind,
                    mask_id_number(number),
                    name_of(male),
                    "M" if male else "F",
                    birth_iso,
                    hukou,
                    region,
                    hukou_type,
                    phone,
                    address_of(residence),
                    bank_name,
                    account,
                    f"{int(r() * 1e9):09d}" if has_card else "",
                    _CARD_NORMAL if has_card else _CARD_NONE,
                    life,
                    None,
                    start_iso,
                    now_value,
                )
            )
        return persons, jobs, stats


def _luhn_prefix(bin6: str) -> int:
    """Luhn sum of a bank prefix at payload positions 0–5 of 18 (odd positions doubled)."""
    total = 0
    for k, ch in enumerate(bin6):
        d = int(ch)
        if k % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total


_EMPLOYER_EARLIEST = dt.date(1985, 1, 1).toordinal()
_INDIVIDUAL_EARLIEST = dt.date(2005, 1, 1).toordinal()
_FLEXIBLE_EARLIEST = dt.date(2000, 1, 1).toordinal()


# --- enrolments, derived in SQL ---------------------------------------------------------


def _insurance_table() -> str:
    """The five insurances as a derived table (insurance, flexible) valid on both databases."""
    flexible = {i.value for i in FLEXIBLE_INSURANCES}
    return " UNION ALL ".join(
        f"SELECT '{i.value}' AS code, {1 if i.value in flexible else 0} AS flexible" for i in Insurance
    )


def enrolment_sql(vendor: str, placeholder: str) -> tuple[str, str]:
    """Two INSERT … SELECT statements over the employments of persons ``lo``–``hi``.

    1. The enrolment while employed: active, with the employer, from the period of the
       start date; closed at the period of the end date when the employment ended.
       Employees: all five insurances; flexible workers: pension and medical; retirees'
       past job: pension and medical (their older history predates the city records).
    2. What follows a closed employment, from the next period, open: suspended
       (中断, reason "减员：…" as ``employment_separate`` writes it) after a separation;
       after retirement pension is terminated (reason 退休) and medical continues
       (retirees stay insured for medical care).
    """
    if vendor == "postgresql":

        def period(col: str) -> str:
            return f"(date_part('year', {col}) * 100 + date_part('month', {col}))::integer"
    else:

        def period(col: str) -> str:
            return f"CAST(replace(substr({col}, 1, 7), '-', '') AS INTEGER)"

    end_p = period("e.end_date")
    modulo = "%%" if placeholder == "%s" else "%"  # psycopg reads a lone % as a placeholder
    next_p = f"CASE WHEN {end_p} {modulo} 100 = 12 THEN {end_p} + 89 ELSE {end_p} + 1 END"
    ins = _insurance_table()
    p = placeholder
    retired = f"'{RETIREMENT_REASON}'"
    head = "INSERT INTO register_enrolment (person_id, insurance, status, employer_id, start_period, end_period, reason) "
    during = (
        head
        + f"SELECT e.person_id, i.code, '{EnrolmentStatus.ACTIVE.value}', e.employer_id, {period('e.start_date')}, "  # noqa: S608 - code constants only
        f"CASE WHEN e.end_date IS NULL THEN NULL ELSE {end_p} END, '' "
        f"FROM register_employment e CROSS JOIN ({ins}) i "
        f"WHERE e.id > {p} AND e.person_id BETWEEN {p} AND {p} "
        f"AND (i.flexible = 1 OR (e.kind = '{EmploymentKind.EMPLOYEE.value}' AND e.end_reason <> {retired}))"
    )
    after = (
        head + "SELECT e.person_id, i.code, "  # noqa: S608 - code constants only
        f"CASE WHEN e.end_reason <> {retired} THEN '{EnrolmentStatus.SUSPENDED.value}' "
        f"WHEN i.code = '{Insurance.MEDICAL.value}' THEN '{EnrolmentStatus.ACTIVE.value}' "
        f"ELSE '{EnrolmentStatus.TERMINATED.value}' END, "
        f"NULL, {next_p}, NULL, CASE WHEN e.end_reason = {retired} THEN e.end_reason "
        f"ELSE '{SEPARATION_PREFIX}' || e.end_reason END "
        f"FROM register_employment e CROSS JOIN ({ins}) i "
        f"WHERE e.id > {p} AND e.person_id BETWEEN {p} AND {p} AND e.end_date IS NOT NULL "
        f"AND (i.flexible = 1 OR e.end_reason <> {retired})"
    )
    return during, after


# --- loaders: SQLite executemany, PostgreSQL COPY -----------------------------------------


def _extra_columns(model, known: tuple[str, ...], connection) -> tuple[tuple[str, ...], tuple]:
    """Columns a newer migration added that the generator does not know: their defaults."""
    names: list[str] = []
    values: list[object] = []
    for f in model._meta.concrete_fields:
        if f.column in known or f.primary_key:
            continue
        if f.has_default():
            value = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            value = None
        else:
            raise ValueError(
                f"{model._meta.db_table}.{f.column} has no default: teach shebao/register/bulk.py about it"
            )
        names.append(f.column)
        values.append(value)
    return tuple(names), tuple(values)


BULK_MODELS = (Person, Employment, Enrolment)


class Loader:
    """Raw, fast writes on the Django connection (inside Django's transactions)."""

    vendor = ""
    placeholder = "%s"

    def __init__(self, connection) -> None:
        self.connection = connection
        connection.ensure_connection()
        self.raw = connection.connection
        self.extras = {
            m: _extra_columns(m, cols, connection)
            for m, cols in (
                (Person, PERSON_COLUMNS),
                (Employer, EMPLOYER_COLUMNS),
                (Employment, EMPLOYMENT_COLUMNS),
            )
        }
        self.dropped: list[str] = []  # statements that recreate what was dropped

    def now_value(self) -> object:
        return self.connection.ops.adapt_datetimefield_value(timezone.now())

    def execute(self, sql: str, params: tuple = ()) -> int:
        cur = self.raw.cursor()
        try:
            cur.execute(sql, params)
            return cur.rowcount
        finally:
            cur.close()

    def fetchall(self, sql: str, params: tuple = ()) -> list[tuple]:
        cur = self.raw.cursor()
        try:
            cur.execute(sql, params)
            return cur.fetchall()
        finally:
            cur.close()

    def scalar(self, sql: str, params: tuple = ()):
        rows = self.fetchall(sql, params)
        return rows[0][0] if rows else None

    def columns(self, model, columns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
        names, values = self.extras[model]
        return columns + names, values

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        raise NotImplementedError

    def reserve_ids(self, model, count: int) -> int:
        raise NotImplementedError

    def last_id(self, model) -> int:
        return self.scalar(f"SELECT MAX(id) FROM {model._meta.db_table}") or 0  # noqa: S608 - a model's table

    def derive_enrolments(self, *, after_employment: int, lo: int, hi: int) -> int:
        """Enrolments of the employments with id > ``after_employment`` of persons ``lo``–``hi``."""
        during, after = enrolment_sql(self.vendor, self.placeholder)
        params = (after_employment, lo, hi)
        return self.execute(during, params) + self.execute(after, params)

    def tune(self) -> None:  # noqa: B027 - optional hook
        """Connection settings for the load (outside the load's transaction)."""

    def untune(self) -> None:  # noqa: B027 - optional hook
        """Restore what ``tune`` changed."""

    def drop_indexes(self) -> None:
        raise NotImplementedError

    def rebuild_indexes(self) -> None:
        # Indexes first (unique ones back the constraints), then the constraints.
        for statement in sorted(self.dropped, key=lambda s: 0 if s.startswith("CREATE") else 1):
            self.execute(statement)
        self.dropped = []

    def analyze(self) -> None:
        for model in (Person, Employer, Employment, Enrolment):
            self.execute(f"ANALYZE {model._meta.db_table}")

    def vacuum_analyze(self) -> None:
        """PostgreSQL, after the load committed: a bulk load leaves every new row without
        its hint bits and the tables without a visibility map, so the first reader of each
        page (the first assessment, the first look-ups) would check the commit log and
        write the page back; VACUUM does it once, as after any bulk load (autovacuum would,
        later, where it runs), and ANALYZE gives the planner the new statistics."""
        for model in (Person, Employer, Employment, Enrolment):
            self.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


class SqliteLoader(Loader):
    vendor = "sqlite"
    placeholder = "?"

    def insert(self, model, columns, rows) -> None:
        names, extra = self.columns(model, columns)
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608 - model metadata
        )
        cur = self.raw.cursor()
        try:
            cur.executemany(sql, [row + extra for row in rows] if extra else rows)
        finally:
            cur.close()

    def reserve_ids(self, model, count: int) -> int:
        # Runs inside the BEGIN IMMEDIATE transaction that inserts the rows.
        table = model._meta.db_table
        top = self.scalar(f"SELECT MAX(id) FROM {table}") or 0  # noqa: S608 - a model's table
        seq = self.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)) or 0
        return max(top, seq) + 1

    def tune(self) -> None:
        self.saved = {
            name: self.scalar(f"PRAGMA {name}") for name in ("synchronous", "cache_size", "temp_store")
        }
        self.execute("PRAGMA synchronous=OFF")
        self.execute("PRAGMA cache_size=-1048576")  # 1 GiB of page cache
        self.execute("PRAGMA temp_store=MEMORY")

    def untune(self) -> None:
        for name, value in getattr(self, "saved", {}).items():
            self.execute(f"PRAGMA {name}={int(value)}")

    def drop_indexes(self) -> None:
        # Only explicit indexes: UNIQUE columns' automatic indexes are part of the table.
        for model in BULK_MODELS:
            for name, sql in self.fetchall(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
                "ORDER BY name",
                (model._meta.db_table,),
            ):
                self.execute(f'DROP INDEX "{name}"')
                self.dropped.append(sql)


class PostgresLoader(Loader):
    vendor = "postgresql"

    def insert(self, model, columns, rows) -> None:
        names, extra = self.columns(model, columns)
        cur = self.raw.cursor()
        try:
            with cur.copy(f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN") as copy:
                write = copy.write_row
                if extra:
                    for row in rows:
                        write(row + extra)
                else:
                    for row in rows:
                        write(row)
        finally:
            cur.close()

    def reserve_ids(self, model, count: int) -> int:
        """Take ``count`` consecutive ids from the table's sequence. The lock keeps
        concurrent inserts (whose default nextval runs after they lock the table) out
        of the range between nextval and setval."""
        table = model._meta.db_table
        self.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        seq = self.scalar("SELECT pg_get_serial_sequence(%s, 'id')", (table,))
        first = self.scalar("SELECT nextval(%s)", (seq,))
        self.execute("SELECT setval(%s, %s)", (seq, first + count - 1 if count else first))
        return first

    def tune(self) -> None:
        # Inside the load's transaction: SET LOCAL ends with it.
        self.execute("SET LOCAL synchronous_commit = off")
        self.execute("SET LOCAL maintenance_work_mem = '512MB'")
        self.execute("SET LOCAL work_mem = '64MB'")

    def drop_indexes(self) -> None:
        # Secondary indexes, unique and foreign-key constraints of the bulk tables. DDL
        # is transactional: if the load fails they come back with the rollback.
        for model in BULK_MODELS:
            table = model._meta.db_table
            constraints = self.fetchall(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                (table,),
            )
            indexes = self.fetchall(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname",
                (table,),
            )
            for name, definition in constraints:
                self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                self.dropped.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in indexes:
                self.execute(f'DROP INDEX "{name}"')
                self.dropped.append(definition)


def loader_for(connection) -> Loader:
    if connection.vendor == "postgresql":
        return PostgresLoader(connection)
    if connection.vendor == "sqlite":
        return SqliteLoader(connection)
    raise ValueError(f"bulk loading supports SQLite and PostgreSQL, not {connection.vendor}")


# --- producer process -------------------------------------------------------------------


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    done = 0
    while done < total:
        n = min(size, total - done)
        yield done, n
        done += n


def _produce(gen: CityGenerator, first_id: int, total: int, size: int, out) -> None:
    try:
        for offset, n in _chunks(total, size):
            out.put(("chunk", gen.person_chunk(first_id + offset, n)))
        out.put(("done", None))
    except BaseException:  # report anything to the parent, which raises it
        out.put(("error", traceback.format_exc()))


def _person_chunks(gen: CityGenerator, first_id: int, total: int, size: int, *, fork: bool):
    """Chunks of (person rows, employment rows, stats), generated here or in a forked
    child (which never touches the database connection it inherits)."""
    if not fork:
        for offset, n in _chunks(total, size):
            yield gen.person_chunk(first_id + offset, n)
        return
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue(maxsize=2)
    proc = ctx.Process(target=_produce, args=(gen, first_id, total, size, out), daemon=True)
    proc.start()
    try:
        while True:
            try:
                tag, payload = out.get(timeout=5)
            except queue.Empty:
                if not proc.is_alive():
                    raise RuntimeError(f"the generator process died (exit code {proc.exitcode})") from None
                continue
            if tag == "done":
                break
            if tag == "error":
                raise RuntimeError(f"the generator process failed:\n{payload}")
            yield payload
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)


# --- the load ---------------------------------------------------------------------------


@dataclass
class SeedReport:
    persons: int = 0
    employers: int = 0
    employments: int = 0
    enrolments: int = 0
    stats: ChunkStats = field(default_factory=ChunkStats)
    district_source: str = ""
    vendor: str = ""
    strategy: str = ""
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "persons": self.persons,
            "employers": self.employers,
            "employments": self.employments,
            "enrolments": self.enrolments,
            "employees": self.stats.employees,
            "flexible": self.stats.flexible,
            "unemployed": self.stats.unemployed,
            "retired": self.stats.retired,
            "district_source": self.district_source,
            "vendor": self.vendor,
            "strategy": self.strategy,
            "seconds": round(self.seconds, 2),
        }


def register_counts(*, using: str = "default") -> dict[str, int]:
    return {
        "persons": Person.objects.using(using).count(),
        "employers": Employer.objects.using(using).count(),
    }


LARGE_LOAD = 100_000  # persons: from here on, fork the generator and rebuild indexes


def seed_register(
    *,
    persons: int,
    employers: int,
    city_code: str,
    seed: int = 2026,
    chunk: int = 50_000,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    rebuild_indexes: bool | None = None,
    using: str = "default",
) -> SeedReport:
    """Add ``employers`` employers and ``persons`` persons (with employments and
    enrolments) to the register. Callers decide whether a non-empty register may be
    appended to; this adds to whatever is there without touching existing rows.

    ``workers``: 1 generates in a forked process alongside the inserts, 0 inline;
    default: fork for large loads outside an outer transaction.
    ``rebuild_indexes``: drop the secondary indexes (and on PostgreSQL the foreign and
    unique keys) of the bulk tables and rebuild them after the load, all inside one
    transaction; default: for a large load into an empty register.
    Without a rebuild, SQLite commits once per chunk.
    """
    if persons < 0 or employers < 0 or chunk < 1:
        raise ValueError("persons, employers and chunk must not be negative, chunk at least 1")
    started = time.perf_counter()
    connection = connections[using]
    loader = loader_for(connection)
    city = city_map(city_code, using=using)
    today = today or timezone.localdate()
    nested = connection.in_atomic_block
    empty = not Person.objects.using(using).exists() and not Employer.objects.using(using).exists()
    if persons and not employers and empty:
        raise ValueError("persons need at least one employer")
    if workers is None:
        workers = 1 if persons >= LARGE_LOAD and not nested and sys.platform.startswith("linux") else 0
    if rebuild_indexes is None:
        rebuild_indexes = empty and persons >= LARGE_LOAD
    report = SeedReport(district_source=city.source, vendor=loader.vendor)
    report.strategy = ", ".join(
        [("COPY" if loader.vendor == "postgresql" else "executemany") + ", INSERT…SELECT enrolments"]
        + (["indexes rebuilt"] if rebuild_indexes else [])
        + (["forked generator"] if workers else [])
    )
    gen = CityGenerator(seed=seed, today=today, city=city, ring=keyring(), now_value=loader.now_value())
    if not empty:
        gen.existing_blinds = set(Person.objects.using(using).values_list("id_blind", flat=True))
    phases = report.phases

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - since
        return now

    # One transaction for the whole load on PostgreSQL and whenever indexes are
    # rebuilt; otherwise SQLite commits each chunk (BEGIN IMMEDIATE), so a web
    # process can read between chunks.
    whole = loader.vendor == "postgresql" or rebuild_indexes
    sqlite_tuning = loader.vendor == "sqlite" and not nested
    if sqlite_tuning:
        loader.tune()
    try:
        with transaction.atomic(using=using) if whole else contextlib.nullcontext():
            if loader.vendor == "postgresql":
                loader.tune()
            t = time.perf_counter()
            if rebuild_indexes:
                loader.drop_indexes()
            with transaction.atomic(using=using):
                if employers:
                    first = loader.reserve_ids(Employer, employers)
                    usccs = (
                        None if empty else set(Employer.objects.using(using).values_list("uscc", flat=True))
                    )
                    rows = gen.employer_rows(first, employers, usccs)
                    loader.insert(Employer, EMPLOYER_COLUMNS, rows)
                    report.employers = len(rows)
                if not empty and persons:  # appending: spread over all active employers
                    active = Employer.objects.using(using).filter(status=EmployerStatus.ACTIVE).order_by("id")
                    refs, weights = [], []
                    for pk, region, day, etype in active.values_list(
                        "id", "region_code", "registered_on", "employer_type"
                    ):
                        refs.append(EmployerRef(id=pk, region_code=region, registered_ord=day.toordinal()))
                        weights.append(gen.employer_weight(etype))
                    gen.use_employers(refs, weights)
                if persons and not gen.employers:
                    raise ValueError("persons need at least one active employer")
                first_person = loader.reserve_ids(Person, persons) if persons else 0
            t = lap("employers", t)
            chunks = _person_chunks(gen, first_person, persons, chunk, fork=bool(workers))
            while True:
                try:
                    person_rows, job_rows, stats = next(chunks)
                except StopIteration:
                    break
                t = lap("generate (wait)", t)
                with transaction.atomic(using=using):
                    loader.insert(Person, PERSON_COLUMNS, person_rows)
                    t = lap("insert persons", t)
                    last_employment = loader.last_id(Employment)
                    loader.insert(Employment, EMPLOYMENT_COLUMNS, job_rows)
                    t = lap("insert employments", t)
                    report.enrolments += loader.derive_enrolments(
                        after_employment=last_employment, lo=person_rows[0][0], hi=person_rows[-1][0]
                    )
                    t = lap("derive enrolments", t)
                report.persons += len(person_rows)
                report.employments += len(job_rows)
                report.stats.add(stats)
                if progress:
                    progress(len(person_rows))
                t = time.perf_counter()
            if rebuild_indexes:
                loader.rebuild_indexes()
                t = lap("rebuild indexes", t)
            if not nested and loader.vendor != "postgresql":
                loader.analyze()
                lap("analyze", t)
        if not nested and loader.vendor == "postgresql":
            t = time.perf_counter()
            loader.vacuum_analyze()  # after the commit: VACUUM cannot run in a transaction
            lap("vacuum analyze", t)
    finally:
        if sqlite_tuning:
            loader.untune()
    report.seconds = time.perf_counter() - started
    return report


def checkpoint(*, using: str = "default") -> None:
    """SQLite: fold the write-ahead log back into the database file after a big load."""
    connection = connections[using]
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        connection.ensure_connection()
        connection.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
