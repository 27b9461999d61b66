"""Scores as Vietnamese write them: decimal comma, at most two decimals, no trailing zeros."""
import pytest

from app.core.template_helpers import score, score_cell


@pytest.mark.parametrize("value, text", [
    (6.58333, "6,58"), (0.333333, "0,33"), (7.0, "7"), (7.5, "7,5"), (10, "10"), (0, "0"),
    (2.675, "2,68"), (9.999, "10"), (-0.001, "0"), (None, "—")])
def test_score_text(value, text):
    assert score(value) == text


def test_a_score_cell_is_a_number_rounded_to_two_decimals():
    cell = score_cell(6.58333)
    assert isinstance(cell, float) and cell == 6.58
    assert score_cell(None) is None
