"""Reading the numbers a text states, whatever their typography."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimex.checks.figures import find_figures, shown


def values(text: str) -> list[str]:
    return [shown(figure.value) + ("%" if figure.percent else "") for figure in find_figures(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("au moins 30 soldats", ["30"]),
        ("quelque 50.000 hommes", ["50000"]),
        ("50 000 hommes", ["50000"]),
        ("50\u00a0000 hommes", ["50000"]),
        ("50\u202f000 hommes", ["50000"]),
        ("50000 hommes", ["50000"]),
        ("1,000,000 people", ["1000000"]),
        ("3,5 %", ["3.5%"]),
        ("3.5 percent", ["3.5%"]),
        ("30 pour cent", ["30%"]),
        ("0.125", ["0.125"]),
        ("1.234,5", ["1234.5"]),
        ("130 et 300 soldats", ["130", "300"]),
        ("le 12.03.2024", ["12", "3", "2024"]),
        ("en 2023 500 soldats", ["2023", "500"]),
        ("son article 4", ["4"]),
        ("2014-2015", ["2014", "2015"]),
        ("-5 degrés", ["-5"]),
        ("3 millions d'euros", ["3000000"]),
        ("1,5 milliard", ["1500000000"]),
        ("dix mille soldats", ["10000"]),
        ("trente soldats", ["30"]),
        ("quatre-vingt-dix", ["90"]),
        ("vingt et un", ["21"]),
        ("soixante et onze", ["71"]),
        ("deux cent mille", ["200000"]),
        ("ten thousand troops", ["10000"]),
        ("twenty-one", ["21"]),
        ("one hundred and five", ["105"]),
        ("un accord, une aide, one deal", []),
        ("un million", ["1000000"]),
    ],
)
def test_numbers_are_read_as_values(text: str, expected: list[str]) -> None:
    assert values(text) == expected


def test_figures_know_where_they_are() -> None:
    text = "Selon eux, au moins 30 soldats et 50.000 hommes, soit 3,5 %."
    for figure in find_figures(text):
        assert text[figure.start : figure.end] == figure.text
    assert [figure.text for figure in find_figures(text)] == ["30", "50.000", "3,5 %"]


@given(
    st.integers(min_value=1000, max_value=999_999_999), st.sampled_from([".", " ", "\u00a0", "\u202f", ","])
)
def test_any_grouping_of_a_whole_number_is_that_number(number: int, separator: str) -> None:
    grouped = f"{number:,}".replace(",", separator)
    assert [figure.value for figure in find_figures(f"soit {grouped} soldats")] == [Decimal(number)]


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_a_number_is_never_read_inside_another(inner: int, outer: int) -> None:
    text = f"il y a {outer}{inner} soldats"
    read = find_figures(text)
    assert len(read) == 1 and read[0].value == Decimal(f"{outer}{inner}")
