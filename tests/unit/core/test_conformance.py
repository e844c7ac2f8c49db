"""The laptop side runs the conformance vectors of docs/conformance/ (issue 12)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop.core.conformance import vector_state
from ktpe_desktop.core.events import Event
from ktpe_desktop.core.protocol import decode_push, decode_push_segments
from ktpe_desktop.core.signing import verify_segment

VECTORS = Path(__file__).resolve().parents[3] / "docs" / "conformance"
FOLD = json.loads((VECTORS / "fold.json").read_text(encoding="utf-8"))
CHAINS = json.loads((VECTORS / "chains.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FOLD["cases"], ids=[c["name"] for c in FOLD["cases"]])
def test_fold_vectors(case: dict[str, Any]) -> None:
    events = [Event.from_json(e) for e in case["events"]]
    assert all(ev.with_valid_hash() for ev in events)
    for seed in range(5):  # any order, any duplicates: the same state
        shuffled = events + events[: seed % 3]
        random.Random(seed).shuffle(shuffled)
        for student, expected in case["expected"].items():
            assert vector_state(student, shuffled) == expected, (case["name"], student)


@pytest.mark.parametrize("case", CHAINS["cases"], ids=[c["name"] for c in CHAINS["cases"]])
def test_chain_vectors_verify_per_row(case: dict[str, Any]) -> None:
    keys = {d["device_id"]: d["public_key"] for d in CHAINS["devices"]}
    chains = decode_push(case["push"])
    segments = decode_push_segments(case["push"], chains)
    verdicts: list[bool] = []
    for chain, segs in zip(chains, segments, strict=True):
        good_until = chain[0].seq - 1
        for seg in segs:
            hashes = [e.hash for e in chain if seg.first_seq <= e.seq <= seg.last_seq]
            if not verify_segment(
                keys[seg.device_id], seg.device_id, seg.first_seq, hashes, seg.sig
            ):
                break
            good_until = seg.last_seq
        broken = False
        for ev in chain:
            ok = not broken and ev.seq <= good_until and ev.with_valid_hash()
            broken = broken or not ok
            verdicts.append(ok)
    assert verdicts == [row["verified"] for row in case["expected"]]
