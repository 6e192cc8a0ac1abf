"""Danish number format and sentences: exact strings."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import llkit.present.text as tx
from llkit.present.text import (
    describe_change,
    describe_difference,
    describe_funnel_flag,
    describe_gap_change,
    describe_reliable_change,
    fmt_int,
    fmt_interval,
    fmt_number,
    fmt_percent,
    gap_trend,
    suppressed_text,
)

M = "\u2212"  # minus sign
S = "\u00a0"  # no-break space


def test_docstring_examples_run():
    assert doctest.testmod(tx).failed == 0


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (3.4, 1, "3,4"),
        (3.35, 1, "3,4"),  # half up, as written
        (2.45, 1, "2,5"),
        (0.25, 1, "0,3"),
        (1250, 0, "1.250"),
        (1250.55, 1, "1.250,6"),
        (1234567.891, 2, "1.234.567,89"),
        (-0.3, 1, f"{M}0,3"),
        (-1250, 0, f"{M}1.250"),
        (-0.04, 1, "0,0"),  # no "minus zero"
        (0, 2, "0,00"),
        (7, 0, "7"),
        (np.float64(3.14159), 3, "3,142"),
        (np.int64(12), 0, "12"),
        (float("nan"), 1, "–"),
        (None, 1, "–"),
        (pd.NA, 1, "–"),
    ],
)
def test_fmt_number(x, decimals, expected):
    assert fmt_number(x, decimals) == expected


def test_fmt_number_sign_and_series():
    assert fmt_number(0.3, sign=True) == "+0,3"
    assert fmt_number(-0.3, sign=True) == f"{M}0,3"
    assert fmt_number(0.01, sign=True) == "0,0"
    assert fmt_number(float("inf")) == "∞"
    s = pd.Series([1.25, np.nan, -2.0], index=["a", "b", "c"], name="mean")
    out = fmt_number(s, 2)
    assert out.tolist() == ["1,25", "–", f"{M}2,00"]
    assert list(out.index) == ["a", "b", "c"] and out.name == "mean"


def test_fmt_int_and_percent():
    assert fmt_int(2600) == "2.600"
    assert fmt_int(4.6) == "5"
    assert fmt_int(np.nan) == "–"
    assert fmt_percent(0.123) == f"12{S}%"
    assert fmt_percent(0.125) == f"13{S}%"
    assert fmt_percent(0.145) == f"15{S}%"  # 100 * 0.145 = 14.499999999999998 in binary
    assert fmt_percent(1) == f"100{S}%"
    assert fmt_percent(0.0345, 1) == f"3,5{S}%"
    assert fmt_percent(-0.05, sign=True) == f"{M}5{S}%"
    assert fmt_percent(0.05, sign=True) == f"+5{S}%"
    assert fmt_percent(None) == "–"


def test_fmt_interval():
    assert fmt_interval(3.1, 3.6) == "3,1–3,6"
    assert fmt_interval(3.14, 3.56, 2) == "3,14–3,56"
    assert fmt_interval(-0.34, 0.21) == f"{M}0,3 til 0,2"
    assert fmt_interval(-0.5, -0.1) == f"{M}0,5 til {M}0,1"
    assert fmt_interval(0.08, 0.151, percent=True) == f"8–15{S}%"
    assert fmt_interval(1000, 1500, 0) == "1.000–1.500"
    assert fmt_interval(np.nan, 3.0) == "–"


def test_suppressed_text():
    assert suppressed_text(5) == "færre end 5 børn – vises ikke"
    assert suppressed_text(10, noun="elever") == "færre end 10 elever – vises ikke"
    assert suppressed_text(5, complementary=True) == (
        "vises ikke, så tal for færre end 5 børn ikke kan regnes ud"
    )


def test_suppression_labels_write_a_large_threshold_the_danish_way():
    import copy
    import dataclasses

    import llkit
    from llkit.present import labels

    ds = copy.copy(llkit.load("data/sample/dagtilbud"))
    ds.meta = dataclasses.replace(ds.meta, min_n=1000)
    m = labels.measure_info(ds).index[0]
    assert labels.suppression_text(ds, m, short=True) == "færre end 1.000"
    assert labels.suppression_text(ds, m).startswith("færre end 1.000 ")
    note = labels.suppression_note_html(ds)
    assert note.count("færre end 1.000") == 3 and "1000" not in note


def test_describe_difference():
    assert describe_difference(0.12, -0.1, 0.34) == (
        "Dagtilbuddet ligger 0,1 point over kommunen. "
        "Forskellen er mindre end den statistiske usikkerhed."
    )
    assert describe_difference(0.31, 0.1, 0.52) == (
        "Dagtilbuddet ligger 0,3 point over kommunen. "
        f"Forskellen er større end den statistiske usikkerhed (95{S}%-interval: 0,1–0,5)."
    )
    assert describe_difference(-0.31, -0.52, -0.1, name="Stue Myren", reference="dagtilbuddet") == (
        "Stue Myren ligger 0,3 point under dagtilbuddet. "
        f"Forskellen er større end den statistiske usikkerhed (95{S}%-interval: {M}0,5 til {M}0,1)."
    )
    assert describe_difference(0.02, -0.2, 0.24) == (
        "Dagtilbuddet ligger på niveau med kommunen. "
        "Forskellen er mindre end den statistiske usikkerhed."
    )
    assert describe_difference(0.04, 0.01, 0.07) == (
        "Dagtilbuddet ligger på niveau med kommunen: forskellen er under 0,1 point."
    )
    assert describe_difference(-0.004, -0.007, -0.001, percent=True) == (
        "Dagtilbuddet ligger på niveau med kommunen: forskellen er under 1 procentpoint."
    )
    assert describe_difference(0.4, np.nan, np.nan) == (
        "Dagtilbuddet ligger 0,4 point over kommunen. "
        "Der er for få data til at vurdere den statistiske usikkerhed."
    )
    assert describe_difference(np.nan, np.nan, np.nan) == (
        "Der er ikke data nok til at sammenligne med kommunen."
    )
    assert describe_difference(0.082, 0.021, 0.143, percent=True, name="Skolen") == (
        "Skolen ligger 8 procentpoint over kommunen. "
        f"Forskellen er større end den statistiske usikkerhed (95{S}%-interval: 2–14)."
    )


def test_describe_change():
    assert describe_change(0.24, 0.05, 0.43, paired=True, n=23) == (
        "Fra T1 til T2 er gennemsnittet steget 0,2 point for de samme 23 børn. "
        f"Ændringen er større end den statistiske usikkerhed (95{S}%-interval: 0,1–0,4)."
    )
    assert describe_change(-0.1, -0.35, 0.15, paired=False, from_round="T2", to_round="T3") == (
        "Fra T2 til T3 er gennemsnittet faldet 0,1 point. "
        "Det er ikke de samme børn i de to runder, så ændringen kan også skyldes, "
        "at børnegruppen har ændret sig. "
        "Ændringen er mindre end den statistiske usikkerhed."
    )
    assert describe_change(0.01, -0.2, 0.22, paired=True, noun="elever") == (
        "Fra T1 til T2 er gennemsnittet uændret for de samme elever. "
        "Ændringen er mindre end den statistiske usikkerhed."
    )
    assert describe_change(0.05, 0.01, 0.09, paired=False, noun="elever", percent=True) == (
        "Fra T1 til T2 er andelen steget 5 procentpoint. "
        "Det er ikke de samme elever i de to runder, så ændringen kan også skyldes, "
        "at gruppen har ændret sig. "
        f"Ændringen er større end den statistiske usikkerhed (95{S}%-interval: 1–9)."
    )
    assert describe_change(0.03, 0.01, 0.05, paired=True, n=400) == (
        "Fra T1 til T2 er gennemsnittet uændret for de samme 400 børn. "
        "Ændringen er under 0,1 point."
    )
    assert describe_change(np.nan, np.nan, np.nan, paired=True) == (
        "Der er ikke data nok til at beskrive ændringen fra T1 til T2."
    )


def test_describe_reliable_change():
    assert describe_reliable_change(23, 4, 2) == (
        f"Hos 4 af 23 børn (17{S}%) er der sket en pålidelig fremgang, "
        f"og hos 2 (9{S}%) en pålidelig tilbagegang. "
        "For resten er ændringen ikke større end målingens usikkerhed."
    )
    assert describe_reliable_change(20, 0, 3, noun="elever") == (
        f"Hos 3 af 20 elever (15{S}%) er der sket en pålidelig tilbagegang. "
        "For resten er ændringen ikke større end målingens usikkerhed."
    )
    assert describe_reliable_change(10, 10, 0) == (
        f"Hos 10 af 10 børn (100{S}%) er der sket en pålidelig fremgang."
    )
    assert describe_reliable_change(12, 0, 0) == (
        "Ingen af de 12 børn har ændret sig mere end målingens usikkerhed."
    )
    assert describe_reliable_change(0, 0, 0) == "Ingen børn er målt i begge runder."


def test_describe_funnel_flag():
    assert describe_funnel_flag("within") == (
        "Dagtilbuddet ligger inden for tragtens grænser: "
        "forskellen til gennemsnittet kan skyldes tilfældig variation."
    )
    assert describe_funnel_flag("under", name="Skolen", level=0.95) == (
        f"Skolen ligger under tragtens nedre grænse (95{S}%): "
        "så stor en forskel opstår sjældent ved tilfældighed alene."
    )
    assert describe_funnel_flag("over") == (
        f"Dagtilbuddet ligger over tragtens øvre grænse (99,8{S}%): "
        "så stor en forskel opstår sjældent ved tilfældighed alene."
    )
    assert describe_funnel_flag(None) == (
        "Dagtilbuddet kan ikke placeres i tragtdiagrammet, fordi der er for få data."
    )
    with pytest.raises(ValueError, match="flag"):
        describe_funnel_flag("high")


def test_gap_trend():
    assert gap_trend(0.5, 0.2, -0.5, -0.1) == "narrows"
    assert gap_trend(0.2, 0.5, 0.1, 0.5) == "widens"
    assert gap_trend(-0.5, -0.2, 0.1, 0.5) == "narrows"  # gap in the other direction
    assert gap_trend(0.5, 0.45, -0.3, 0.2) == "unclear"
    assert gap_trend(0.3, -0.3, -0.9, -0.3) == "unclear"  # reversed, same size
    assert gap_trend(0.5, 0.2, np.nan, np.nan) == "unclear"


def test_describe_gap_change():
    groups = "børn af forældre med kort og lang uddannelse"
    assert describe_gap_change(0.52, 0.21, -0.5, -0.1, groups=groups) == (
        f"Forskellen mellem {groups} var 0,5 point i T1 og 0,2 point i T2. "
        "Forskellen er blevet mindre, og ændringen er større end den statistiske usikkerhed."
    )
    assert describe_gap_change(0.2, 0.5, 0.1, 0.5, from_round="T2", to_round="T3") == (
        "Forskellen mellem de to grupper var 0,2 point i T2 og 0,5 point i T3. "
        "Forskellen er blevet større, og ændringen er større end den statistiske usikkerhed."
    )
    assert describe_gap_change(0.12, 0.09, -0.08, 0.02, percent=True) == (
        "Forskellen mellem de to grupper var 12 procentpoint i T1 og 9 procentpoint i T2. "
        "Det er uklart, om forskellen er blevet mindre eller større: "
        "ændringen er mindre end den statistiske usikkerhed."
    )
    assert describe_gap_change(0.3, 0.2, np.nan, np.nan) == (
        "Forskellen mellem de to grupper var 0,3 point i T1 og 0,2 point i T2. "
        "Der er for få data til at vurdere, om forskellen er blevet mindre eller større."
    )
    assert describe_gap_change(np.nan, 0.2, -0.1, 0.1) == (
        "Der er ikke data nok til at følge forskellen mellem de to grupper."
    )
