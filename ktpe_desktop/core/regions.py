"""Administrative regions of Indonesia (Kemendagri codes, 2025 edition).

The table ``data/wilayah_kemendagri_2025.csv`` holds provinces (``35``),
regencies/cities (``35.73``) and districts/kecamatan (``35.73.02``). It is read
lazily, once per process, the first time a lookup needs it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

__all__ = [
    "Level",
    "Region",
    "all_regions",
    "districts_of",
    "lookup",
    "region_name",
]

_DATA_FILE = "wilayah_kemendagri_2025.csv"


class Level(StrEnum):
    """Level of a region in the Kemendagri hierarchy (values as in the CSV)."""

    PROVINCE = "provinsi"
    REGENCY = "kabupaten_kota"
    DISTRICT = "kecamatan"


@dataclass(frozen=True, slots=True)
class Region:
    """One row of the region table, e.g. ``Region("35.73.02", "Klojen", Level.DISTRICT)``."""

    code: str
    name: str
    level: Level

    @property
    def parent_code(self) -> str | None:
        """Code of the enclosing region (``"35.73"`` for ``"35.73.02"``), None for a province."""
        head, sep, _ = self.code.rpartition(".")
        return head if sep else None


@cache
def all_regions() -> Mapping[str, Region]:
    """Every region by code, read from the packaged CSV on first use."""
    raw = resources.files("ktpe_desktop.core").joinpath("data", _DATA_FILE).read_text("utf-8")
    table: dict[str, Region] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        code = row["kode"].strip()
        table[code] = Region(code=code, name=row["nama"].strip(), level=Level(row["tingkat"]))
    return table


def lookup(code: str) -> Region | None:
    """The region with exactly this dotted code, or None when it is not in the table."""
    return all_regions().get(code)


def region_name(code: str) -> str | None:
    """Name of the region with this dotted code, or None when unknown."""
    region = lookup(code)
    return region.name if region else None


@cache
def districts_of(regency_code: str) -> tuple[Region, ...]:
    """Districts (kecamatan) of a regency/city, sorted by code.

    Args:
        regency_code: dotted code of a regency or city, e.g. ``"35.73"``.
    """
    prefix = regency_code + "."
    return tuple(
        sorted(
            (
                r
                for code, r in all_regions().items()
                if r.level is Level.DISTRICT and code.startswith(prefix)
            ),
            key=lambda r: r.code,
        )
    )
