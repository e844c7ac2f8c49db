"""``ktpe-desktop db …``: set up, check, back up and restore the local database.

Every command prints counts only, never a personal datum.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import func, select

from ktpe_desktop.commands._common import (
    add_store_arguments,
    data_dir_of,
    password,
    user_of,
)
from ktpe_desktop.services.audit import audit
from ktpe_desktop.services.session import open_store, open_store_readonly
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.errors import NotInitialised, PermissionDenied
from ktpe_desktop.storage.folderlock import FolderLock
from ktpe_desktop.storage.keyslots import KeySlots, UserRole
from ktpe_desktop.storage.store import KEYSLOTS_FILE, Store, list_backups, recover_folder


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="basis data lokal (terenkripsi)")
    sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)

    p = sub.add_parser("init", help="buat folder data dan pengguna pertama (koordinator)")
    add_store_arguments(p)
    p.add_argument(
        "--display-name", default=None, help="nama lengkap (penanda tangan Berita Acara)"
    )
    p.add_argument("--nip", default=None, help="NIP koordinator (18 angka), bila ada")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("check", help="periksa keutuhan basis data (lengkap)")
    add_store_arguments(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", help="buat cadangan terenkripsi")
    add_store_arguments(p)
    p.add_argument("--reason", default="manual", help="alasan (masuk ke nama berkas)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("info", help="ringkasan isi basis data (jumlah saja)")
    add_store_arguments(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "restore-latest",
        help="pulihkan cadangan baik terakhir + semua peristiwa yang masih terbaca",
    )
    add_store_arguments(p)
    p.set_defaults(func=cmd_restore_latest)

    p = sub.add_parser(
        "salvage",
        help="selamatkan semua peristiwa yang masih terbaca ke basis data baru",
    )
    add_store_arguments(p)
    p.set_defaults(func=cmd_salvage)

    p = sub.add_parser("add-user", help="tambah pengguna lokal (khusus koordinator)")
    add_store_arguments(p)
    p.add_argument("username", help="nama pengguna baru")
    p.add_argument("--role", choices=[r.value for r in UserRole], default="operator")
    p.add_argument("--display-name", default=None, help="nama lengkap")
    p.add_argument("--nip", default=None, help="NIP (18 angka), bila ada")
    p.set_defaults(func=cmd_add_user)

    p = sub.add_parser(
        "set-user", help="ubah nama lengkap / NIP pengguna (penanda tangan Berita Acara)"
    )
    add_store_arguments(p)
    p.add_argument("username", nargs="?", default=None, help="pengguna (bawaan: diri sendiri)")
    p.add_argument("--display-name", default=None, help="nama lengkap")
    p.add_argument("--nip", default=None, help="NIP (18 angka); '' untuk mengosongkan")
    p.set_defaults(func=cmd_set_user)


NO_SIGNER_NAME = (
    "PERHATIAN: nama lengkap belum diisi; Berita Acara akan mencetak garis titik-titik untuk "
    'nama penanda tangan. Isi dengan: ktpe-desktop db set-user --display-name "…" --nip …'
)


def cmd_init(args: argparse.Namespace) -> int:
    from ktpe_desktop.services.paper_settings import PaperSettings, clean_nip

    data_dir = data_dir_of(args)
    nip = clean_nip(args.nip)  # refused before anything is created
    display_name = args.display_name
    if display_name is None and sys.stdin.isatty():
        display_name = input("Nama lengkap (penanda tangan Berita Acara): ").strip() or None
    store = Store.create(data_dir, user_of(args), password(confirm=True), display_name=display_name)
    try:
        if nip is not None:
            PaperSettings(store).set_signer(display_name=None, nip=nip)
        print(f"Folder data dibuat: {store.data_dir}")
        print(f"Perangkat: {store.device_id}")
        print(f"Pengguna: {store.username} (koordinator)")
        if not display_name:
            print(NO_SIGNER_NAME, file=sys.stderr)
    finally:
        store.close()
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    store = Store.open(data_dir_of(args), user_of(args), password(), check="full", readonly=True)
    try:
        problems = store.integrity_check(full=True)
        if problems:
            print("Masalah ditemukan:")
            for line in problems[:20]:
                print(f"  {line}")
            return 1
        # The file can be sound and still miss its last commits (a lost WAL).
        losses = store.flagged_tail_losses()
        current = store.tail_loss()
        if current is not None and current not in losses and store.journal_holds(current):
            print(
                f"Catatan: {current.count} catatan terakhir (seq {current.first}–{current.last}) "
                "belum masuk berkas basis data, tetapi tersimpan di jurnal; dimasukkan saat "
                "aplikasi dibuka berikutnya. / Not in the database file yet, but kept in the "
                "journal: inserted at the app's next opening."
            )
            current = None
        if current is not None and current not in losses:
            losses.append(current)
        kept = store.kept_journals()
        for path in kept:
            print(
                f"PERINGATAN: jurnal {path.name} berisi catatan yang tidak dapat dimasukkan "
                "ke basis data (disimpan, tidak dihapus). Lihat docs/operations.md. / A journal "
                "whose records could not be applied was kept aside."
            )
        if losses:
            for loss in losses:
                print(f"PERINGATAN: {loss.message()}")
            print(
                "Berkas basis data sendiri utuh, tetapi catatan di atas tidak ada lagi di "
                "dalamnya. Jalankan 'ktpe-desktop db salvage' dan lihat docs/operations.md."
            )
            return 1
        if kept:
            return 1
        print(f"Basis data utuh (skema {store.schema_revision()}).")
        for line in replaced_device_lines(store):
            print(line)
        return 0
    finally:
        store.close()


def replaced_device_lines(store: Store) -> list[str]:
    """Notes on the devices this laptop was before a re-enrolment (enroll --new-device)."""
    from ktpe_desktop.sync import state as keys
    from ktpe_desktop.sync.enrolment import REPLACED_DEVICES

    with store.session() as s:
        history = keys.get_json(s, REPLACED_DEVICES)
    out = []
    for item in history if isinstance(history, list) else []:
        if not isinstance(item, dict):
            continue
        gone = item.get("gone") or []
        ranges = ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in gone) or "-"
        out.append(
            f"Catatan: perangkat lama {str(item.get('device_id'))[:8]} diganti oleh "
            f"{str(item.get('replaced_by'))[:8]} pada {str(item.get('at'))[:19]}; seq hilang: "
            f"{ranges} (dilaporkan ke server); {item.get('reissued', 0)} catatan dikirim ulang."
        )
    return out


def cmd_backup(args: argparse.Namespace) -> int:
    store = open_store(data_dir_of(args), user_of(args), password())
    try:
        path = store.backup(args.reason)
        print(f"Cadangan dibuat: {path}")
        return 0
    finally:
        store.close()


def info_counts(store: Store) -> dict[str, Any]:
    """The counts `db info` shows (no personal data)."""
    with store.session() as s:

        def count(model: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        device_id, last_seq, _head = repo.device_head(s)
        statuses = dict(
            s.execute(
                select(m.StudentState.status, func.count()).group_by(m.StudentState.status)
            ).all()
        )
        return {
            "schema": store.schema_revision(),
            "device_id": device_id,
            "last_seq": last_seq,
            "schools": count(m.School),
            "students": count(m.Student),
            "events": count(m.EventRow),
            "status": {str(getattr(k, "value", k)): int(v) for k, v in statuses.items()},
            "outbox": repo.outbox_counts(s),
            "open_anomalies": len(repo.list_anomalies(s)),
            "users": len(store.keyslots.users()),
            "backups": len(list_backups(store.data_dir)),
        }


def cmd_info(args: argparse.Namespace) -> int:
    store = open_store_readonly(data_dir_of(args), user_of(args), password())
    try:
        info = info_counts(store)
    finally:
        store.close()
    print(f"Folder data : {store.data_dir}")
    print(f"Skema       : {info['schema']}")
    print(f"Perangkat   : {info['device_id']} (seq terakhir {info['last_seq']})")
    print(f"Sekolah     : {info['schools']}")
    print(f"Siswa       : {info['students']}")
    for status, n in sorted(info["status"].items()):
        print(f"  {status:18} {n}")
    print(f"Peristiwa   : {info['events']}")
    print("Antrean kirim: " + ", ".join(f"{k} {v}" for k, v in info["outbox"].items()))
    print(f"Anomali     : {info['open_anomalies']}")
    print(f"Pengguna    : {info['users']}")
    print(f"Cadangan    : {info['backups']}")
    return 0


def cmd_restore_latest(args: argparse.Namespace) -> int:
    return _recover(args, use_backup=True)


def cmd_salvage(args: argparse.Namespace) -> int:
    return _recover(args, use_backup=False)


def _recover(args: argparse.Namespace, *, use_backup: bool) -> int:
    """Salvage before restore (``restore-latest``) or salvage alone (``salvage``)."""
    data_dir = data_dir_of(args).resolve()
    user = user_of(args)
    slots = KeySlots(data_dir / KEYSLOTS_FILE)
    if not slots.exists():
        raise NotInitialised(data_dir)
    key = slots.unlock(user, password())
    role = slots.role_of(user)
    if role != UserRole.LEAD:
        raise PermissionDenied("memulihkan basis data")
    # One owner: refuse (and change nothing) while the app or a command holds the folder.
    lock = FolderLock(data_dir).acquire()
    try:
        report, base = recover_folder(data_dir, key, lock=lock, use_backup=use_backup)
        store = Store.open_with_key(data_dir, key, user, role, lock=lock)
    except BaseException:
        lock.release()
        raise
    try:
        with store.transaction() as s:
            audit(
                s,
                store.username,
                m.AuditAction.RESTORE,
                base.name if base is not None else "salvage",
                {"salvage": report.to_json()},
            )
        if base is not None:
            store.meta_set("restored_from", base.name)
    finally:
        store.close()
    for line in report.lines():
        print(line)
    print("Berkas lama disimpan sebagai ktpe.db.broken-* (tidak dihapus).")
    if report.gone or (report.tail_known_seq or 0) > report.own_last_seq:
        print(
            "Peristiwa yang hilang tidak dapat dikembalikan dari laptop ini. Jika sebagian sudah "
            "terkirim, server masih menyimpannya. Jangan merekam dulu: minta kode pendaftaran "
            "baru ke kantor lalu daftarkan ulang laptop sebagai perangkat baru: "
            "'enroll URL KODE --data-dir D --new-device', lalu 'sync' (docs/operations.md, "
            "'Setelah pemulihan'). / The lost events cannot be brought back from this laptop; "
            "do not record yet: re-enrol as a new device with a new code (enroll --new-device)."
        )
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    store = open_store(data_dir_of(args), user_of(args), password())
    try:
        import getpass

        new_password = getpass.getpass(f"Kata sandi untuk {args.username}: ")
        again = getpass.getpass("Ulangi: ")
        if new_password != again:
            print("Kedua kata sandi tidak sama.")
            return 2
        from ktpe_desktop.services.paper_settings import clean_nip

        store.add_user(
            args.username,
            new_password,
            role=args.role,
            display_name=args.display_name,
            nip=clean_nip(args.nip),
        )
        print(f"Pengguna {args.username} ditambahkan ({args.role}).")
        return 0
    finally:
        store.close()


def cmd_set_user(args: argparse.Namespace) -> int:
    from ktpe_desktop.services.paper_settings import PaperSettings

    if args.display_name is None and args.nip is None:
        print("Tidak ada yang diubah: beri --display-name dan/atau --nip.", file=sys.stderr)
        return 2
    store = open_store(data_dir_of(args), user_of(args), password())
    try:
        signer = PaperSettings(store).set_signer(
            args.username, display_name=args.display_name, nip=args.nip
        )
    finally:
        store.close()
    print(
        f"Pengguna {signer.username}: nama {signer.display_name or '(belum diisi)'}, "
        f"NIP {signer.nip or '(tidak ada)'}"
    )
    return 0
