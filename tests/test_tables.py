"""show_table: the one way to show a table escapes everything and formats numbers for readers."""

import math

import pandas as pd
import pytest

from nhsbook.tables import MINUS, format_value, make_table, with_minus

ATTACK = "<img src=x onerror=alert(3)>"


def test_every_text_is_escaped():
    frame = pd.DataFrame({ATTACK: [ATTACK], "n": [1]}, index=pd.Index([ATTACK], name="k"))
    table = make_table(frame, caption=ATTACK, index=ATTACK, columns={ATTACK: ATTACK, "n": "N"})
    page = table._repr_html_()
    assert "<img" not in page
    # region label, caption, index header, column header, index cell, data cell
    assert page.count("&lt;img src=x onerror=alert(3)&gt;") == 6


def test_numbers_for_readers():
    assert format_value(-0.5, "{:+.2f}") == f"{MINUS}0.50"
    assert format_value(1234567) == "1,234,567"
    assert format_value(-0.123) == f"{MINUS}0.12"
    assert format_value(math.nan) == "\u2013"
    assert format_value(math.inf) == "∞"
    assert format_value(0.2346, ".1%") == "23.5%"
    assert with_minus("95% CI -0.21 to -0.08; RXL-1") == f"95% CI {MINUS}0.21 to {MINUS}0.08; RXL-1"


def test_headers_and_caption_are_required():
    frame = pd.DataFrame({"p_val": [0.5]})
    with pytest.raises(ValueError, match="caption"):
        make_table(frame, caption=" ")
    with pytest.raises(ValueError, match="header"):
        make_table(frame, caption="c", columns={"p_val": ""})
    with pytest.raises(KeyError, match="no columns"):
        make_table(frame, caption="c", columns={"missing": "M"})
    assert make_table(frame, caption="c").headers == ["P val"]


def test_no_index_unless_asked_and_same_bytes_every_time():
    frame = pd.DataFrame({"a": [1, 2]}, index=[10, 20])
    first = make_table(frame, caption="c", columns={"a": "A"})
    assert "10" not in first._repr_html_()
    assert first._repr_html_() == make_table(frame, caption="c", columns={"a": "A"})._repr_html_()
    assert make_table(frame, caption="c", index="Key").headers == ["Key", "A"]


def test_p_values_for_readers():
    from nhsbook.tables import format_p

    assert (format_p(0.00016), format_p(0.0039), format_p(0.31)) == ("< 0.001", "0.0039", "0.31")
