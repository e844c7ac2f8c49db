"""``ktpe-desktop enroll`` and ``ktpe-desktop sync``: sync without the window.

* ``enroll URL CODE --data-dir D [--ca FILE]`` registers the laptop with a server;
  ``--new-device`` re-enrols it as a new device after a recovery lost events of the
  old one for good (its unsent events are re-issued by the new device).
* ``sync --data-dir D`` runs one round and prints a summary; the exit code is 0
  only when everything written on this laptop is acknowledged by the server
  (1: some events still pending or quarantined; 2: an error, explained).

The password comes from ``KTPE_PASSWORD`` or is asked for; the user from
``--user`` (default: the first lead of the data folder).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ktpe_desktop.commands._common import open_store_for_cli


def register(sub: Any) -> None:
    p = sub.add_parser(
        "enroll",
        help="daftarkan laptop ke server / enrol this laptop with a server",
        description="Daftarkan laptop ini ke server dengan kode sekali pakai dari admin.",
    )
    p.add_argument("url", help="alamat server, mis. https://ktpe.example.go.id")
    p.add_argument("code", help="kode pendaftaran sekali pakai dari admin")
    _add_store_arguments(p)
    p.add_argument("--ca", dest="ca_file", default=None, help="berkas CA (PEM) untuk dipercaya")
    p.add_argument("--keyring", action="store_true", help="simpan token di keyring sistem")
    p.add_argument(
        "--new-device",
        action="store_true",
        help="daftar ulang sebagai perangkat BARU setelah catatan hilang (pemulihan) / "
        "re-enrol as a NEW device after events were lost for good",
    )
    p.set_defaults(func=cmd_enroll)

    q = sub.add_parser(
        "sync",
        help="sinkronkan sekali / run one sync round",
        description="Kirim data yang belum terkirim dan unduh perubahan daftar siswa "
        "(satu putaran). Kode keluar 0 hanya jika semua data sudah diterima server.",
    )
    _add_store_arguments(q)
    q.add_argument(
        "--purge", action="store_true", help="hapus data pribadi sekolah yang masa simpannya lewat"
    )
    q.set_defaults(func=cmd_sync)


def _add_store_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", required=True, help="folder data laptop")
    p.add_argument("--user", default=None, help="pengguna lokal (bawaan: koordinator pertama)")


def cmd_enroll(args: argparse.Namespace) -> int:
    from ktpe_desktop.services.sync_service import SyncService

    store = open_store_for_cli(args)
    try:
        service = SyncService(store)
        if args.new_device:
            enr, replaced = service.enrol_as_new_device(
                args.url, args.code, args.ca_file, use_keyring=args.keyring
            )
            for line in replaced.lines():
                print(line)
            print("Jalankan sync untuk mengirimnya. / Run sync to send them.")
        else:
            enr = service.enrol(args.url, args.code, args.ca_file, use_keyring=args.keyring)
        print(f"Terdaftar di {enr.server_url} (tim {enr.team}); perangkat {enr.device_id}.")
        print(f"Enrolled with {enr.server_url} (team {enr.team}); device {enr.device_id}.")
        service.close()
        return 0
    finally:
        store.close()


def cmd_sync(args: argparse.Namespace) -> int:
    from ktpe_desktop.services.sync_service import SyncService

    store = open_store_for_cli(args)
    try:
        service = SyncService(store)
        service.recover()
        summary = service.run_round()
        purged = service.purge_expired() if args.purge and summary.error is None else []
        service.close()
    finally:
        store.close()
    skew = "—" if summary.clock_skew_s is None else f"{summary.clock_skew_s:+.0f} s"
    print(
        f"Terkirim {summary.pushed}, diterima server {summary.acked}, "
        f"belum terkirim {summary.pending_left}, dikarantina {summary.quarantined}, "
        f"siswa diunduh {summary.pulled_students}, peristiwa diunduh {summary.pulled_events}, "
        f"selisih jam {skew}."
    )
    print(
        f"sent={summary.pushed} acked={summary.acked} pending={summary.pending_left} "
        f"quarantined={summary.quarantined} students={summary.pulled_students} "
        f"events={summary.pulled_events} clock_skew={skew}"
    )
    for p in purged:
        print(f"Data pribadi sekolah {p.npsn} dihapus ({p.students} siswa).")
    if summary.clock_warning:
        print(
            "Peringatan: jam laptop berbeda lebih dari 5 menit dari server; periksa tanggal "
            "dan jam. / Warning: this laptop's clock is more than 5 minutes off the server's.",
            file=sys.stderr,
        )
    if summary.error:
        print(f"Kesalahan: {summary.error}", file=sys.stderr)
        return 2
    return 0 if summary.all_acknowledged else 1
