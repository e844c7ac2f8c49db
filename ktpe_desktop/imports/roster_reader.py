"""``read_roster``: a roster file in, a preview with a report out.

Nothing here writes anywhere; the preview is what the user confirms (or not)
before :mod:`ktpe_desktop.services.import_service` commits it.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ktpe_desktop.core.collector import collector_paused
from ktpe_desktop.core.eligibility import (
    CampaignRules,
    date_reaching_age,
    may_record,
    votes_on_reference_date,
)
from ktpe_desktop.core.identifiers import Sex, check_nik_vs_kk, parse_nik
from ktpe_desktop.imports.errors import RosterFileError
from ktpe_desktop.imports.headers import (
    HEADER_SCAN_ROWS,
    SYNONYMS,
    Header,
    find_header,
    is_numbering_row,
    normalize_header,
)
from ktpe_desktop.imports.model import (
    FIELD_LABELS,
    ColumnInfo,
    HeldRow,
    ReportLine,
    RosterPreview,
    RosterRow,
    Severity,
)
from ktpe_desktop.imports.scan_worker import ScanWorker
from ktpe_desktop.imports.source import RowSource, open_source
from ktpe_desktop.imports.values import (
    Problem,
    cell_text,
    check_kk,
    check_nisn,
    parse_date_value,
    parse_sex_value,
    read_identifier,
)
from ktpe_desktop.imports.xlsx import CellValue

__all__ = ["MAX_DATA_ROWS", "read_roster"]

log = logging.getLogger("ktpe.imports")

MAX_DATA_ROWS = 100_000
_TOTALS = re.compile(r"^(jumlah|total|grand total|jml|sub ?total|rekap)\b")
# Columns whose absence is worth a warning (the name column is required).
_EXPECTED = ("nisn", "nik", "sex", "birth_date", "class_name")


def _line(
    row: int | None,
    column: str | None,
    severity: Severity,
    code: str,
    message: str,
    message_en: str,
    cell: str | None = None,
) -> ReportLine:
    return ReportLine(row, column, severity, code, message, message_en, cell)


@dataclass(slots=True)
class _Context:
    header: Header
    today: date
    text_cells_lose_zeros: bool
    columns: dict[str, ColumnInfo]
    seen_nisn: dict[str, int] = field(default_factory=dict)
    seen_nik: dict[str, int] = field(default_factory=dict)
    zeros_restored: int = 0
    rules: CampaignRules | None = None
    texts: dict[int, dict[str, str]] = field(default_factory=dict)  # row -> cells as read
    nik_excel_numbers: int = 0
    # A file's thousands of students share a few hundred birth dates: each cell value's
    # reading (birth date, sex) and each date's eligibility is worked out once per file (the results
    # are not changed by the rows that use them: frozen problems, lists only read).
    _dates: dict[tuple[type, object], tuple[date | None, list[Problem]]] = field(
        default_factory=dict
    )
    _eligibility: dict[date, list[Problem]] = field(default_factory=dict)
    _sexes: dict[tuple[type, object], tuple[Sex | None, list[Problem]]] = field(
        default_factory=dict
    )

    def birth_date(self, value: CellValue) -> tuple[date | None, list[Problem]]:
        """``parse_date_value(value, today=self.today)``."""
        key = (type(value), value)  # 1, 1.0 and True are equal keys: the type keeps them apart
        found = self._dates.get(key)
        if found is None:
            found = self._dates[key] = parse_date_value(value, today=self.today)
        return found

    def sex(self, value: CellValue) -> tuple[Sex | None, list[Problem]]:
        """``parse_sex_value(value)`` (a file has a handful of distinct cells: L, P …)."""
        key = (type(value), value)
        found = self._sexes.get(key)
        if found is None:
            found = self._sexes[key] = parse_sex_value(value)
        return found

    def eligibility(self, birth: date, rules: CampaignRules) -> list[Problem]:
        """``eligibility_problems(birth, rules, self.today)`` (``rules`` is ``self.rules``)."""
        found = self._eligibility.get(birth)
        if found is None:
            found = self._eligibility[birth] = eligibility_problems(birth, rules, self.today)
        return found


def read_roster(
    path: Path | str,
    *,
    today: date | None = None,
    rules: CampaignRules | None = None,
    scanner: ScanWorker | None = None,
) -> RosterPreview:
    """Read a roster file (XLSX or CSV) into a preview with its report.

    Args:
        path: the file.
        today: the date for plausibility checks and the NIK century (default: today).
        rules: the campaign's ages and voting day: students under the voting age on
            voting day, or under the recording age today, are flagged (warnings).
        scanner: a started scan worker (the import dialog's): an XLSX sheet is then
            scanned in that process while this one checks its rows (D48). The
            preview is the same with or without it.

    Returns:
        The preview: valid rows, held-back rows, report lines, unused columns.

    Raises:
        RosterFileError: the file cannot be read as a roster at all.
    """
    path = Path(path)
    today = today or date.today()
    with collector_paused():  # ~1 million objects, none garbage while the file is read
        source = open_source(path, scanner)
        try:
            return _read(source, path.name, today, rules)
        finally:
            source.close()


def _head(source: RowSource, sheet: int) -> list[tuple[int, list[CellValue]]]:
    rows = []
    for number, values in source.rows(sheet):
        if number > HEADER_SCAN_ROWS * 5:
            break
        if any(cell_text(v) for v in values):
            rows.append((number, values))
            if len(rows) >= HEADER_SCAN_ROWS:
                break
    return rows


def _read(
    source: RowSource, file_name: str, today: date, rules: CampaignRules | None = None
) -> RosterPreview:
    preview = RosterPreview(file_kind=source.kind, file_name=file_name)
    preview.encoding, preview.delimiter = source.encoding, source.delimiter
    names = source.sheet_names
    header: Header | None = None
    chosen = 0
    for index in range(len(names)):
        header = find_header(_head(source, index))
        if header is not None:
            chosen = index
            break
    if header is None:
        raise RosterFileError(
            "no_header",
            f"Judul kolom daftar siswa tidak ditemukan di '{file_name}'. Berkas harus punya "
            "baris judul dengan kolom Nama dan NISN atau NIK (mis. ekspor 'Daftar Peserta "
            "Didik' dari Dapodik).",
            f"No roster header found in '{file_name}'. The file needs a header row with a "
            "Nama (name) column and NISN or NIK (e.g. Dapodik's 'Daftar Peserta Didik' "
            "export).",
        )
    file_lines: list[ReportLine] = []
    row_lines: list[ReportLine] = []
    if source.kind == "xlsx":
        preview.sheet_name = names[chosen]
        preview.ignored_sheets = [n for i, n in enumerate(names) if i != chosen]
        file_lines.append(
            _line(
                None,
                None,
                Severity.INFO,
                "sheet_used",
                f"Lembar '{names[chosen]}' dibaca; judul kolom di baris {header.first_row}.",
                f"Sheet '{names[chosen]}' read; header at row {header.first_row}.",
            )
        )
        for other in preview.ignored_sheets:
            file_lines.append(
                _line(
                    None,
                    None,
                    Severity.INFO,
                    "sheet_ignored",
                    f"Lembar '{other}' diabaikan: hanya satu lembar daftar siswa yang dibaca.",
                    f"Sheet '{other}' ignored: only one roster sheet is read.",
                )
            )
    else:
        delim = {"\t": "tab", ";": "';'", ",": "','", "|": "'|'"}.get(source.delimiter or "", "?")
        file_lines.append(
            _line(
                None,
                None,
                Severity.INFO,
                "csv_format",
                f"Berkas CSV, pengodean {source.encoding}, pemisah {delim}; judul kolom di "
                f"baris {header.first_row}.",
                f"CSV file, encoding {source.encoding}, delimiter {delim}; header at row "
                f"{header.first_row}.",
            )
        )
    preview.header_row = header.first_row
    preview.columns = list(header.columns)
    preview.unused_columns = header.unused
    columns = {c.field: c for c in header.columns if c.field is not None}
    for label in header.duplicates:
        meaning = next(f for f, syns in SYNONYMS.items() if _matches(label, syns))
        used = columns[meaning].label
        file_lines.append(
            _line(
                None,
                label,
                Severity.WARNING,
                "duplicate_column",
                f"Kolom '{label}' juga berarti {FIELD_LABELS[meaning][0]}; yang dipakai "
                f"kolom '{used}'.",
                f"Column '{label}' also means {FIELD_LABELS[meaning][1]}; column '{used}' is used.",
            )
        )
    for wanted_field in _EXPECTED:
        if wanted_field not in columns:
            label_id, label_en = FIELD_LABELS[wanted_field]
            file_lines.append(
                _line(
                    None,
                    None,
                    Severity.WARNING,
                    "column_missing",
                    f"Kolom {label_id} tidak ada di berkas.",
                    f"The file has no {label_en} column.",
                )
            )
    if preview.unused_columns:
        shown = ", ".join(preview.unused_columns)
        file_lines.append(
            _line(
                None,
                None,
                Severity.INFO,
                "unused_columns",
                f"{len(preview.unused_columns)} kolom tidak dipakai: {shown}.",
                f"{len(preview.unused_columns)} columns not used: {shown}.",
            )
        )

    ctx = _Context(header, today, source.kind == "csv", columns, rules=rules)
    name_col = header.fields["name"]
    wanted = frozenset(header.fields.values()) | frozenset(range(name_col + 1))
    field_items = list(header.fields.items())
    in_footer = False
    footer_skipped = 0
    data_rows = 0
    rows = source.rows(chosen, wanted)
    first_data = True
    for number, values in rows:
        if number <= header.last_row:
            continue
        if first_data:
            first_data = False
            if is_numbering_row(values):
                preview.skipped_rows.append(number)
                file_lines.append(
                    _line(
                        number,
                        None,
                        Severity.INFO,
                        "numbering_row",
                        f"Baris {number} berisi nomor kolom (1, 2, 3 …) dan dilewati.",
                        f"Row {number} holds column numbers (1, 2, 3 …) and was skipped.",
                    )
                )
                continue
        raw = {f: (values[i] if i < len(values) else None) for f, i in field_items}
        texts = {f: cell_text(v) for f, v in raw.items()}
        has_identity = bool(texts.get("nisn") or texts.get("nik") or texts.get("birth_date"))
        is_totals = not has_identity and any(
            _TOTALS.match(normalize_header(t))
            for t in (cell_text(v) for v in itertools.islice(values, name_col + 1))
            if t
        )
        if is_totals:
            in_footer = True
            preview.skipped_rows.append(number)
            row_lines.append(
                _line(
                    number,
                    None,
                    Severity.INFO,
                    "totals_row",
                    f"Baris {number} adalah baris jumlah/total dan dilewati.",
                    f"Row {number} is a totals row and was skipped.",
                )
            )
            continue
        if not any(texts.values()):
            continue  # blank (at most a running number or unused cells): skipped silently
        if in_footer and not has_identity:
            footer_skipped += 1
            preview.skipped_rows.append(number)
            continue
        data_rows += 1
        if data_rows > MAX_DATA_ROWS:
            raise RosterFileError(
                "too_many_rows",
                f"Berkas berisi lebih dari {MAX_DATA_ROWS:,} baris siswa; bagi per sekolah.",
                f"The file holds more than {MAX_DATA_ROWS:,} student rows; split it per school.",
            )
        _read_row(number, raw, texts, ctx, preview, row_lines)
    if footer_skipped:
        row_lines.append(
            _line(
                None,
                None,
                Severity.INFO,
                "footer_skipped",
                f"{footer_skipped} baris setelah baris jumlah (tanda tangan, catatan) dilewati.",
                f"{footer_skipped} rows after the totals row (signatures, notes) were skipped.",
            )
        )
    if ctx.zeros_restored:
        column = columns["nisn"].label
        file_lines.append(
            _line(
                None,
                column,
                Severity.INFO,
                "nisn_zeros_restored",
                f"{ctx.zeros_restored} NISN tersimpan sebagai angka; angka 0 di depannya "
                "dikembalikan (NISN selalu 10 digit).",
                f"{ctx.zeros_restored} NISNs were stored as numbers; their leading zeros "
                "were put back (a NISN is always 10 digits).",
            )
        )
    if ctx.nik_excel_numbers:
        file_lines.append(
            _line(
                None,
                columns["nik"].label,
                Severity.ERROR,
                "nik_excel_number",
                f"{ctx.nik_excel_numbers} NIK di kolom '{columns['nik'].label}' rusak karena "
                "kolom itu berformat Angka di Excel: Excel hanya menyimpan 15 digit, jadi "
                "digit terakhir NIK sudah hilang. Cara memperbaiki: di Excel pilih kolom NIK, "
                "Format Cells > Text, lalu salin ulang NIK dari Dapodik (atau ekspor ulang) "
                "dan impor lagi. Baris-baris ini ditahan.",
                f"{ctx.nik_excel_numbers} NIKs in column '{columns['nik'].label}' were "
                "damaged because the column is formatted as Number in Excel: Excel keeps "
                "only 15 digits, so the NIK's last digit is lost. To fix: select the NIK "
                "column in Excel, Format Cells > Text, copy the NIKs again from Dapodik (or "
                "export again) and import again. These rows are held back.",
            )
        )
    _resolve_duplicates(preview, ctx, row_lines)
    # Row lines in row order (a row's errors before its warnings); file lines first.
    row_lines.sort(
        key=lambda ln: (
            ln.row is None,
            ln.row or 0,
            {Severity.ERROR: 0, Severity.WARNING: 1}.get(ln.severity, 2),
        )
    )
    preview.lines = file_lines + row_lines
    log.info(
        "roster read: kind=%s rows=%d held=%d errors=%d warnings=%d",
        source.kind,
        len(preview.rows),
        len(preview.held_back),
        len(preview.errors),
        len(preview.warnings),
    )
    return preview


def _matches(label: str, synonyms: Sequence[str]) -> bool:
    key = normalize_header(label)
    return key in synonyms or key.replace(" ", "") in synonyms


def _read_row(
    number: int,
    raw: dict[str, CellValue],
    texts: dict[str, str],
    ctx: _Context,
    preview: RosterPreview,
    out: list[ReportLine],
) -> None:
    lines: list[ReportLine] = []
    ctx.texts[number] = texts  # the caller's own dict for this row, not changed after

    def add(fld: str | None, problem: Problem) -> None:
        column = ctx.columns[fld] if fld is not None else None
        lines.append(
            ReportLine(
                number,
                column.label if column else None,
                problem.severity,
                problem.code,
                problem.message,
                problem.message_en,
                f"{column.letter}{number}" if column else None,
            )
        )

    def problem(sev: Severity, code: str, msg: str, msg_en: str) -> Problem:
        return Problem(sev, code, msg, msg_en)

    name = texts.get("name", "")
    if not name:
        add("name", problem(Severity.ERROR, "name_missing", "Nama kosong.", "The name is empty."))

    sex: Sex | None = None
    if "sex" in raw:
        sex, found = ctx.sex(raw["sex"])
        for p in found:
            add("sex", p)

    birth_date: date | None = None
    short_year = two_digit_year_date(raw.get("birth_date"))
    if "birth_date" in raw and short_year is None:
        birth_date, found = ctx.birth_date(raw["birth_date"])
        for p in found:
            add("birth_date", p)
    birth_date_failed = bool(texts.get("birth_date")) and birth_date is None

    nisn: str | None = None
    if texts.get("nisn"):
        cell, found = read_identifier(
            raw["nisn"], "nisn", text_cells_lose_zeros=ctx.text_cells_lose_zeros
        )
        for p in found:
            add("nisn", p)
        if cell is not None:
            nisn, found = check_nisn(cell)
            for p in found:
                add("nisn", p)
            if nisn is not None and cell.zeros_restored:
                ctx.zeros_restored += 1

    nik: str | None = None
    nik_birth: date | None = None
    nik_sex: Sex | None = None
    if texts.get("nik"):
        cell, found = read_identifier(raw["nik"], "nik", text_cells_lose_zeros=False)
        stored_as_number = any(p.code == "nik_stored_as_number" for p in found)
        result = (
            parse_nik(cell.text, birth_date=birth_date, sex=sex, today=ctx.today)
            if cell is not None
            else None
        )
        if stored_as_number and result is not None and result.findings:
            # Excel kept 15 digits of a NIK typed as a number: every further check of it
            # would only confuse. One line here, the how-to-fix once for the file.
            ctx.nik_excel_numbers += 1
            add(
                "nik",
                problem(
                    Severity.ERROR,
                    "nik_excel_number",
                    f"NIK rusak oleh Excel (tersimpan sebagai angka {texts.get('nik', '')}); "
                    "lihat catatan kolom NIK di awal laporan.",
                    f"NIK damaged by Excel (stored as the number {texts.get('nik', '')}); "
                    "see the NIK column note at the top of the report.",
                ),
            )
            result = None
        else:
            for p in found:
                add("nik", p)
        if result is not None:
            for f in result.findings:
                p = Problem.from_finding(f)
                if f.code == "nik_length":
                    p = _nik_length(cell.text if cell is not None else "")
                add("nik", p)
            if result.value is not None:
                nik = result.value.nik
                nik_birth, nik_sex = result.value.birth_date, result.value.sex

    kk: str | None = None
    if texts.get("kk"):
        cell, found = read_identifier(raw["kk"], "kk", text_cells_lose_zeros=False)
        for p in found:
            add("kk", p)
        if cell is not None:
            kk, found = check_kk(cell)
            for p in found:
                if p.code == "kk_length":
                    p = _kk_length(cell.text)
                add("kk", p)
        if nik and kk:
            for f in check_nik_vs_kk(nik, kk):
                add("kk", Problem.from_finding(f))

    has_nisn_error = bool(texts.get("nisn")) and nisn is None
    has_nik_error = bool(texts.get("nik")) and nik is None
    if not texts.get("nisn") and not texts.get("nik"):
        add(
            None,
            problem(
                Severity.ERROR,
                "no_identifier",
                "NISN dan NIK kosong: siswa tidak bisa dipindai atau dicocokkan saat impor ulang.",
                "NISN and NIK are both empty: the student cannot be scanned or matched on "
                "re-import.",
            ),
        )
    else:
        if "nisn" in ctx.columns and not texts.get("nisn"):
            add(
                "nisn",
                problem(
                    Severity.WARNING,
                    "nisn_missing",
                    "NISN kosong: siswa harus dicari dengan nama.",
                    "NISN is empty: the student must be searched by name.",
                ),
            )
        if "nik" in ctx.columns and not texts.get("nik"):
            add("nik", problem(Severity.WARNING, "nik_missing", "NIK kosong.", "NIK is empty."))

    if short_year is not None:
        day, month, yy = short_year
        shown = texts.get("birth_date", "")
        if nik_birth is not None and (nik_birth.day, nik_birth.month, nik_birth.year % 100) == (
            day,
            month,
            yy,
        ):
            birth_date = nik_birth
            add(
                "birth_date",
                problem(
                    Severity.WARNING,
                    "birth_date_century_from_nik",
                    f"Tahun lahir hanya 2 angka ('{shown}'); abadnya diambil dari NIK: "
                    f"{nik_birth:%d-%m-%Y}.",
                    f"The birth year has 2 digits ('{shown}'); the century is taken from the "
                    f"NIK: {nik_birth:%d-%m-%Y}.",
                ),
            )
        else:
            birth_date_failed = True
            why_id, why_en = (
                ("tidak sama dengan tanggal lahir dalam NIK", "does not agree with the NIK's")
                if nik_birth is not None
                else ("dan tidak ada NIK untuk menentukan abadnya", "and no NIK gives the century")
            )
            add(
                "birth_date",
                problem(
                    Severity.ERROR,
                    "birth_date_two_digit_year",
                    f"Tahun lahir hanya 2 angka ('{shown}') {why_id}: tulis tahun 4 angka "
                    "(mis. 17-08-2007).",
                    f"The birth year has 2 digits ('{shown}') {why_en}: write a 4-digit year "
                    "(e.g. 17-08-2007).",
                ),
            )
    if birth_date is None and not birth_date_failed:
        if nik_birth is not None:
            birth_date = nik_birth
            add(
                "birth_date" if "birth_date" in ctx.columns else None,
                problem(
                    Severity.WARNING,
                    "birth_date_from_nik",
                    f"Tanggal lahir kosong; diambil dari NIK ({nik_birth:%d-%m-%Y}).",
                    f"Date of birth empty; taken from the NIK ({nik_birth:%d-%m-%Y}).",
                ),
            )
        else:
            add(
                "birth_date" if "birth_date" in ctx.columns else None,
                problem(
                    Severity.ERROR,
                    "birth_date_missing",
                    "Tanggal lahir kosong (dan tidak bisa diambil dari NIK).",
                    "Date of birth empty (and it cannot be taken from the NIK).",
                ),
            )
    if sex is None and not texts.get("sex"):
        if nik_sex is not None:
            sex = nik_sex
            add(
                "sex" if "sex" in ctx.columns else None,
                problem(
                    Severity.WARNING,
                    "sex_from_nik",
                    f"Jenis kelamin kosong; diambil dari NIK ({nik_sex.value}).",
                    f"Sex empty; taken from the NIK ({nik_sex.value}).",
                ),
            )
        elif "sex" in ctx.columns:
            add(
                "sex",
                problem(Severity.WARNING, "sex_missing", "Jenis kelamin kosong.", "Sex is empty."),
            )

    if birth_date is not None and ctx.rules is not None:
        for p in ctx.eligibility(birth_date, ctx.rules):
            add("birth_date" if "birth_date" in ctx.columns else None, p)

    errors = [ln for ln in lines if ln.severity is Severity.ERROR]
    if not errors and not has_nisn_error and not has_nik_error:
        preview.rows.append(
            RosterRow(
                row_number=number,
                name=name,
                nisn=nisn,
                nik=nik,
                kk=kk,
                sex=sex,
                birth_place=texts.get("birth_place") or None,
                birth_date=birth_date,
                class_name=texts.get("class_name") or None,
                mother_name=texts.get("mother_name") or None,
                nipd=texts.get("nipd") or None,
            )
        )
    else:
        lines.sort(key=lambda ln: ln.severity is not Severity.ERROR)
        preview.held_back.append(HeldRow(number, dict(texts), tuple(lines)))
    out.extend(lines)


def two_digit_year_date(value: object) -> tuple[int, int, int] | None:
    """``(day, month, yy)`` of a text date with a two-digit year (``17/08/07``), else None."""
    if not isinstance(value, str):
        return None
    m = _SHORT_YEAR.match(value.strip())
    if m is None:
        return None
    day, month, yy = int(m[1]), int(m[2]), int(m[3])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return day, month, yy


_SHORT_YEAR = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2})$")


def eligibility_problems(birth: date, rules: CampaignRules, today: date) -> list[Problem]:
    """Under the recording age today (cannot be recorded yet), or under the voting age on
    voting day (not a first-time voter of this election): warnings, the row is kept."""
    problems: list[Problem] = []
    if not may_record(birth, rules, today):
        from_day = date_reaching_age(birth, rules.min_recording_age)
        problems.append(
            Problem(
                Severity.WARNING,
                "under_recording_age",
                f"Belum cukup umur untuk direkam: belum {rules.min_recording_age} tahun hari "
                f"ini (baru boleh direkam mulai {from_day:%d-%m-%Y}); ditandai 'belum cukup "
                "umur' di Daftar Siswa.",
                f"Under the recording age: not {rules.min_recording_age} today (may be "
                f"recorded from {from_day:%d-%m-%Y}); marked 'belum cukup umur' in the roster.",
            )
        )
    if not votes_on_reference_date(birth, rules):
        reference = f"{rules.reference_date:%d-%m-%Y}"
        problems.append(
            Problem(
                Severity.WARNING,
                "under_voting_age",
                f"Belum {rules.voting_age} tahun pada hari pemungutan suara ({reference}): "
                "bukan pemilih pada pemilihan ini (kecuali sudah/pernah menikah).",
                f"Not {rules.voting_age} on voting day ({reference}): not a voter in this "
                "election (unless married).",
            )
        )
    return problems


def _resolve_duplicates(preview: RosterPreview, ctx: _Context, out: list[ReportLine]) -> None:
    """The same NISN (or NIK) on several rows of one file.

    Rows that are the same student written twice (every field equal) are imported once,
    with a warning on the repeats. Rows that share the identifier but differ in any other
    field are all held back as errors: which one is right is for the school to say, and
    importing one of them could record the wrong student.
    """
    held: set[int] = set()
    dropped: set[int] = set()
    for key, label in (("nisn", "NISN"), ("nik", "NIK")):
        groups: dict[str, list[RosterRow]] = {}
        for row in preview.rows:
            value = getattr(row, key)
            if value:
                groups.setdefault(value, []).append(row)
        for value, rows in groups.items():
            if len(rows) < 2:
                continue
            first = rows[0]
            base = {k: v for k, v in first.details().items()}
            if all(r.details() == base for r in rows[1:]):
                for r in rows[1:]:
                    if r.row_number in dropped:
                        continue  # already said for its NISN
                    dropped.add(r.row_number)
                    out.append(
                        ReportLine(
                            r.row_number,
                            ctx.columns[key].label if key in ctx.columns else label,
                            Severity.WARNING,
                            f"duplicate_{key}_same_row",
                            f"Baris ini sama persis dengan baris {first.row_number} ({label} "
                            f"{value}); siswa diimpor sekali.",
                            f"This row is identical to row {first.row_number} ({label} "
                            f"{value}); the student is imported once.",
                        )
                    )
                continue
            for r in rows:
                mine = r.details()
                unlike = [o for o in rows if o is not r and o.details() != mine]
                alike = [o for o in rows if o is not r and o.details() == mine]
                others = ", ".join(str(o.row_number) for o in unlike)
                differ = sorted(
                    {
                        FIELD_LABELS[f][0]
                        for other in unlike
                        for f, v in other.details().items()
                        if v != mine[f]
                    }
                )
                same = ", ".join(str(o.row_number) for o in alike)
                line = ReportLine(
                    r.row_number,
                    ctx.columns[key].label if key in ctx.columns else label,
                    Severity.ERROR,
                    f"duplicate_{key}_in_file",
                    f"{label} {value} juga dipakai baris {others} dengan data berbeda "
                    f"({', '.join(differ)})"
                    + (f" (baris {same} sama persis dengan baris ini)" if same else "")
                    + ": semua baris ini ditahan; tanyakan ke sekolah mana yang benar.",
                    f"{label} {value} is also used by row(s) {others} with other details "
                    f"({', '.join(differ)})"
                    + (f" (row(s) {same} identical to this one)" if same else "")
                    + ": all these rows are held back; ask the school which one is right.",
                    f"{ctx.columns[key].letter}{r.row_number}" if key in ctx.columns else None,
                )
                out.append(line)
                held.add(r.row_number)
    dropped -= held
    # A repeat that is held back with its group is not "imported once": drop that note.
    out[:] = [ln for ln in out if not (ln.row in held and ln.code.endswith("_same_row"))]
    if held or dropped:
        kept: list[RosterRow] = []
        for row in preview.rows:
            if row.row_number in held:
                lines = tuple(
                    sorted(
                        (ln for ln in out if ln.row == row.row_number),
                        key=lambda ln: ln.severity is not Severity.ERROR,
                    )
                )
                values = ctx.texts.get(row.row_number) or {
                    k: v or "" for k, v in row.details().items()
                }
                preview.held_back.append(HeldRow(row.row_number, dict(values), lines))
            elif row.row_number in dropped:
                preview.duplicates_dropped.append(row.row_number)
            else:
                kept.append(row)
        preview.rows = kept
    preview.held_back.sort(key=lambda h: h.row_number)


def _nik_length(text: str) -> Problem:
    n = len(text)
    return Problem(
        Severity.ERROR,
        "nik_length",
        f"NIK harus 16 digit angka (tertulis {n} digit). NIK tidak pernah diawali 0, jadi "
        "tidak bisa dilengkapi otomatis: cocokkan dengan KK/KTP.",
        f"A NIK must be 16 digits (got {n}). A NIK never starts with 0, so it cannot be "
        "completed automatically: check it against the family card.",
    )


def _kk_length(text: str) -> Problem:
    n = len(text)
    return Problem(
        Severity.ERROR,
        "kk_length",
        f"No. KK harus 16 digit angka (tertulis {n} digit).",
        f"A family card number must be 16 digits (got {n}).",
    )
