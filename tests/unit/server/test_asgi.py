"""The worker's app factory: its collector settings (issue 18, session 10)."""

from __future__ import annotations

from typing import Any

import pytest

from ktpe_server import asgi


def test_worker_freezes_startup_objects_and_raises_gen0_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(asgi, "create_app", lambda *a, **kw: "app")
    monkeypatch.setattr(asgi.Settings, "from_env", classmethod(lambda cls: None))
    monkeypatch.setattr(asgi.gc, "freeze", lambda: calls.append(("freeze", ())))
    monkeypatch.setattr(asgi.gc, "get_threshold", lambda: (700, 10, 10))
    monkeypatch.setattr(asgi.gc, "set_threshold", lambda *t: calls.append(("threshold", t)))
    assert asgi.app_from_env() == "app"
    assert calls == [("freeze", ()), ("threshold", (asgi.GC_GEN0_THRESHOLD, 10, 10))]
    assert asgi.GC_GEN0_THRESHOLD >= 10_000
