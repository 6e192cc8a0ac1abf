"""Tests of the sector profiles (llkit.data.profiles)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from llkit.data.profiles import ITEM_COLUMNS, MEASURE_COLUMNS, PROFILES, Profile, get_profile

THEMES = [
    "Alsidig personlig udvikling",
    "Social udvikling",
    "Kommunikation og sprog",
    "Krop, sanser og bevægelse",
    "Natur, udeliv og science",
    "Kultur, æstetik og fællesskab",
]
LABEL_KEYS = ["municipality", "area", "cluster", "institution", "department", "children",
              "child", "institutions", "departments"]
SUBJECTS = {"child", "respondent", "department"}


def test_known_profiles() -> None:
    assert set(PROFILES) == {"dagtilbud", "skole"}
    assert isinstance(PROFILES, dict)
    for key, p in PROFILES.items():
        assert isinstance(p, Profile)
        assert p.sector == key
        assert get_profile(key) is p
    assert get_profile(" Skole ").sector == "skole"


def test_unknown_sector_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as exc:
        get_profile("gymnasium")
    msg = str(exc.value)
    assert "gymnasium" in msg and "dagtilbud" in msg and "skole" in msg


def test_labels() -> None:
    dt, sk = get_profile("dagtilbud"), get_profile("skole")
    for p in (dt, sk):
        for key in LABEL_KEYS:
            assert p.labels.get(key), f"{p.sector} lacks label {key}"
    assert dt.labels["institution"] == "Dagtilbud"
    assert dt.labels["department"] == "Stue/gruppe"
    assert dt.labels["children"] == "Børn"
    assert dt.labels["municipality"] == "Kommune"
    assert sk.labels["institution"] == "Skole"
    assert sk.labels["department"] == "Klasse"
    assert sk.labels["children"] == "Elever"
    assert sk.labels["child"] == "Elev"


def test_background_orders() -> None:
    for p in PROFILES.values():
        assert p.background["parent_education"] == [
            "Grundskole", "Gymnasial", "Erhvervsfaglig", "Kort videregående",
            "Mellemlang videregående", "Lang videregående"]
        assert p.background["sex"] == ["Pige", "Dreng"]
        assert p.background["language"] == ["Dansk", "Dansk og andet sprog", "Andet sprog"]
        attr, low, high = p.gap_default
        assert attr in p.background
        assert low and high and not set(low) & set(high)
        assert set(low) | set(high) <= set(p.background[attr])
        assert p.default_rounds == ["T1", "T2", "T3"]


@pytest.mark.parametrize("sector", ["dagtilbud", "skole"])
def test_measures_and_items_are_complete(sector: str) -> None:
    p = get_profile(sector)
    m, it = p.measures, p.items
    assert list(m.columns) == MEASURE_COLUMNS
    assert list(it.columns) == ITEM_COLUMNS
    assert m.measure_id.is_unique and it.item_id.is_unique
    for mid in m.measure_id:
        assert re.fullmatch(r"[a-z][a-z0-9_]{1,15}", mid), mid
    for iid in it.item_id:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", iid), iid
    assert set(it.measure_id) == set(m.measure_id)
    n_items = it.groupby("measure_id").size()
    for row in m.itertuples():
        assert row.label and row.group
        assert row.subject in SUBJECTS
        assert row.source in p.source_labels, row.source
        assert row.scale_min < row.scale_max
        assert row.min_items >= 1 and n_items[row.measure_id] >= row.min_items
        assert row.scale_min <= row.low_cut < row.high_cut <= row.scale_max
        assert row.higher_is_better
    assert it.text.str.len().min() > 5
    assert it.reverse.dtype == bool and it.reverse.any()
    assert m.scale_min.dtype == np.float64 and m.min_items.dtype == np.int64


def test_dagtilbud_instruments() -> None:
    p = get_profile("dagtilbud")
    m = p.measures.set_index("measure_id")
    themes = m[m.group == "Læreplanstemaer"]
    assert themes.label.tolist() == THEMES
    assert (themes.source == "pædagog").all() and (themes.subject == "child").all()
    assert (themes.scale_min == 1).all() and (themes.scale_max == 5).all()
    assert p.themes == THEMES
    barn = m[m.source == "barn"]
    assert len(barn) >= 2 and (barn.scale_max == 3).all() and (barn.subject == "child").all()
    assert p.value_labels["barn"] == {1: "sur", 2: "neutral", 3: "glad"}
    assert (m[m.source == "forælder"].subject == "child").all()
    staff = m[m.source == "medarbejder"]
    assert {"tillid", "samarbejde", "evaluering"} <= set(staff.index)
    assert (staff.subject == "respondent").all()
    obs = m[m.source == "observatør"]
    assert len(obs) >= 3 and (obs.subject == "department").all() and (obs.scale_max == 7).all()
    assert {"Læreplanstemaer", "Trivsel", "Børnenes stemme", "Forældre", "Medarbejdere",
            "Læringsmiljø"} <= set(m.group)
    # at least one reverse item in some of the curriculum themes
    it = p.items
    assert it[it.measure_id.isin(themes.index)].reverse.any()


def test_skole_instruments() -> None:
    p = get_profile("skole")
    m = p.measures.set_index("measure_id")
    well = m[m.source == "elev"]
    assert set(well.label) == {"Faglig trivsel", "Social trivsel", "Støtte og inspiration",
                               "Ro og orden"}
    assert (well.scale_min == 1).all() and (well.scale_max == 5).all()
    tests = m[m.source == "test"]
    assert len(tests) >= 2
    assert (tests.scale_min == 1).all() and (tests.scale_max == 100).all()
    assert (tests.low_cut == 15).all()
    assert (p.items.groupby("measure_id").size()[tests.index] == 1).all()
    assert (m[m.source == "medarbejder"].subject == "respondent").all()
    assert p.items[p.items.measure_id.isin(well.index)].reverse.any()


def test_tables_are_fresh_copies() -> None:
    p = get_profile("dagtilbud")
    m = p.measures
    m.loc[0, "label"] = "changed"
    assert p.measures.loc[0, "label"] != "changed"
    assert isinstance(p.items, pd.DataFrame)
    assert p.measure_label("sprog") == "Kommunikation og sprog"
    assert p.measure_label("ukendt") == "ukendt"
