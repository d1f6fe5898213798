"""Malformed quiz data (TOML) is reported as QuizDataError naming the file and the line,
never as another exception: hypothesis cuts, duplicates and garbles a real bank file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interactive.quiz import DATA_DIR, QuizDataError, load_file

BANK = (DATA_DIR / "asyncio.toml").read_text(encoding="utf-8")
WHERE = re.compile(
    r"^asyncio\.toml(:\d+|: invalid TOML: .*\(at (line \d+|end of document))", re.DOTALL
)
"""``file:line``, or tomllib's own position (a line, or the end of the document)."""


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """The bank with one slice replaced by junk (TOML punctuation, quotes, keys, nothing)."""
    start = draw(st.integers(0, len(BANK)))
    end = draw(st.integers(start, min(len(BANK), start + 200)))
    junk = draw(
        st.text(st.sampled_from("[]{}=\"'\n#.,-01abc answer choices id topic"), max_size=30)
    )
    return BANK[:start] + junk + BANK[end:]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=damaged())
def test_damaged_quiz_data_names_file_and_line(text: str, tmp_path: Path) -> None:
    path = tmp_path / "asyncio.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_file(path)
    except QuizDataError as error:
        assert WHERE.match(str(error)), str(error)


def test_a_truncated_bank_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "asyncio.toml"
    cut = BANK.index("[[question]]", 10)
    path.write_text(BANK[:cut] + "id = = 3\n" + BANK[cut:], encoding="utf-8")
    with pytest.raises(QuizDataError, match=r"asyncio\.toml.*line \d+"):
        load_file(path)
