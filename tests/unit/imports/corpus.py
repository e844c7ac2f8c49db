"""A corpus of real-shaped roster files, generated for the tests and the benchmark.

The Dapodik "Daftar Peserta Didik" export: title rows, a two-row header whose
"Data Ayah / Data Ibu / Data Wali" groups are merged over six sub-columns each,
66 columns in all, then one row per student. Variants: "Rombel Saat Ini" moved
to the third column, NISN as numbers, blank rows, a totals row and a signature
footer, a second sheet; and a Windows-1252 CSV with ``;`` as Excel saves it on an
Indonesian Windows.

Students are generated deterministically from a seed; NIKs agree with birth date
and sex (day + 40 for women), NISNs start with the last three digits of the birth
year as real ones do (so Excel drops their two leading zeros).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from ktpe_desktop.core.identifiers import Sex

TITLE_ROWS = (
    "Daftar Peserta Didik",
    "SMAN 1 MALANG",
    "Kecamatan Kec. Klojen, Kabupaten Kota Malang, Provinsi Prov. Jawa Timur",
    "Tanggal Unduh: 2024-08-12 09:15:22",
    "Pengguna: operator@sman1-malang.sch.id",
)
HEADER_FIRST_ROW = len(TITLE_ROWS) + 2  # a blank row between the titles and the header
PARENT_SUB = ("Nama", "Tahun Lahir", "Jenjang Pendidikan", "Pekerjaan", "Penghasilan", "NIK")
BEFORE_GROUPS = (
    "No", "Nama", "NIPD", "JK", "NISN", "Tempat Lahir", "Tanggal Lahir", "NIK", "Agama",
    "Alamat", "RT", "RW", "Dusun", "Kelurahan", "Kecamatan", "Kode Pos", "Jenis Tinggal",
    "Alat Transportasi", "Telepon", "HP", "E-Mail", "SKHUN", "Penerima KPS", "No. KPS",
)  # fmt: skip
GROUPS = ("Data Ayah", "Data Ibu", "Data Wali")
AFTER_GROUPS = (
    "Rombel Saat Ini", "No Peserta Ujian Nasional", "No Seri Ijazah", "Penerima KIP",
    "Nomor KIP", "Nama di KIP", "Nomor KKS", "No Registrasi Akta Lahir", "Bank",
    "Nomor Rekening Bank", "Rekening Atas Nama", "Layak PIP (usulan dari sekolah)",
    "Alasan Layak PIP", "Kebutuhan Khusus", "Sekolah Asal", "Anak ke-berapa", "Lintang",
    "Bujur", "No KK", "Berat Badan", "Tinggi Badan", "Lingkar Kepala",
    "Jml. Saudara Kandung", "Jarak Rumah ke Sekolah (KM)",
)  # fmt: skip
DAPODIK_COLUMNS = len(BEFORE_GROUPS) + 6 * len(GROUPS) + len(AFTER_GROUPS)
assert DAPODIK_COLUMNS == 66

MALE = (
    "Ahmad",
    "Muhammad",
    "Rizky",
    "Budi",
    "Dimas",
    "Fajar",
    "Bagus",
    "Andre",
    "Yusuf",
    "Ilham",
    "Galih",
    "Wahyu",
    "Hendra",
    "Aditya",
    "Reza",
    "Ma’ruf",
    "Kevin",
    "Teguh",
)
FEMALE = (
    "Siti",
    "Dewi",
    "Putri",
    "Ayu",
    "Nur’aini",
    "Intan",
    "Anisa",
    "Rina",
    "Wulan",
    "Fitri",
    "Zoé",
    "Nabila",
    "Aulia",
    "Citra",
    "Dian",
    "Mega",
    "Salsabila",
    "Indah",
)
FAMILY = (
    "Santoso",
    "Wijaya",
    "Pratama",
    "Saputra",
    "Lestari",
    "Rahmawati",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Handayani",
    "Nugroho",
    "Firmansyah",
    "Maulana",
    "Susanti",
    "Hakim",
    "Prasetyo",
    "Ramadhan",
    "Wulandari",
    "Hermawan",
    "Kusuma",
)
PLACES = (
    "Malang",
    "Batu",
    "Surabaya",
    "Pasuruan",
    "Blitar",
    "Kediri",
    "Probolinggo",
    "Lumajang",
    "Sidoarjo",
    "Jember",
)
CLASSES = ("XII IPA 1", "XII IPA 2", "XII IPS 1", "XII IPS 2", "XI IPA 1", "XI IPS 3", "XII Bahasa")
DISTRICTS = ("01", "02", "03", "04", "05")  # Kota Malang: 35.73.01 .. 35.73.05
# fmt: on


@dataclass(frozen=True)
class Student:
    nisn: str
    nik: str
    kk: str
    name: str
    sex: Sex
    birth_place: str
    birth_date: date
    class_name: str
    mother_name: str
    nipd: str


def make_nik(rng: random.Random, birth: date, sex: Sex, serial: int | None = None) -> str:
    day = birth.day + (40 if sex is Sex.FEMALE else 0)
    district = rng.choice(DISTRICTS)
    serial = serial if serial is not None else rng.randint(1, 9999)
    return f"3573{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def make_students(count: int, seed: int = 1) -> list[Student]:
    """``count`` distinct students (unique NISN, NIK) born 2006-2008."""
    rng = random.Random(seed)
    students: list[Student] = []
    nisns: set[str] = set()
    niks: set[str] = set()
    while len(students) < count:
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        first = rng.choice(MALE if sex is Sex.MALE else FEMALE)
        name = f"{first} {rng.choice(FAMILY)}"
        if rng.random() < 0.3:
            name = f"{first} {rng.choice(MALE + FEMALE)} {rng.choice(FAMILY)}"
        birth = date(2006, 1, 1) + timedelta(days=rng.randint(0, 3 * 365))
        nisn = f"{birth.year % 1000:03d}{rng.randint(0, 9_999_999):07d}"
        nik = make_nik(rng, birth, sex)
        if nisn in nisns or nik in niks:
            continue
        nisns.add(nisn)
        niks.add(nik)
        kk = (
            f"3573{rng.choice(DISTRICTS)}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
            f"{rng.randint(10, 23):02d}{rng.randint(1, 9999):04d}"
        )
        students.append(
            Student(
                nisn=nisn,
                nik=nik,
                kk=kk,
                name=name,
                sex=sex,
                birth_place=rng.choice(PLACES),
                birth_date=birth,
                class_name=rng.choice(CLASSES),
                mother_name=f"{rng.choice(FEMALE)} {rng.choice(FAMILY)}",
                nipd=f"{rng.randint(20000, 29999)}",
            )
        )
    return students


def dapodik_header(*, rombel_third: bool = False) -> tuple[list[str], list[str]]:
    """The two header rows (top with group labels, below with sub-columns)."""
    top: list[str] = list(BEFORE_GROUPS)
    below: list[str] = [""] * len(BEFORE_GROUPS)
    for group in GROUPS:
        top += [group] + [""] * 5
        below += list(PARENT_SUB)
    top += list(AFTER_GROUPS)
    below += [""] * len(AFTER_GROUPS)
    if rombel_third:
        index = top.index("Rombel Saat Ini")
        top.insert(2, top.pop(index))
        below.insert(2, below.pop(index))
    return top, below


def dapodik_values(
    s: Student,
    number: int,
    top: list[str],
    below: list[str],
    *,
    nisn_as_number: bool,
    dates_as_cells: bool,
    rng: random.Random,
) -> list[object]:
    """One student's 66 cells, in the order of ``top``/``below``."""
    values: list[object] = []
    group = ""
    for head, sub in zip(top, below, strict=True):
        if head in GROUPS:
            group = head
        elif head:
            group = ""
        key = f"{group}/{sub}" if sub else head
        if key == "No":
            values.append(number)
        elif key == "Nama":
            values.append(s.name)
        elif key == "NIPD":
            values.append(s.nipd)
        elif key == "JK":
            values.append(s.sex.value)
        elif key == "NISN":
            values.append(int(s.nisn) if nisn_as_number else s.nisn)
        elif key == "Tempat Lahir":
            values.append(s.birth_place)
        elif key == "Tanggal Lahir":
            values.append(
                datetime.combine(s.birth_date, datetime.min.time())
                if dates_as_cells
                else s.birth_date.isoformat()
            )
        elif key == "NIK":
            values.append(s.nik)
        elif key == "Data Ibu/Nama":
            values.append(s.mother_name)
        elif key == "Data Ayah/Nama":
            values.append(f"{rng.choice(MALE)} {s.name.split()[-1]}")
        elif sub == "NIK":
            values.append(f"3573{rng.randint(10**11, 10**12 - 1)}")
        elif sub == "Tahun Lahir":
            values.append(rng.randint(1965, 1985))
        elif key == "Rombel Saat Ini":
            values.append(s.class_name)
        elif key == "No KK":
            values.append(s.kk)
        elif key == "Agama":
            values.append(rng.choice(("Islam", "Kristen", "Katholik", "Hindu", "Budha")))
        elif key == "Alamat":
            values.append(f"Jl. {rng.choice(FAMILY)} No. {rng.randint(1, 200)}")
        elif key in ("RT", "RW"):
            values.append(rng.randint(1, 12))
        elif key == "Kecamatan":
            values.append("Kec. Klojen")
        elif key == "Lintang":
            values.append(-7.97 + rng.random() / 100)
        elif key == "Bujur":
            values.append(112.63 + rng.random() / 100)
        elif key in (
            "Berat Badan",
            "Tinggi Badan",
            "Lingkar Kepala",
            "Anak ke-berapa",
            "Jml. Saudara Kandung",
        ):
            values.append(rng.randint(1, 170))
        elif key == "Jarak Rumah ke Sekolah (KM)":
            values.append(round(rng.random() * 10, 1))
        elif key in ("Penerima KPS", "Penerima KIP", "Layak PIP (usulan dari sekolah)"):
            values.append(rng.choice(("Ya", "Tidak")))
        else:
            values.append(None if rng.random() < 0.5 else "-")
    return values


def write_dapodik_xlsx(
    path: Path,
    students: list[Student],
    *,
    rombel_third: bool = False,
    nisn_as_number: bool = False,
    dates_as_cells: bool = False,
    blank_rows_after: tuple[int, ...] = (),
    totals: bool = False,
    second_sheet: bool = False,
    fast: bool | None = None,
    extra_rows: list[tuple[int, list[object]]] | None = None,
) -> Path:
    """Write a Dapodik-shaped export.

    Args:
        blank_rows_after: after these student positions (0-based), a blank row.
        totals: a "Jumlah" row and a signature footer after the last student.
        second_sheet: a second sheet ("Rekap") the import must ignore.
        fast: openpyxl's write-only mode (inline strings; for big files). Default:
            when there are more than 2,000 students. The normal mode writes shared
            strings and merged cells, as Excel does.
        extra_rows: (position, cells) rows inserted before student ``position``
            (cells aligned to the 66 columns), for broken data.
    """
    fast = len(students) > 2000 if fast is None else fast
    rng = random.Random(7)
    top, below = dapodik_header(rombel_third=rombel_third)
    wb = Workbook(write_only=fast)
    ws = wb.create_sheet("Daftar Peserta Didik") if fast else wb.active
    if not fast:
        ws.title = "Daftar Peserta Didik"
    for text in TITLE_ROWS:
        ws.append([text])
    ws.append([])
    ws.append(top)
    ws.append(below)
    if not fast:  # merge as Dapodik does: groups across, single columns down
        r1 = HEADER_FIRST_ROW
        col = 1
        while col <= len(top):
            if top[col - 1] in GROUPS:
                ws.merge_cells(start_row=r1, start_column=col, end_row=r1, end_column=col + 5)
                col += 6
            else:
                ws.merge_cells(start_row=r1, start_column=col, end_row=r1 + 1, end_column=col)
                col += 1
    extra = dict(extra_rows or [])
    for position, student in enumerate(students):
        if position in extra:
            ws.append(extra[position])
        ws.append(
            dapodik_values(
                student,
                position + 1,
                top,
                below,
                nisn_as_number=nisn_as_number,
                dates_as_cells=dates_as_cells,
                rng=rng,
            )
        )
        if position in blank_rows_after:
            ws.append([])
    if totals:
        ws.append(["Jumlah", None, None, None, None, None, None, None, None, len(students)])
        ws.append([])
        ws.append([None, "Mengetahui,"])
        ws.append([None, "Kepala Sekolah"])
        ws.append([None, "Drs. H. Sutrisno, M.Pd."])
    if second_sheet:
        other = wb.create_sheet("Rekap")
        other.append(["Rombel", "Jumlah L", "Jumlah P"])
        other.append(["XII IPA 1", 17, 19])
    wb.save(path)
    return path


def row_of(student_index: int, *, blank_rows_after: tuple[int, ...] = ()) -> int:
    """The spreadsheet row of a student in a file written by :func:`write_dapodik_xlsx`."""
    return (
        HEADER_FIRST_ROW + 2 + student_index + sum(1 for b in blank_rows_after if b < student_index)
    )


def write_csv(
    path: Path,
    students: list[Student],
    *,
    delimiter: str = ";",
    encoding: str = "cp1252",
    title_rows: bool = True,
    nisn_lost_zeros: bool = True,
    header: tuple[str, ...] = (
        "No",
        "Nama Lengkap",
        "L/P",
        "NISN",
        "NIK",
        "Tempat Lahir",
        "Tanggal Lahir",
        "Kelas",
        "Nama Ibu Kandung",
        "No KK",
        "NIS",
    ),
) -> Path:
    """A CSV as Excel saves one (``;`` and Windows-1252 on an Indonesian Windows)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        if title_rows:
            writer.writerow(["DAFTAR SISWA KELAS XII"] + [""] * (len(header) - 1))
            writer.writerow(["SMA Negeri 1 Malang"] + [""] * (len(header) - 1))
            writer.writerow([""] * len(header))
        writer.writerow(header)
        for number, s in enumerate(students, start=1):
            nisn = s.nisn.lstrip("0") if nisn_lost_zeros else s.nisn
            writer.writerow(
                [
                    number,
                    s.name,
                    s.sex.value,
                    nisn,
                    s.nik,
                    s.birth_place,
                    s.birth_date.strftime("%d/%m/%Y"),
                    s.class_name,
                    s.mother_name,
                    s.kk,
                    s.nipd,
                ]
            )
    return path


def csv_row_of(student_index: int, *, title_rows: bool = True) -> int:
    return (4 if title_rows else 1) + 1 + student_index


def with_changes(s: Student, **changes: object) -> Student:
    return replace(s, **changes)  # type: ignore[arg-type]
