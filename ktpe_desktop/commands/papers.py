"""``ktpe-desktop letterhead …`` and ``ktpe-desktop school principal …``: what papers need.

    ktpe-desktop letterhead show --data-dir D
    ktpe-desktop letterhead set --data-dir D [--kota-malang] [--government …] [--office …]
                                [--address …]
    ktpe-desktop school principal NPSN --data-dir D --name "…" [--nip 18-digits]

A laptop started offline has no letterhead until the lead sets one (the UI asks at
the first import); ``--kota-malang`` takes the shipped one, and each of the other
options overrides one line of it.
"""

from __future__ import annotations

import argparse
from typing import Any

from ktpe_desktop.commands._common import add_store_arguments, data_dir_of, password, user_of
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.letterhead import Letterhead
from ktpe_desktop.services.session import open_store


def register(subparsers: Any) -> None:
    lh = subparsers.add_parser("letterhead", help="kop surat Berita Acara dan rekapitulasi")
    sub = lh.add_subparsers(dest="letterhead_command", metavar="LETTERHEAD", required=True)
    p = sub.add_parser("show", help="tampilkan kop surat")
    add_store_arguments(p)
    p.set_defaults(func=cmd_letterhead_show)
    p = sub.add_parser("set", help="isi kop surat")
    add_store_arguments(p)
    p.add_argument(
        "--kota-malang", action="store_true", help="mulai dari kop Dispendukcapil Kota Malang"
    )
    p.add_argument("--government", default=None, help="baris 1, mis. 'Pemerintah Kota Malang'")
    p.add_argument("--office", default=None, help="baris 2, nama dinas")
    p.add_argument("--address", default=None, help="baris 3, alamat kantor")
    p.set_defaults(func=cmd_letterhead_set)

    school = subparsers.add_parser("school", help="data sekolah untuk Berita Acara")
    sub = school.add_subparsers(dest="school_command", metavar="SCHOOL", required=True)
    p = sub.add_parser("principal", help="kepala sekolah (PIHAK KEDUA)")
    p.add_argument("npsn", help="NPSN sekolah (8 angka)")
    add_store_arguments(p)
    p.add_argument("--name", required=True, help="nama lengkap kepala sekolah, dengan gelar")
    p.add_argument("--nip", default=None, help="NIP (18 angka); kosongkan bila tidak ada")
    p.set_defaults(func=cmd_school_principal)


def _settings(args: argparse.Namespace) -> Any:
    from ktpe_desktop.services.paper_settings import PaperSettings

    return PaperSettings(open_store(data_dir_of(args), user_of(args), password()))


def _print_letterhead(letterhead: Letterhead) -> None:
    for label, value in zip(("Pemerintah", "Dinas", "Alamat"), letterhead.lines(), strict=True):
        print(f"{label:10}: {value or '(kosong)'}")


def cmd_letterhead_show(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        letterhead = settings.letterhead()
    finally:
        settings.store.close()
    _print_letterhead(letterhead)
    if not letterhead.complete:
        print("Kop surat belum lengkap: Berita Acara tidak dapat dicetak.")
        return 1
    return 0


def cmd_letterhead_set(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        from ktpe_desktop.core.letterhead import default_letterhead

        base = default_letterhead() if args.kota_malang else settings.letterhead()
        wanted = Letterhead(
            args.government if args.government is not None else base.government_name,
            args.office if args.office is not None else base.office_name,
            args.address if args.address is not None else base.office_address,
        )
        kept = settings.set_letterhead(wanted)
    finally:
        settings.store.close()
    print("Kop surat disimpan:")
    _print_letterhead(kept)
    return 0


def cmd_school_principal(args: argparse.Namespace) -> int:
    npsn = args.npsn.strip()
    if not (len(npsn) == 8 and npsn.isdigit()):
        raise KnownError(
            f"NPSN harus 8 angka: {npsn!r}", f"An NPSN has 8 digits: {npsn!r}", code="bad_npsn"
        )
    settings = _settings(args)
    try:
        principal = settings.set_principal(npsn, name=args.name, nip=args.nip)
    finally:
        settings.store.close()
    nip = f"NIP {principal.nip}" if principal.nip else "tanpa NIP"
    print(f"Kepala sekolah {npsn}: {principal.name} ({nip})")
    return 0
