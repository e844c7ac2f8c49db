"""A deterministic demo campaign: Kota Malang, Pilkada 2024, 51 schools, 4,586 students.

Everything comes from a seeded :class:`random.Random` (never the global one), so the
same seed gives the same campaign, schools and students, byte for byte. Students
are produced by a generator (:func:`iter_demo_students`) so that a 500,000-student
roster for the benchmarks can be streamed into a database without a huge list.

The data look like a Dapodik export of grade XII: upper-case names with the
spelling variants met in the field (``MOCH. RIZKY``, ``ACHMAD``, ``SOEKARNO``,
``ST. AISYAH``, ``MA'RUF``), NISNs with their leading zeros, NIKs consistent with
birth date, sex and region. A few students are *planted* for the field scenarios
the app must handle (see :data:`PLANTED_SHARES`).

All names are invented combinations of common given names; no real person's data.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ktpe_desktop.core import regions
from ktpe_desktop.core.eligibility import date_reaching_age
from ktpe_desktop.core.identifiers import Sex
from ktpe_desktop.core.schools import reference_rows

__all__ = [
    "KOTA_MALANG_DISTRICTS",
    "PLANTED_SHARES",
    "DemoCampaign",
    "DemoSchool",
    "DemoStudent",
    "demo_schools",
    "generate_demo",
    "iter_demo_students",
]

#: Kecamatan of Kota Malang, name → code (as in the Kemendagri region table).
KOTA_MALANG_DISTRICTS: Mapping[str, str] = {
    "Blimbing": "35.73.01",
    "Klojen": "35.73.02",
    "Kedungkandang": "35.73.03",
    "Sukun": "35.73.04",
    "Lowokwaru": "35.73.05",
}

#: Approximate share of students generated for each field scenario.
PLANTED_SHARES: Mapping[str, float] = {
    "already_recorded": 0.04,  # recorded earlier elsewhere (e.g. at the kecamatan office)
    "under_age": 0.02,  # born in 2009: under 16 on the reference date
    "nik_mismatch": 0.015,  # the NIK's date part disagrees with the birth date
}

_SWASTA_COUNT = 28


def demo_voting_day(today: date | None = None) -> date:
    """The demo's voting day: the next 27 November at least 30 days after ``today``.

    Pilkada 2024 voted on 27 November 2024; a demo run later than that would show
    ages and banners computed for a day in the past, which contradicts what the
    operator sees, so the demo always votes in the future.
    """
    today = today or date.today()
    day = date(today.year, 11, 27)
    return day if (day - today).days >= 30 else date(today.year + 1, 11, 27)


@dataclass(frozen=True, slots=True)
class DemoCampaign:
    """The demo campaign's settings (Kota Malang; fictitious students, voting day ahead)."""

    id: str
    name: str = "Perekaman KTP-el Pemilih Pemula (demo)"
    reference_date: date = field(default_factory=demo_voting_day)
    min_recording_age: int = 16
    voting_age: int = 17
    office_name: str = "Dinas Kependudukan dan Pencatatan Sipil Kota Malang"
    government_name: str = "Pemerintah Kota Malang"
    office_address: str = "Perkantoran Terpadu Gedung A Lt. 2, Jl. Mayjen Sungkono, Kota Malang"
    region_code: str = "35.73"
    retention_days: int = 14


@dataclass(frozen=True, slots=True)
class DemoSchool:
    """A school of the 2019 public snapshot, with its demo target of students.

    Attributes:
        npsn: 8-digit school number.
        name: name as written in the source (``"SMAN 1"``, ``"SMKN 2 MALANG"``).
        kind: ``"SMA"`` or ``"SMK"``.
        status: ``"negeri"`` or ``"swasta"``.
        kecamatan: district of Kota Malang.
        address: street address.
        lat: latitude (WGS 84).
        lon: longitude (WGS 84).
        target: number of demo students at this school.
    """

    npsn: str
    name: str
    kind: str
    status: str
    kecamatan: str
    address: str
    lat: float
    lon: float
    target: int


@dataclass(frozen=True, slots=True)
class DemoStudent:
    """One grade-XII student as a Dapodik roster would list them.

    Attributes:
        id: opaque unique id, 10 Crockford base32 characters.
        planted: the field scenario this student was generated for
            (``"already_recorded"``, ``"under_age"``, ``"nik_mismatch"``) or None.
    """

    id: str
    school_npsn: str
    nisn: str
    nik: str
    kk: str
    name: str
    sex: Sex
    birth_place: str
    birth_date: date
    class_name: str
    mother_name: str
    planted: str | None


# --------------------------------------------------------------------------- name pools


def _pool(text: str) -> tuple[str, ...]:
    """Comma-separated names (a name may contain spaces) as a tuple."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


_MUHAMMAD_FORMS = (
    ("MUHAMMAD", 40),
    ("MUHAMAD", 8),
    ("MOCH.", 10),
    ("MOCHAMMAD", 8),
    ("MOCHAMAD", 5),
    ("MOHAMMAD", 6),
    ("MOH.", 5),
    ("M.", 10),
    ("MUCHAMMAD", 3),
    ("MUH.", 3),
    ("MOKHAMAD", 2),
)
_AHMAD_FORMS = (("AHMAD", 50), ("ACHMAD", 35), ("AKHMAD", 15))
_MALE_GIVEN = _pool(
    """
    ADI, ADITYA, AGUNG, AGUS, ALDI, ALFIAN, ANDI, ANDIKA, ANGGA, ARDI, ARIF, ARIEF, ARYA,
    BAGAS, BAGUS, BAYU, BIMA, BUDI, DAFFA, DANI, DANU, DENI, DIMAS, DIKY, DONI, DWI, EKO,
    ELANG, FAJAR, FAISAL, FARHAN, FAUZI, FEBRI, FERDIAN, FIRMAN, GALANG, GILANG, HABIB,
    HAFIDZ, HENDRA, IBRAHIM, ILHAM, IMAM, IQBAL, IRFAN, JOKO, DJOKO, KEVIN, KRISNA, LUTHFI,
    LUTFI, MAULANA, MA'RUF, NU'MAN, NAUFAL, NANDA, NUR, PUTRA, RAFI, RAHMAT, RACHMAT, RAIHAN,
    RAMADHAN, REZA, RIDHO, RIDWAN, RIZKY, RIZKI, RISKY, SATRIA, SYAIFUL, SAIFUL, SLAMET,
    TAUFIK, TAUFIQ, TEGUH, WAHYU, YOGA, YUSUF, ZAKI, ZAINAL, KHOIRUL, CHOIRUL, KHAIRUL,
    FACHRI, FAHRI, ICHSAN, IKHSAN, MUSTOFA, HASAN, HUSEIN, ALIF, RANGGA, YOHANES, CHRISTIAN,
    KRISTIAN, STEFANUS, DAVID, ANTONIUS
    """
)
_MALE_SECOND = _pool(
    """
    PRATAMA, SAPUTRA, RAMADHAN, RAMADAN, HIDAYAT, SETIAWAN, SETIYAWAN, KURNIAWAN, PRASETYO,
    PRASETIO, WIBOWO, SANTOSO, NUGROHO, WIJAYA, FIRMANSYAH, HIDAYATULLAH, MAULANA,
    ARDIANSYAH, ALFARIZI, AL FARIZI, SYAHPUTRA, HAKIM, AKBAR, FAUZAN, ABDILLAH, ABDULLAH,
    ROMADHON, FIRDAUS, IRAWAN, KUSUMA, PERDANA, ADITAMA, WICAKSONO, PANGESTU, SUSANTO,
    GUNAWAN, HERMAWAN, PRAKOSO, NURDIANSYAH, ISKANDAR
    """
)
_FEMALE_GIVEN = _pool(
    """
    AISYAH, AISAH, AULIA, AYU, ANISA, ANNISA, AMELIA, ANGGI, ALYA, CINDY, CITRA, DEWI, DIAH,
    DINDA, DWI, EKA, ELSA, FITRI, FITRIA, FATIMAH, INDAH, INTAN, LAILA, LAILATUL, MAYA,
    MELATI, NABILA, NADIA, NAILA, NANDA, NOVITA, NURUL, PUTRI, RATNA, RIZKA, SALSABILA, SARI,
    SHINTA, SINTA, SRI, TIARA, VIVI, WULAN, YULIA, ZAHRA, KHOIRUNNISA, CHOIRUNNISA,
    MA'RIFATUL, QURROTU A'YUN, SA'ADAH, ROBI'AH, NI'MAH, FAIZATUL, SYAFIRA, SAFIRA, NAJWA,
    KEISYA, KEYSHA, REGINA, MARIA, CHRISTINA, KRISTINA, ANGELINA, DIVA, ERIKA, FEBRIANA,
    HANA, ILMA, JIHAN, KARTIKA, LINDA, MUTIARA, NAYLA, OKTAVIA, RAHMA, RACHMA, SEPTIANA, TRI,
    UMI, VANIA, WIDYA, YUNITA, ZULFA
    """
)
_FEMALE_SECOND = _pool(
    """
    LESTARI, PUTRI, RAHMAWATI, WULANDARI, KURNIASARI, PERMATASARI, NURHALIZA, SAFITRI,
    AGUSTINA, ANGGRAINI, FEBRIANTI, OKTAVIANI, HANDAYANI, MAHARANI, AZZAHRA, AZ ZAHRA,
    RAMADHANI, RAMADANI, HIDAYAH, NURJANNAH, KHASANAH, CHASANAH, HASANAH, MAULIDA, AMALIA,
    FIRDAUSI, PRATIWI, SETYANINGSIH, SETIANINGSIH, RAHAYU, KUSUMAWATI, SAPUTRI, NOVITASARI,
    ARDIANTI, SALSABILA, SHOLIKHAH, SOLIKHAH, MU'AWANAH
    """
)
# Grandparents' names used as a family name, in the old (pre-1972) spelling.
_OLD_SPELLING = _pool(
    """
    SOEKARNO, SOEHARTO, SOETRISNO, POERNOMO, SOEGIARTO, DJATMIKO, TJAHJONO, SOEWARNO,
    KOESNADI, DJOJO, SOEPRAPTO, SOEDARSONO
    """
)
_MOTHER_GIVEN = _pool(
    """
    SITI, SRI, NUR, ENDANG, TUTIK, SUMIATI, SUPRIATIN, SUWARNI, KUSNIAH, MUNAWAROH, SULASTRI,
    SUNARSIH, RUSMINI, YULIATI, ANI, WATI, SUSI, YUNI, LILIK, NINIK, ERNA, ENY, HARTATIK,
    ROSIDAH, MARIATUL, KHOTIJAH, CHOTIJAH, UMI, DEWI, WIWIK, ELLY, NOOR
    """
)
_MOTHER_SECOND = _pool(
    """
    AMINAH, WAHYUNI, SUSILOWATI, HANDAYANI, HAYATI, KHOLIFAH, MUSLIMAH, ROHMAH, ROCHMAH,
    SUPRAPTI, RAHAYU, LESTARI, KHASANAH, ZULAIKHA, MUJIATI, SETYOWATI, PURWANTI, WIDAYATI,
    QIBTIYAH, SA'DIYAH, MASRUROH
    """
)

# Where NIKs were first registered: Kota Malang most of all, then neighbours.
_JATIM_REGENCIES = (
    ("35.07", 50),  # Kabupaten Malang
    ("35.79", 15),  # Kota Batu
    ("35.14", 8),  # Kabupaten Pasuruan
    ("35.05", 6),  # Kabupaten Blitar
    ("35.78", 6),  # Kota Surabaya
    ("35.06", 4),  # Kabupaten Kediri
    ("35.08", 4),  # Kabupaten Lumajang
    ("35.09", 3),  # Kabupaten Jember
    ("35.15", 3),  # Kabupaten Sidoarjo
    ("35.04", 2),  # Kabupaten Tulungagung
    ("35.29", 2),  # Kabupaten Sumenep
)
_OTHER_REGENCIES = (
    ("31.71", 3),  # Jakarta Pusat
    ("31.74", 3),  # Jakarta Selatan
    ("32.73", 2),  # Kota Bandung
    ("33.74", 2),  # Kota Semarang
    ("34.71", 2),  # Kota Yogyakarta
    ("51.71", 2),  # Kota Denpasar
    ("52.71", 1),  # Kota Mataram
    ("64.72", 1),  # Kota Samarinda
    ("73.71", 1),  # Kota Makassar
)
_SHARE_KOTA_MALANG = 0.85
_SHARE_JATIM = 0.12  # the rest (3%) comes from other provinces

_BIRTH_YEARS = ((2005, 2), (2006, 36), (2007, 54), (2008, 8))
_UNDER_AGE_YEAR = 2009

_SMA_MAJORS_NEW = ("MIPA", "IPS", "BAHASA")
_SMA_MAJORS_OLD = ("IPA", "IPS", "BAHASA")
_SMK_MAJORS = _pool(
    """
    TKJ, RPL, AKL, OTKP, BDP, TBSM, TKR, TITL, DKV, MM, TAV, TPM
    """
)
_CLASS_SIZE = 32

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_BITS = 50
_ID_MASK = (1 << _ID_BITS) - 1
_NISN_BITS = 24  # 2**24 > 10**7: cycle-walk the 24-bit permutation below 10**7


# --------------------------------------------------------------------------- schools


def _read_school_rows() -> list[dict[str, str]]:
    return reference_rows()


def _largest_remainder(weights: Sequence[float], total: int) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum to ``total``."""
    weight_sum = sum(weights)
    if not weights:
        return []
    if weight_sum <= 0:
        weights = [1.0] * len(weights)
        weight_sum = float(len(weights))
    exact = [w * total / weight_sum for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def demo_schools(seed: int = 2024, students: int = 4586) -> list[DemoSchool]:
    """The 51 demo schools (all 23 negeri + the first 28 swasta by NPSN), by NPSN.

    Targets are spread so that negeri schools are larger; they sum to ``students``.
    """
    rng = random.Random(f"ktpe-demo-schools:{seed}")
    rows = sorted(_read_school_rows(), key=lambda r: r["npsn"])
    negeri = [r for r in rows if r["status"] == "negeri"]
    swasta = [r for r in rows if r["status"] == "swasta"][:_SWASTA_COUNT]
    chosen = sorted(negeri + swasta, key=lambda r: r["npsn"])
    weights = []
    for row in chosen:
        if row["status"] == "negeri":
            base = 2.2 if row["bentuk"] == "SMK" else 1.8
            weights.append(base * rng.uniform(0.85, 1.15))
        else:
            weights.append(0.55 * rng.uniform(0.5, 1.5))
    targets = _largest_remainder(weights, students)
    return [
        DemoSchool(
            npsn=row["npsn"],
            name=" ".join(row["nama"].split()),
            kind=row["bentuk"],
            status=row["status"],
            kecamatan=row["kecamatan"],
            address=" ".join(row["alamat"].split()),
            lat=float(row["lintang"]),
            lon=float(row["bujur"]),
            target=target,
        )
        for row, target in zip(chosen, targets, strict=True)
    ]


def generate_demo(
    seed: int = 2024, students: int = 4586
) -> tuple[DemoCampaign, list[DemoSchool], list[DemoStudent]]:
    """The whole demo: campaign, schools and the list of students.

    For very large rosters prefer :func:`demo_schools` + :func:`iter_demo_students`.
    """
    rng = random.Random(f"ktpe-demo-campaign:{seed}")
    campaign = DemoCampaign(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    schools = demo_schools(seed, students)
    return campaign, schools, list(iter_demo_students(seed, students, schools, campaign))


# --------------------------------------------------------------------------- students


class _StudentFactory:
    """Holds the per-run state that keeps ids, NIKs and NISNs unique."""

    def __init__(self, rng: random.Random, campaign: DemoCampaign) -> None:
        self.rng = rng
        self.campaign = campaign
        # Latest birth date still of recording age on the reference date.
        self.latest_adult_birth = _latest_birth_for_age(
            campaign.reference_date, campaign.min_recording_age
        )
        self.id_keys = (rng.getrandbits(_ID_BITS), rng.getrandbits(_ID_BITS) | 1)
        self.id_counter = 0
        self.nik_serials: dict[str, int] = {}
        self.nisn_counters: dict[int, int] = {}
        self.nisn_key = rng.getrandbits(_NISN_BITS)
        self.jatim = _district_pool(_JATIM_REGENCIES)
        self.other = _district_pool(_OTHER_REGENCIES)
        self.malang_codes = list(KOTA_MALANG_DISTRICTS.values())

    def next_id(self) -> str:
        # A bijection on 50 bits (add, multiply by an odd number, xor-shift): unique
        # for every counter value, opaque to the eye.
        x = (self.id_counter + self.id_keys[0]) & _ID_MASK
        self.id_counter += 1
        x = (x * self.id_keys[1]) & _ID_MASK
        x ^= x >> 25
        x = (x * 0x2545F4914F6CD) & _ID_MASK
        x ^= x >> 22
        return "".join(_CROCKFORD[(x >> shift) & 31] for shift in range(45, -1, -5))

    def next_nisn(self, birth_year: int) -> str:
        # NISN = 3-digit birth-year code ("007" for 2007) + 7 digits. The 7 digits are
        # a keyed permutation of a per-year counter, so they are unique and look random.
        n = self.nisn_counters.get(birth_year, 0)
        self.nisn_counters[birth_year] = n + 1
        return f"{birth_year % 1000:03d}{_permute_below(n, 10**7, self.nisn_key ^ birth_year):07d}"

    def region(self, school_district: str) -> str:
        rng = self.rng
        r = rng.random()
        if r < _SHARE_KOTA_MALANG:
            if rng.random() < 0.5:
                return school_district
            return rng.choice(self.malang_codes)
        pool = self.jatim if r < _SHARE_KOTA_MALANG + _SHARE_JATIM else self.other
        return rng.choice(pool)

    def nik(self, region_code: str, nik_date: date, sex: Sex) -> str:
        day = nik_date.day + (40 if sex is Sex.FEMALE else 0)
        head = f"{region_code.replace('.', '')}{day:02d}{nik_date:%m}{nik_date.year % 100:02d}"
        serial = self.nik_serials.get(head, self.rng.randint(0, 30)) + self.rng.randint(1, 3)
        if serial > 9999:  # only with absurd roster sizes
            raise ValueError("demo roster too large for unique NIK serials")
        self.nik_serials[head] = serial
        return f"{head}{serial:04d}"

    def kk(self, nik: str, nik_region: str) -> str:
        rng = self.rng
        # The KK shows where the family lives now: mostly Kota Malang.
        region = rng.choice(self.malang_codes) if rng.random() < 0.9 else nik_region
        while True:
            issued = date(2010, 1, 1) + timedelta(days=rng.randrange(5300))
            kk = f"{region.replace('.', '')}{issued:%d%m}{issued.year % 100:02d}"
            kk += f"{rng.randint(1, 9999):04d}"
            if kk != nik:
                return kk

    def birth_date(self, planted: str | None) -> date:
        rng = self.rng
        # The cohort moves with the voting day (the years are those of Pilkada 2024).
        shift = self.campaign.reference_date.year - 2024
        if planted == "under_age":
            return date(_UNDER_AGE_YEAR + shift, 1, 1) + timedelta(days=rng.randrange(365))
        years, weights = zip(*_BIRTH_YEARS, strict=True)
        year = rng.choices(years, weights)[0] + shift
        start = date(year, 1, 1)
        end = min(date(year, 12, 31), self.latest_adult_birth)
        return start + timedelta(days=rng.randrange((end - start).days + 1))


def _mix24(x: int, key: int) -> int:
    """A keyed bijection on 24-bit integers (xor, odd multiply, xor-shift rounds)."""
    mask = (1 << _NISN_BITS) - 1
    for mult in (0x9E3779, 0x85EBCB):  # odd multipliers: invertible modulo 2**24
        x = ((x ^ key) * mult) & mask
        x ^= x >> 13
    return x


def _permute_below(n: int, limit: int, key: int) -> int:
    """Map ``n < limit`` to a unique value ``< limit`` (cycle walking over :func:`_mix24`)."""
    x = _mix24(n, key)
    while x >= limit:
        x = _mix24(x, key)
    return x


def _latest_birth_for_age(on: date, years: int) -> date:
    """The latest birth date at which someone has completed ``years`` on ``on``."""
    try:
        birth = on.replace(year=on.year - years)
    except ValueError:  # reference date on 29 Feb, target year not a leap year
        birth = date(on.year - years, 2, 28)
    while date_reaching_age(birth + timedelta(days=1), years) <= on:
        birth += timedelta(days=1)
    return birth


def _district_pool(regencies: Sequence[tuple[str, int]]) -> list[str]:
    """Weighted list of district codes of the given regencies (weight per regency)."""
    pool: list[str] = []
    for regency, weight in regencies:
        codes = [r.code for r in regions.districts_of(regency)]
        if codes:
            pool.extend(codes * weight)
    return pool


def _weighted(rng: random.Random, forms: Sequence[tuple[str, int]]) -> str:
    names = [name for name, _ in forms]
    return rng.choices(names, [weight for _, weight in forms])[0]


def _male_name(rng: random.Random) -> str:
    parts: list[str] = []
    r = rng.random()
    if r < 0.30:
        parts.append(_weighted(rng, _MUHAMMAD_FORMS))
    elif r < 0.40:
        parts.append(_weighted(rng, _AHMAD_FORMS))
    elif r < 0.43:
        parts.append("ABDUL" if rng.random() < 0.8 else "ABD.")
    parts.append(rng.choice(_MALE_GIVEN))
    if rng.random() < 0.15:
        parts.append(rng.choice(_MALE_GIVEN))
    if rng.random() < 0.05:
        parts.append(rng.choice(_OLD_SPELLING))
    elif rng.random() < 0.6:
        parts.append(rng.choice(_MALE_SECOND))
    return _dedupe(parts)


def _female_name(rng: random.Random) -> str:
    parts: list[str] = []
    r = rng.random()
    if r < 0.12:
        parts.append("SITI")
    elif r < 0.15:
        parts.append("ST.")
    elif r < 0.23:
        parts.append(rng.choice(("NUR", "NUR", "NUR", "NOOR", "NURUL")))
    parts.append(rng.choice(_FEMALE_GIVEN))
    if rng.random() < 0.2:
        parts.append(rng.choice(_FEMALE_GIVEN))
    if rng.random() < 0.03:
        parts.append(rng.choice(_OLD_SPELLING))
    elif rng.random() < 0.6:
        parts.append(rng.choice(_FEMALE_SECOND))
    return _dedupe(parts)


def _mother_name(rng: random.Random) -> str:
    parts = [rng.choice(_MOTHER_GIVEN)]
    if rng.random() < 0.6:
        parts.append(rng.choice(_MOTHER_SECOND))
    return _dedupe(parts)


def _dedupe(parts: list[str]) -> str:
    seen: list[str] = []
    for part in parts:
        if part not in seen:
            seen.append(part)
    return " ".join(seen)


def _school_classes(rng: random.Random, school: DemoSchool, quota: int) -> list[str]:
    count = max(1, math.ceil(quota / _CLASS_SIZE))
    if school.kind == "SMK":
        majors = rng.sample(_SMK_MAJORS, k=min(len(_SMK_MAJORS), max(2, count // 2 + 1)))
    else:
        style = _SMA_MAJORS_NEW if rng.random() < 0.6 else _SMA_MAJORS_OLD
        majors = list(style[:2]) + ([style[2]] if count >= 6 else [])
    per_major = _largest_remainder([3.0 if i == 0 else 2.0 for i in range(len(majors))], count)
    classes = [
        f"XII {major} {n}"
        for major, k in zip(majors, per_major, strict=True)
        for n in range(1, max(1, k) + 1)
    ]
    return classes


def _birth_place(region_code: str) -> str:
    if region_code.startswith("35.73."):
        return "MALANG"
    regency = regions.lookup(region_code[:5])
    if regency is None:
        return "MALANG"
    name = regency.name
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        name = name.removeprefix(prefix)
    return name.upper()


def iter_demo_students(
    seed: int = 2024,
    students: int = 4586,
    schools: Sequence[DemoSchool] | None = None,
    campaign: DemoCampaign | None = None,
) -> Iterator[DemoStudent]:
    """Yield the demo students school by school (in the order of ``schools``).

    Args:
        seed: the random seed; the same seed gives the same students.
        students: total number of students to yield.
        schools: the schools; default :func:`demo_schools(seed, students)`. Their
            targets give each school's share (rescaled if they do not sum to
            ``students``).
        campaign: gives the reference date and recording age; default campaign
            settings when None.
    """
    if schools is None:
        schools = demo_schools(seed, students)
    campaign = campaign or DemoCampaign(id="demo")
    targets = [s.target for s in schools]
    quotas = targets if sum(targets) == students else _largest_remainder(targets, students)
    rng = random.Random(f"ktpe-demo-students:{seed}")
    factory = _StudentFactory(rng, campaign)
    thresholds: list[tuple[float, str]] = []
    cumulative = 0.0
    for scenario, share in PLANTED_SHARES.items():
        cumulative += share
        thresholds.append((cumulative, scenario))

    for school, quota in zip(schools, quotas, strict=True):
        classes = _school_classes(rng, school, quota)
        district = KOTA_MALANG_DISTRICTS.get(school.kecamatan, "35.73.02")
        for _ in range(quota):
            r = rng.random()
            planted = next((name for limit, name in thresholds if r < limit), None)
            sex = Sex.MALE if rng.random() < 0.49 else Sex.FEMALE
            name = _male_name(rng) if sex is Sex.MALE else _female_name(rng)
            birth = factory.birth_date(planted)
            nik_date = birth
            if planted == "nik_mismatch":
                shift = rng.randint(1, 60) * rng.choice((-1, 1))
                nik_date = birth + timedelta(days=shift)
            region = factory.region(district)
            nik = factory.nik(region, nik_date, sex)
            yield DemoStudent(
                id=factory.next_id(),
                school_npsn=school.npsn,
                nisn=factory.next_nisn(birth.year),
                nik=nik,
                kk=factory.kk(nik, region),
                name=name,
                sex=sex,
                birth_place=_birth_place(region),
                birth_date=birth,
                class_name=rng.choice(classes),
                mother_name=_mother_name(rng),
                planted=planted,
            )
