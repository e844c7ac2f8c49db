"""Small helpers of the ingest, against the definitions they stand for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core.hlc import Hlc
from ktpe_server.ingest import _hlc_wall

hlc_like = st.one_of(
    st.builds(
        lambda w, c: Hlc(w, c).encode(), st.integers(0, 10**15 - 1), st.integers(0, 10**5 - 1)
    ),
    st.text(alphabet="0123456789-٣x", min_size=19, max_size=23),
    st.text(),
)


@given(hlc_like)
def test_hlc_wall_is_decode(text: str) -> None:
    try:
        expected = Hlc.decode(text).wall_ms
    except ValueError:
        with pytest.raises(ValueError):
            _hlc_wall(text)
    else:
        assert _hlc_wall(text) == expected
