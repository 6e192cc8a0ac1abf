"""The constructed dataset of the differencing attacks (not a test module).

One department (D01) has 4 children and its institution (I01) 9; min_n is 5. In D02 the
same children are only 3 in both rounds (5, 6, 7) while each round has 5 (8, 9 leave
after T1; 10, 11 arrive in T2). Three institutions in two clusters, one measure
("sprog", two items, 1-5, low below 2.5, high from 4).

:func:`build` writes it. By default the answers are random (``numpy`` seed 16, what
``test_adv_differencing`` has always used); ``score`` chooses each child's two item
values instead, so that a test can make the small groups' numbers unmistakable
(:func:`marked_score`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

MIN_N = 5
META = f'''name = "Angrebskommune"
sector = "dagtilbud"
rounds = ["T1", "T2"]
min_n = {MIN_N}
synthetic = true
'''

# department -> (institution, cluster); children per department and round
UNITS = {"D01": ("I01", "K1"), "D02": ("I01", "K1"), "D03": ("I02", "K1"),
         "D04": ("I02", "K1"), "D05": ("I03", "K2"), "D06": ("I03", "K2")}
ROSTER = {
    "T1": {"D01": [1, 2, 3, 4], "D02": [5, 6, 7, 8, 9], "D03": list(range(12, 18)),
           "D04": list(range(18, 24)), "D05": list(range(24, 31)), "D06": list(range(31, 36))},
    "T2": {"D01": [1, 2, 3, 4], "D02": [5, 6, 7, 10, 11], "D03": list(range(12, 18)),
           "D04": list(range(18, 24)), "D05": list(range(24, 31)), "D06": list(range(31, 36))},
}

#: The same, with groups large enough to be shown split by background at every level
#: except I01 (I02 and I03 get two more children of parents with a short education,
#: so that a cluster's split minus an institution's would leave I01's 3 behind), and
#: with D06 keeping only 3 of its 5 children from T1 to T2 (5 in each round).
ROSTER_SPLIT = {
    rnd: {d: cs + {"D03": [39, 42], "D05": [45, 48]}.get(d, []) for d, cs in depts.items()}
    for rnd, depts in ROSTER.items()}
ROSTER_SPLIT["T2"]["D06"] = [31, 32, 33, 37, 38]

#: ``score(round, department, child, rng) -> (value of s1, value of s2)``
Score = Callable[[str, str, int, np.random.Generator], tuple[int, int]]


def _random_score(rnd: str, dept: str, child: int, rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(1, 6)), int(rng.integers(1, 6))


def sex(child: int) -> str:
    return "Pige" if child % 2 else "Dreng"


def education(child: int) -> str:
    return "Grundskole" if child % 3 == 0 else "Lang videregående"


def build(folder: Path, score: Score | None = None,
          roster: dict[str, dict[str, list[int]]] | None = None) -> Path:
    """Write the dataset into ``folder`` (a new folder) and return it (``roster``:
    children per round and department, :data:`ROSTER` by default)."""
    score = score or _random_score
    roster = roster or ROSTER
    rng = np.random.default_rng(16)
    folder.mkdir(parents=True)
    (folder / "dataset.toml").write_text(META, encoding="utf-8")
    pd.DataFrame({
        "department_id": list(UNITS), "department_name": [f"Stue {d}" for d in UNITS],
        "institution_id": [v[0] for v in UNITS.values()],
        "institution_name": [f"Hus {v[0]}" for v in UNITS.values()],
        "cluster": [v[1] for v in UNITS.values()], "area": ["Øst"] * len(UNITS),
    }).to_csv(folder / "units.csv", index=False)
    kids = sorted({c for r in roster.values() for cs in r.values() for c in cs})
    pd.DataFrame({
        "child_id": [f"C{c:03d}" for c in kids],
        "birth_year": [2011] * len(kids),
        "sex": [sex(c) for c in kids],
        "parent_education": [education(c) for c in kids],
    }).to_csv(folder / "children.csv", index=False)
    pd.DataFrame({"measure_id": ["sprog"], "label": ["Sprog"], "source": ["pædagog"],
                  "subject": ["child"], "scale_min": [1], "scale_max": [5],
                  "low_cut": [2.5], "high_cut": [4]}).to_csv(folder / "measures.csv", index=False)
    pd.DataFrame({"item_id": ["s1", "s2"], "measure_id": ["sprog", "sprog"],
                  "text": ["Fortæller", "Lytter"]}).to_csv(folder / "items.csv", index=False)
    rows = []
    for rnd, depts in roster.items():
        for dept, cs in depts.items():
            for c in cs:
                values = score(rnd, dept, c, rng)
                for item, value in zip(("s1", "s2"), values, strict=True):
                    rows.append((rnd, item, dept, f"C{c:03d}", int(value)))
    pd.DataFrame(rows, columns=["round", "item_id", "department_id", "child_id", "value"]
                 ).to_csv(folder / "responses.csv", index=False)
    return folder


#: Item values of the four children of D01 (all low: scores 1-2) per round.
_D01 = {"T1": {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (1, 1)},
        "T2": {1: (2, 2), 2: (1, 2), 3: (2, 2), 4: (1, 1)}}


def marked_score(rnd: str, dept: str, child: int, rng: np.random.Generator) -> tuple[int, int]:
    """Scores that make every small group's number unmistakable.

    D01's children score 1.0-2.0 (all "low"), D02's three stayers exactly 3.0 (neither low
    nor high), the two who leave and the two who arrive 5.0, and every other child 4.0 or
    4.5 (all "high"); children 31-33 (D06's stayers in :data:`ROSTER_SPLIT`) go from 4.0 to
    5.0, a change no larger group has. No mean of groups without D01 can come near D01's
    mean (1.4-1.6), so a computed number that matches a secret within rounding is no
    coincidence. D01's means (1.375 in T1, 1.625 in T2) are numbers no other group has.
    """
    if dept == "D01":
        return _D01[rnd][child]
    if child in (5, 6, 7):
        return 3, 3
    if child in (8, 9, 10, 11):
        return 5, 5
    if child in (31, 32, 33):   # D06's stayers in ROSTER_SPLIT: 4.0 -> 5.0, a change of +1
        return (4, 4) if rnd == "T1" else (5, 5)
    return ((4, 4), (4, 5), (5, 4))[int(rng.integers(0, 3))]
