"""``ktpe-desktop demo …``: the built-in demo campaign in a local encrypted database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ktpe_desktop.commands._common import (
    PASSWORD_ENV,
    add_store_arguments,
    data_dir_of,
    password,
    user_of,
)
from ktpe_desktop.services.demo_service import load_demo, simulate_outcomes
from ktpe_desktop.services.session import is_initialised, open_store
from ktpe_desktop.storage.store import Store

DEMO_DIR = Path("demo-data")
DEMO_USER = "koordinator"
DEMO_PASSWORD = "demo"  # the preview's throwaway database of invented students


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="kampanye demo (data rekaan)")
    sub = demo.add_subparsers(dest="demo_command", metavar="DEMO_COMMAND", required=True)

    p = sub.add_parser("load", help="muat kampanye demo (membuat basis data bila belum ada)")
    add_store_arguments(p)
    p.add_argument("--students", type=int, default=4586, help="jumlah siswa (default 4586)")
    p.add_argument("--seed", type=int, default=2024)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("simulate", help="tulis N hasil perekaman acak lewat layanan perekaman")
    add_store_arguments(p)
    p.add_argument("--outcomes", type=int, required=True)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_simulate)


def _open_or_create(args: argparse.Namespace) -> Store:
    data_dir = data_dir_of(args)
    if is_initialised(data_dir):
        return open_store(data_dir, user_of(args), password())
    return Store.create(data_dir, user_of(args), password(confirm=True))


def cmd_load(args: argparse.Namespace) -> int:
    store = _open_or_create(args)
    try:
        result = load_demo(store, seed=args.seed, students=args.students)
    finally:
        store.close()
    if result.already_loaded:
        print(f"Daftar siswa sudah berisi {result.students} siswa; tidak ada yang dimuat.")
    else:
        print(
            f"Dimuat: {result.schools} sekolah, {result.students} siswa "
            f"({result.seconds:.1f} detik)."
        )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    store = open_store(data_dir_of(args), user_of(args), password())
    try:
        counts = simulate_outcomes(store, args.outcomes, seed=args.seed)
    finally:
        store.close()
    print("Ditulis: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def run_demo_preview(args: argparse.Namespace) -> int:
    """Until the UI lands: the demo campaign in an encrypted database, and its counts.

    Uses ``--data-dir`` when given, else ``./demo-data``; user ``koordinator``,
    password ``$KTPE_PASSWORD`` or ``demo`` (invented data only).
    """
    from ktpe_desktop.commands.db import info_counts

    data_dir = Path(getattr(args, "app_data_dir", None) or DEMO_DIR)
    secret = os.environ.get(PASSWORD_ENV) or DEMO_PASSWORD
    if is_initialised(data_dir):
        store = open_store(data_dir, DEMO_USER, secret)
    else:
        store = Store.create(data_dir, DEMO_USER, secret, display_name="Koordinator Demo")
    try:
        result = load_demo(store)
        info = info_counts(store)
    finally:
        store.close()
    print("KTP-el Jemput Bola — pratinjau demo (antarmuka belum tersedia)")
    print(f"Folder data : {store.data_dir}")
    print(f"Sekolah     : {result.schools}")
    print(f"Siswa       : {info['students']}")
    for status, n in sorted(info["status"].items()):
        print(f"  {status:18} {n}")
    print(f"Peristiwa   : {info['events']}  (belum terkirim: {info['outbox']['pending']})")
    return 0
