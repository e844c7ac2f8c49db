"""docs/sync-protocol.md and the OpenAPI document say the same thing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi.testclient import TestClient

from ktpe_desktop.core.protocol import ItemStatus
from ktpe_server.errors import ERROR_CODES
from ktpe_server.ingest import MESSAGES

DOC = Path(__file__).parents[3] / "docs" / "sync-protocol.md"


def test_every_documented_path_is_in_openapi(client: TestClient) -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(GET|POST) (/api/v1/[a-z/-]+)`", text))
    assert len(documented) >= 8
    spec = client.get("/openapi.json").json()
    published = {(meth.upper(), path) for path, ops in spec["paths"].items() for meth in ops}
    assert documented == published
    push = spec["paths"]["/api/v1/sync/events"]["post"]
    assert "PushBody" in str(push["requestBody"])
    assert "PushBody" in spec["components"]["schemas"]


def test_every_code_and_status_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, (status, _msg) in ERROR_CODES.items():
        assert re.search(rf"\| {status} \| `{code}` \|", text), code
    for st in ItemStatus:
        assert f"`{st.value}`" in text, st
    for code in MESSAGES:
        assert f"`{code}`" in text, code


def test_canonical_example_hashes_as_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```text\n(.+?)\n```", text, re.S)
    assert block is not None
    digest = hashlib.sha256(block.group(1).encode("utf-8")).hexdigest()
    assert f"`{digest}`" in text
