"""Attack 3: differencing what a user is actually shown.

The dataset of ``test_adv_differencing`` (``_attack_data``: D01 has 4 children, I01 9,
min_n 5; in D02 only 3 children are in both rounds), with scores that make every small
group's number unmistakable (:func:`_attack_data.marked_score`: D01's children score
1-2, everybody else 3-5). Every shared output is rendered once, the way a user gets it:

- ``llkit batch`` (institution reports with findings, their workbooks, ``tal.xlsx``),
  ``llkit batch --level cluster`` (cluster dialogues), the municipal overview through
  :func:`llkit.apps.report.render`, ``llkit export`` at every level;
- the dashboard's tab HTML for every tab, group, measure and round of every institution
  (``dashboard.context`` / ``view_spec`` / ``ctx.tab``, as ``llkit serve`` calls them);
- e-learning chapters 1-8 for every institution (cells executed in this process) and the
  answer keys of their exercises (correct answer, options' feedback, solution, hints).

The attacker reads that HTML and those workbooks generically: every table cell (with
its row and column labels and the caption), a count of children beside a mean or share,
the unit a label names (``Stue D01``, ``Hus I01``, ``K1``, ``Klyngen``, ``Kommunen``),
the round, the cohort (all children, or the same children in both rounds). It then tries
every subtraction: a shown group minus up to three shown, disjoint groups inside it
(total minus parts, level minus sublevel, a background split of one level minus the same
split of another, all children minus the same children), a change plus one round's mean,
and the middle share from the low and high ones. The weighted algebra
``(n_A*m_A - sum n_B*m_B) / (n_A - sum n_B)`` is carried with the rounding error of the
numbers as displayed; an attack *succeeds* when the group left over has 1-4 children and
the guess matches the truth (computed here from the raw answers) within that error, and
the error is small enough to tell the group apart. Control tests plant a leak and check
that the attacker catches it.

Two datasets (the ``world`` fixture): ``base`` as above, and ``split``, where I02's and
I03's groups by parents' education are large enough to be shown below the municipality
(so a split of a cluster minus that of an institution is tried on real output) and D06
keeps 3 of its 5 children from T1 to T2. Not read: the numbers drawn inside figures
(the dashboard's tabs are mostly figures; their tables are read) and the gap values
themselves (the groups' own means and counts, where shown, are).
"""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _attack_data import MIN_N, ROSTER, ROSTER_SPLIT, UNITS, build, education, marked_score, sex
from _harness import run_cli

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from _nbexec import exec_notebook  # noqa: E402

pytestmark = pytest.mark.slow

INSTITUTIONS = sorted({v[0] for v in UNITS.values()})
CLUSTERS = sorted({v[1] for v in UNITS.values()})
ROUNDS = list(ROSTER)
LOW_CUT, HIGH_CUT = 2.5, 4.0
#: A guess must pin the group down this well to count (means and changes, scale 1-5).
INFORMATIVE = 0.25


# ----------------------------------------------------------------------------- the truth


def _scores(folder: Path) -> pd.DataFrame:
    """Each child's score per round (mean of the two items), from the raw file."""
    r = pd.read_csv(folder / "responses.csv")
    s = r.groupby(["round", "department_id", "child_id"])["value"].mean().rename("score")
    s = s.reset_index()
    s["child"] = s["child_id"].str[1:].astype(int)
    return s


@dataclass(frozen=True)
class Key:
    """What a shown number is about: a round, a unit, a background group and a cohort."""

    round: str
    unit: str                       # department id, institution id, cluster or "all"
    group: tuple[str, str] | None   # (attribute, value) or None for every child
    cohort: str                     # "all" or "paired" (measured in both rounds)


class Truth:
    def __init__(self, folder: Path) -> None:
        self.s = _scores(folder)
        dept = self.s["department_id"]
        self.s["institution_id"] = dept.map({d: v[0] for d, v in UNITS.items()})
        self.s["cluster"] = dept.map({d: v[1] for d, v in UNITS.items()})

    def members(self, key: Key) -> frozenset[int]:
        s = self.s[self.s["round"] == key.round]
        if key.unit != "all":
            col = self._unit_col(key.unit)
            s = s[s[col] == key.unit]
        kids = set(s["child"])
        if key.group is not None:
            attr, value = key.group
            f = sex if attr == "sex" else education
            kids = {c for c in kids if f(c) == value}
        if key.cohort == "paired":
            other = [r for r in ROUNDS if r != key.round]
            for r in other:
                kids &= self.members(Key(r, key.unit, key.group, "all"))
        return frozenset(kids)

    @staticmethod
    def _unit_col(unit: str) -> str:
        if unit in UNITS:
            return "department_id"
        return "institution_id" if unit in INSTITUTIONS else "cluster"

    def value(self, rnd: str, kids: frozenset[int], stat: str) -> float:
        s = self.s[self.s["child"].isin(kids)]
        if stat == "diff":
            by = s.groupby("round")["score"].mean()
            if len(by) < 2:
                return math.nan
            return float(by[ROUNDS[-1]] - by[ROUNDS[0]])
        x = s[s["round"] == rnd]["score"]
        return float({"mean": x.mean(), "low": (x < LOW_CUT).mean(),
                      "high": (x >= HIGH_CUT).mean(),
                      "mid": ((x >= LOW_CUT) & (x < HIGH_CUT)).mean()}[stat])


# ----------------------------------------------------------------------------- observations


@dataclass(frozen=True)
class Obs:
    """One number as shown: its key, statistic, value and rounding error, and the count
    shown beside it (or None)."""

    key: Key
    stat: str       # n, mean, low, mid, high, diff
    value: float
    tol: float
    n: int | None = None
    where: str = ""


_NUM = re.compile(r"[−-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[−-]?\d+(?:,\d+)?")
_HIDDEN = re.compile(r"færre end|vises ikke|^\s*[–-]\s*$|skjult", re.I)


def parse_number(text: str) -> tuple[float, float] | None:
    """The first Danish-format number in ``text`` and half its last displayed digit."""
    m = _NUM.search(text)
    if not m:
        return None
    raw = m.group(0).replace("−", "-").replace(".", "")
    decimals = len(raw.split(",")[1]) if "," in raw else 0
    value = float(raw.replace(",", "."))
    tol = 0.5 * 10 ** -decimals
    if "%" in text[m.end():m.end() + 3]:
        return value / 100, tol / 100
    return value, tol


@dataclass
class Page:
    name: str
    html: str = ""
    institution: str | None = None   # whose page ("Jeres", "Klyngen", unlabelled rows)
    rounds: list[str] = field(default_factory=lambda: list(ROUNDS))
    xlsx: Path | None = None


def _cluster_of(inst: str) -> str:
    return next(v[1] for v in UNITS.values() if v[0] == inst)


def unit_in(text: str, page: Page) -> str | None:
    """The unit a label names, or None."""
    if m := re.search(r"\bStue (D\d\d)\b", text):
        return m.group(1)
    if m := re.search(r"\bHus (I\d\d)\b", text):
        return m.group(1)
    if m := re.search(r"\b(K\d)\b", text):
        return m.group(1)
    if re.search(r"\bKlyngen\b", text) and page.institution:
        return _cluster_of(page.institution)
    if re.search(r"kommune|\bØst\b", text, re.I):
        return "all"
    if re.search(r"Hele institutionen|\bJeres\b|Alle børn|De samme børn", text) and page.institution:
        return page.institution
    return None


def group_in(text: str) -> tuple[str, str] | None:
    t = text.lower()
    if "dreng" in t:
        return ("sex", "Dreng")
    if "pige" in t:
        return ("sex", "Pige")
    if "kortere uddannelse" in t or "grundskole" in t or "lav gruppe" in t:
        return ("parent_education", "Grundskole")
    if "længere uddannelse" in t or "lang videregående" in t or "høj gruppe" in t:
        return ("parent_education", "Lang videregående")
    return None


def round_in(text: str) -> str | None:
    found = re.findall(r"\b(T\d)\b", text)
    return found[-1] if found else None


_STATS = [(r"^Antal", "n"), (r"^Gennemsnit", "mean"), (r"^Lav\b", "low"), (r"^Middel", "mid"),
          (r"^Høj\b", "high"), (r"^Ændring|^Udvikling", "diff")]
_SKIP_TABLES = re.compile(r"forskel mellem|pålidelighed|tragt|variationen|kilde og måling|"
                          r"fokusområder|mål \(lavet|skelnes|målene i jeres", re.I)


def _table_rows(table) -> list[list[str]]:
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in table.find_all("tr")]


def observe_html(page: Page) -> list[Obs]:
    """Every (key, statistic, value) the tables of an HTML page show."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.html, "html.parser")
    out: list[Obs] = []
    for table in soup.find_all("table"):
        cap = table.find("caption")
        caption = cap.get_text(" ", strip=True) if cap else ""
        if _SKIP_TABLES.search(caption):
            continue
        rows = _table_rows(table)
        if len(rows) < 2:
            continue
        head, body = rows[0], rows[1:]
        for row in body:
            label = row[0] if row else ""
            row_unit = unit_in(label, page)
            cohort, paired_n = "all", None
            for cell in row:
                if m := re.match(r"Ja, (\d+)", cell):
                    cohort, paired_n = "paired", int(m.group(1))
            if label.startswith("De samme"):
                cohort = "paired"
            group = group_in(label) or group_in(caption)
            found: dict[str, Any] = {}
            for h, cell in zip(head[1:], row[1:], strict=False):
                if not cell or _HIDDEN.search(cell):
                    continue
                stat = next((s for pat, s in _STATS if re.search(pat, h)), None)
                col_unit = unit_in(h, page)
                rnd = round_in(h) or round_in(caption) or page.rounds[-1]
                if stat in ("low", "high") and col_unit == "all":
                    unit = "all"
                elif stat is None and col_unit is not None:
                    stat, unit = "mean", col_unit
                elif stat is None and (round_in(h) or h in ("Sprog",)):
                    stat, unit = "mean", row_unit or page.institution
                else:
                    unit = row_unit or page.institution or ("all" if page.institution is None
                                                             and "overview" in page.name else None)
                if stat is None or unit is None:
                    continue
                if stat == "n":
                    ns = [int(x) for x in re.findall(r"\d+", cell)]
                    if len(ns) == 2 and "→" in cell:
                        for r_, n_ in zip(ROUNDS, ns, strict=True):
                            out.append(Obs(Key(r_, unit, group, cohort), "n", n_, 0, n_, page.name))
                    elif ns:
                        found.setdefault(unit, {})["n"] = ns[0]
                        out.append(Obs(Key(rnd, unit, group, cohort), "n", ns[0], 0, ns[0], page.name))
                    continue
                num = parse_number(cell)
                if num is None:
                    continue
                value, tol = num
                n = None
                if m := re.search(r"\((\d+)\)\s*$", cell):
                    n = int(m.group(1))
                if stat == "diff":
                    rnd = page.rounds[-1]
                    if cohort == "paired" and paired_n:
                        n = paired_n
                out.append(Obs(Key(rnd, unit, group, cohort), stat, value, tol, n, page.name))
            if paired_n:
                unit = row_unit or page.institution or "all"
                out.append(Obs(Key(page.rounds[-1], unit, group, "paired"), "n", paired_n, 0,
                               paired_n, page.name))
        table.decompose()
    for tag in soup(["style", "script", "img"]):
        tag.decompose()
    return out + observe_text(soup.get_text(" ", strip=True), page)


_CLAUSE = re.compile(r"(?<=[.;!?])\s+|\s+[–—]\s+|\n")


_UNIT_WORD = r"(Hus I\d\d|Stue D\d\d|\bK\d\b|[Kk]lyngens?|[Kk]ommunens?|[Jj]eres|[Hh]os jer)"
_MEAN_TEXT = re.compile(_UNIT_WORD + r"[^.;,%]*?(?:gennemsnit\w*|\bhar\b|\ber\b)"
                        r"(?: det \w+ gennemsnit| på| er)?\s*\(?(\d,\d+)\b(?!\s?%)")
_SHARE_TEXT = re.compile(r"(\d+(?:,\d+)?)\s?%[^.;]*?\b(lav|høj)")
_COUNT_TEXT = re.compile(r"(?<!end )(?<!mindst )\b(\d+) (?:børn|elever)\b")


def observe_text(text: str, page: Page) -> list[Obs]:
    """Numbers in the prose: a unit named just before its mean ("Hus I01 har 2,8",
    "Jeres gennemsnit er 2,8", "kommunens 3,9"), a share low or high beside the unit
    the clause is about ("44 % af jeres 9 børn … lav"), and counts ("9 børn")."""
    out: list[Obs] = []
    where = f"{page.name} (text)"
    for clause in _CLAUSE.split(text):
        if not re.search(r"\d", clause):
            continue
        rnd = round_in(clause) or page.rounds[-1]
        group = group_in(clause)
        cohort = "paired" if re.search(r"de samme|begge gange|både", clause, re.I) else "all"
        unit = unit_in(clause, page)
        if unit is None and re.search(r"\bjeres\b|\bhos jer\b", clause, re.I):
            unit = page.institution
        counts = [int(m.group(1)) for m in _COUNT_TEXT.finditer(clause)]
        n = counts[0] if len(counts) == 1 else None
        if unit is not None and n is not None:
            out.append(Obs(Key(rnd, unit, group, cohort), "n", n, 0, n, where))
        if unit is not None and (m := _SHARE_TEXT.search(clause)):
            value, tol = parse_number(m.group(1) + " %")
            out.append(Obs(Key(rnd, unit, group, cohort), "low" if m.group(2) == "lav" else "high",
                           value, tol, n, where))
        for m in _MEAN_TEXT.finditer(clause):
            u = unit_in(m.group(1), page) or (page.institution if re.match(
                r"[Jj]eres|[Hh]os", m.group(1)) else None)
            if u is None:
                continue
            value, tol = parse_number(m.group(2))
            out.append(Obs(Key(rnd, u, group, cohort), "mean", value, tol,
                           n if u == unit else None, where))
    return out


def observe_xlsx(path: Path) -> list[Obs]:
    """Every number of an ``llkit export`` workbook, by its columns."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    out: list[Obs] = []
    eps = 1e-9
    where = path.name

    def unit(row: dict) -> str:
        return "all" if row.get("Niveau") == "Kommune" or row.get("Niveau") == "Område" \
            else str(row.get("Enheds-id"))

    def add(key: Key, stat: str, value: Any, n: Any = None) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        out.append(Obs(key, stat, float(value), eps, None if n is None else int(n), where))

    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        head = [str(h) for h in rows[0]]
        for values in rows[1:]:
            row = dict(zip(head, values, strict=False))
            if ws.title in ("resultater", "kommunen"):
                k = Key(str(row["Måling"]), unit(row), None, "all")
                add(k, "n", row.get("Antal"), row.get("Antal"))
                add(k, "mean", row.get("Gennemsnit"), row.get("Antal"))
                for col, stat in (("Andel lav", "low"), ("Andel middel", "mid"), ("Andel høj", "high")):
                    add(k, stat, row.get(col), row.get("Antal"))
                if ws.title == "kommunen":
                    add(Key(str(row["Måling"]), "all", None, "all"), "mean", row.get("Kommunen"))
            elif ws.title == "udvikling":
                u, fr, to = unit(row), str(row["Fra måling"]), str(row["Til måling"])
                paired = row.get("Samme børn") == "ja"
                cohort = "paired" if paired else "all"
                nf = row.get("Antal i begge") if paired else row.get("Antal fra")
                nt = row.get("Antal i begge") if paired else row.get("Antal til")
                add(Key(fr, u, None, "all"), "n", row.get("Antal fra"), row.get("Antal fra"))
                add(Key(to, u, None, "all"), "n", row.get("Antal til"), row.get("Antal til"))
                if row.get("Antal i begge") is not None:
                    for r_ in (fr, to):
                        add(Key(r_, u, None, "paired"), "n", row["Antal i begge"], row["Antal i begge"])
                add(Key(fr, u, None, cohort), "mean", row.get("Gennemsnit fra"), nf)
                add(Key(to, u, None, cohort), "mean", row.get("Gennemsnit til"), nt)
                if paired:
                    add(Key(to, u, None, cohort), "diff", row.get("Ændring"), nt)
                else:
                    add(Key(to, u, None, cohort), "diff", row.get("Ændring"))
            elif ws.title == "social_baggrund" and row.get("Baggrund") == "parent_education":
                r_, u = str(row["Måling"]), unit(row)
                for side, value in (("lav", "Grundskole"), ("høj", "Lang videregående")):
                    k = Key(r_, u, ("parent_education", value), "all")
                    add(k, "n", row.get(f"Antal {side} gruppe"), row.get(f"Antal {side} gruppe"))
                    add(k, "mean", row.get(f"Gennemsnit {side} gruppe"), row.get(f"Antal {side} gruppe"))
    wb.close()
    return out


# ----------------------------------------------------------------------------- rendering


@dataclass
class World:
    variant: str
    folder: Path
    truth: Truth
    pages: list[Page]
    exercises: dict[str, list[Any]]    # page name -> the chapter's exercise objects
    timings: dict[str, float] = field(default_factory=dict)


def _cli(*args: str) -> None:
    run = run_cli(*args, timeout=600)
    assert run.returncode == 0, run.output[-3000:]


VARIANTS = {"base": ROSTER, "split": ROSTER_SPLIT}


def render_world(base: Path, variant: str = "base") -> World:
    import time

    from llkit.apps import dashboard, report
    from llkit.apps.exercises import Session

    folder = build(base / "ds", marked_score, VARIANTS[variant])
    pages: list[Page] = []
    timings: dict[str, float] = {}
    t = time.monotonic()
    _cli("batch", str(folder), "--out", str(base / "inst"), "--workers", "1", "-q")
    _cli("batch", str(folder), "--out", str(base / "cluster"), "--level", "cluster",
         "--workers", "1", "-q")
    timings["batch"] = time.monotonic() - t
    for f in sorted((base / "inst" / "html").glob("*.html")):
        pages.append(Page(f"report {f.stem}", f.read_text(encoding="utf-8"), f.stem))
    for f in sorted((base / "cluster" / "html").glob("*.html")):
        pages.append(Page(f"cluster dialogue {f.stem}", f.read_text(encoding="utf-8")))
    pages.append(Page("batch index", (base / "inst" / "index.html").read_text(encoding="utf-8")))
    for f in sorted((base / "inst").rglob("*.xlsx")) + sorted((base / "cluster").rglob("*.xlsx")):
        pages.append(Page(f"workbook {f.relative_to(base)}", xlsx=f))
    t = time.monotonic()
    rendered = report.render(ROOT / "notebooks" / "municipality_overview.ipynb",
                             {"data": str(folder)}, base / "overview", name="overview")
    pages.append(Page("overview", Path(rendered["html"]).read_text(encoding="utf-8")))
    for level in ("department", "institution", "cluster", "area"):
        out = base / f"export-{level}.xlsx"
        _cli("export", str(folder), "--out", str(out), "--level", level)
        pages.append(Page(f"export {level}", xlsx=out))
    timings["overview+export"] = time.monotonic() - t
    t = time.monotonic()
    ctx = dashboard.context(str(folder), warm=False)
    for inst in ctx.allowed:
        spec = dashboard.view_spec(ctx, inst)
        pages.append(Page(f"dashboard {inst} header", "".join(spec["headers"].values()), inst))
        for group, measures in spec["groups"]:
            for _, m in measures:
                for _, rnd in spec["rounds"]:
                    for key, _ in spec["tabs"]:
                        pages.append(Page(f"dashboard {inst} {key} {m} {rnd}",
                                          ctx.tab(key, inst, group, m, rnd), inst, [rnd]))
    timings["dashboard"] = time.monotonic() - t
    t = time.monotonic()
    exercises: dict[str, list[Any]] = {}
    added: list[Any] = []
    orig = Session.add

    def add(self, q):
        added.append(q)
        return orig(self, q)

    Session.add = add
    try:
        for nb in sorted((ROOT / "notebooks" / "elearning").glob("*.ipynb")):
            for inst in INSTITUTIONS:
                added.clear()
                html = "\n".join(exec_notebook(nb, {"data": str(folder), "institution": inst}))
                name = f"e-learning {nb.stem[:2]} {inst}"
                pages.append(Page(name, html, inst))
                exercises[name] = list(added)
    finally:
        Session.add = orig
    timings["e-learning"] = time.monotonic() - t
    return World(variant, folder, Truth(folder), pages, exercises, timings)


@pytest.fixture(scope="module", params=list(VARIANTS))
def world(request, tmp_path_factory) -> World:
    """Every output rendered once per dataset: ``base`` (the differencing dataset) and
    ``split`` (background splits large enough to show below the municipality, and a
    department with 3 of 5 children in both rounds)."""
    return render_world(tmp_path_factory.mktemp(f"rendered-{request.param}"), request.param)


def observations(world: World, extra: list[Page] = ()) -> list[Obs]:
    """What the attacker reads: every page and workbook, and every answer key read like
    a page (its question, hints, solution, options and feedback)."""
    out: list[Obs] = []
    for page in [*world.pages, *extra]:
        out += observe_xlsx(page.xlsx) if page.xlsx else observe_html(page)
    for name, qs in world.exercises.items():
        inst = name.split()[-1]
        for q in qs:
            text = "\n".join(_keys_text(q))
            out += observe_text(text, Page(f"{name} {q.id} (answer key)", institution=inst))
    return out


# ----------------------------------------------------------------------------- the attacker


@dataclass(frozen=True)
class Known:
    """A shown (or derived) number with the children it covers."""

    round: str
    stat: str
    kids: frozenset[int]
    n: int
    value: float
    tol: float
    how: str


def knowledge(world: World, obs: list[Obs]) -> tuple[list[Known], list[str]]:
    """Join every number with its count (shown beside it or anywhere else) and the
    children its label covers; derive what follows from a change and from shares."""
    truth = world.truth
    votes: dict[Key, Counter] = {}
    for o in obs:   # the count shown most often for a key (prose can be misread)
        if o.stat == "n" or o.n is not None:
            votes.setdefault(o.key, Counter())[int(o.n if o.n is not None else o.value)] += 1
    counts = {k: c.most_common(1)[0][0] for k, c in votes.items()}
    known: dict[tuple, Known] = {}
    mismatch = []

    def put(k: Known) -> None:
        old = known.get((k.round, k.stat, k.kids))
        if old is None or k.tol < old.tol:
            known[(k.round, k.stat, k.kids)] = k

    for o in obs:
        if o.stat == "n" or (o.stat == "diff" and o.key.cohort != "paired"):
            continue   # a change of different children is used below, with a round's mean
        kids = truth.members(o.key)
        n = o.n if o.n is not None else counts.get(o.key)
        if n is None or not kids:
            continue
        if n != len(kids):
            mismatch.append(f"{o.where}: {o.key} {o.stat} n={n} but {len(kids)} children")
            continue
        put(Known(o.key.round, o.stat, kids, n, o.value, o.tol, f"{o.where}: {o.key} {o.stat}"))
    # a change and one round's mean of the same children give the other round's mean
    for o in obs:
        if o.stat != "diff":
            continue
        for have in ROUNDS:
            want = ROUNDS[-1] if have == ROUNDS[0] else ROUNDS[0]
            src = next((k for k in list(known.values()) if k.stat == "mean" and k.round == have
                        and k.kids == truth.members(replace(o.key, round=have))), None)
            if src is None:
                continue
            kids = truth.members(replace(o.key, round=want))
            sign = -1 if want == ROUNDS[0] else 1
            put(Known(want, "mean", kids, len(kids), src.value + sign * o.value, src.tol + o.tol,
                      f"{src.how} {'-' if sign < 0 else '+'} change ({o.where})"))
    # the middle share from the low and the high one
    for k in list(known.values()):
        if k.stat == "low":
            hi = known.get((k.round, "high", k.kids))
            if hi is not None:
                put(Known(k.round, "mid", k.kids, k.n, 1 - k.value - hi.value, k.tol + hi.tol,
                          f"1 - low - high of {k.how}"))
    return list(known.values()), mismatch


def _informative(stat: str, tol: float, n: int) -> bool:
    return tol * n < 0.5 if stat in ("low", "mid", "high") else tol < INFORMATIVE


def attack(world: World, obs: list[Obs]) -> list[str]:
    """Every way the shown numbers give the number of a group of 1-4 children."""
    truth = world.truth
    known, _ = knowledge(world, obs)
    leaks = []

    def check(rnd: str, stat: str, kids: frozenset[int], guess: float, tol: float, how: str):
        if not 0 < len(kids) < MIN_N or not _informative(stat, tol, len(kids)):
            return
        real = truth.value(rnd, kids, stat)
        if abs(guess - real) <= tol + 1e-9:
            leaks.append(f"{rnd} {stat} of children {sorted(kids)}: {guess:.3f} "
                         f"(true {real:.3f}, ±{tol:.3f}) from {how}")

    # shown directly
    for k in known:
        check(k.round, k.stat, k.kids, k.value, k.tol, k.how)
    # a shown group minus up to three disjoint shown groups inside it
    by: dict[tuple[str, str], list[Known]] = {}
    for k in known:
        by.setdefault((k.round, k.stat), []).append(k)
    for (rnd, stat), ks in by.items():
        for big in ks:
            inside = [k for k in ks if k.kids < big.kids]
            for r in (1, 2, 3):
                for parts in itertools.combinations(inside, r):
                    union = frozenset().union(*(p.kids for p in parts))
                    if sum(len(p.kids) for p in parts) != len(union):
                        continue
                    rest = big.kids - union
                    if not 0 < len(rest) < MIN_N:
                        continue
                    guess = (big.n * big.value - sum(p.n * p.value for p in parts)) / len(rest)
                    tol = (big.n * big.tol + sum(p.n * p.tol for p in parts)) / len(rest)
                    check(rnd, stat, rest, guess, tol,
                          f"[{big.how}] minus " + " and ".join(f"[{p.how}]" for p in parts))
    return sorted(set(leaks))


# ----------------------------------------------------------------------------- the tests


def test_every_output_was_rendered_and_read(world):
    """The attacker read something from every kind of output (else it proves nothing)."""
    obs = observations(world)
    kinds = {o.where.split(" ")[0] for o in obs}
    read = {w for o in obs for w in [o.where]}
    assert any(w.startswith("report") for w in read), read
    assert any(w.startswith("cluster dialogue") for w in read), read
    assert any(w.startswith("overview") for w in read), read
    assert any(w.startswith("dashboard") for w in read), read
    assert any(w.startswith("e-learning") for w in read), read
    assert any(w.endswith(".xlsx") for w in read), read
    assert kinds
    known, mismatch = knowledge(world, obs)
    assert len(known) > 20
    # the HTML alone (no workbooks) gives the attacker numbers from every kind of page
    html = [o for o in obs if not o.where.endswith(".xlsx")]
    from_html, _ = knowledge(world, html)
    assert len(from_html) > 10
    kinds = {o.where.split(" ")[0] for o in html if o.stat != "n"}
    assert {"report", "cluster", "overview", "dashboard", "e-learning"} <= kinds, kinds
    # a count that does not fit the children a label names means the attacker misread
    assert len(mismatch) <= len(obs) // 10, mismatch[:20]


def test_no_combination_of_rendered_numbers_reveals_a_small_group(world):
    leaks = attack(world, observations(world))
    assert not leaks, "\n".join(leaks[:30])


def _keys_text(q: Any) -> list[str]:
    """Everything an exercise carries that a learner can be shown."""
    texts = [getattr(q, a, "") for a in ("question", "hint", "solution")]
    texts += [label for _, label in getattr(q, "options", [])]
    texts += [str(v) for v in getattr(q, "feedback_map", {}).values()]
    texts += [str(m) for *_, m in getattr(q, "wrong_answers", [])]
    texts.append(str(getattr(q, "correct", "")))
    return [str(t) for t in texts if t]


def _distinctive_secrets(world: World) -> dict[float, tuple]:
    """The means of the small units themselves (a department, institution or cluster of
    1-4 children, all of them: D01) that no group of 5 or more has and that are not whole
    numbers (counts, ranks and places in an answer key are whole): a key holding one of
    these is no coincidence. (Their splits by background are left to the subtraction
    attack, which checks the children behind a number: as bare numbers, the many small
    splits' means, 1.17 and the like, collide with an unrelated difference in a key.)"""
    large = set()
    secrets: dict[float, tuple] = {}
    for rnd, unit, group, cohort, kids in _groups(world):
        v = world.truth.value(rnd, kids, "mean")
        if len(kids) >= MIN_N:
            large.add(round(v, 9))
        elif group is None and cohort == "all" and v != int(v):
            secrets[round(v, 9)] = (rnd, unit, group, cohort, sorted(kids))
    return {v: s for v, s in secrets.items() if v not in large}


def _groups(world: World):
    for rnd in ROUNDS:
        for unit in [*UNITS, *INSTITUTIONS, *CLUSTERS, "all"]:
            for group in [None, ("sex", "Pige"), ("sex", "Dreng"),
                          ("parent_education", "Grundskole"),
                          ("parent_education", "Lang videregående")]:
                for cohort in ("all", "paired"):
                    kids = world.truth.members(Key(rnd, unit, group, cohort))
                    if kids:
                        yield rnd, unit, group, cohort, kids


def _hidden_names(world: World) -> list[str]:
    return [f"Stue {d}" for d in UNITS
            if any(len(world.truth.members(Key(r, d, None, "all"))) < MIN_N for r in ROUNDS)]


def key_findings(world: World, keys: dict[str, list[list[str]]],
                 values: dict[str, list[float]]) -> list[str]:
    """What an answer key gives away: an exact distinctive secret among its numbers (the
    correct answer, the anticipated wrong ones, any number written with 2 or more
    decimals), or a number with decimals in a sentence naming a hidden department."""
    secrets = _distinctive_secrets(world)
    hidden = _hidden_names(world)
    found = []

    def near(v: float, tol: float) -> tuple | None:
        return next((s for x, s in secrets.items() if abs(x - v) <= tol + 1e-9), None)

    for name in keys:
        for v in values.get(name, []):
            if (s := near(v, 0)) is not None:
                found.append(f"{name}: the key holds {v}, the mean of {s}")
        for text in keys[name]:
            for sentence in re.split(r"(?<=[.:;])\s+", text):
                for m in _NUM.finditer(sentence):
                    raw = m.group(0)
                    if "," in raw and len(raw.split(",")[1]) >= 2:
                        v, tol = parse_number(raw)
                        if (s := near(v, tol)) is not None:
                            found.append(f"{name}: {sentence!r} holds the mean of {s}")
                if any(h in sentence for h in hidden) and any("," in x for x in _NUM.findall(sentence)):
                    found.append(f"{name}: {sentence!r} gives a number beside a hidden department")
    return found


def _exercise_keys(world: World) -> tuple[dict[str, list[list[str]]], dict[str, list[float]]]:
    keys: dict[str, list[str]] = {}
    values: dict[str, list[float]] = {}
    for name, qs in world.exercises.items():
        for q in qs:
            where = f"{name} {q.id}"
            keys[where] = _keys_text(q)
            vs = [float(v) for v, *_ in getattr(q, "wrong_answers", [])]
            if isinstance(getattr(q, "correct", None), int | float):
                vs.append(float(q.correct))
            values[where] = vs
    for page in world.pages:
        if page.name.startswith("e-learning"):
            keys[page.name] = [re.sub(r"<[^>]+>", " ", page.html)]
    return keys, values


def test_no_answer_key_reveals_a_small_groups_number(world):
    """An exercise's correct answer, anticipated wrong answers, feedback, solution and
    hints, and a chapter's page, give no number of a group of 1-4 children."""
    keys, values = _exercise_keys(world)
    assert _distinctive_secrets(world)
    found = key_findings(world, keys, values)
    assert not found, "\n".join(found[:30])


def test_control_answer_key_check_catches_a_planted_key(world):
    """A key whose solution names D01's mean (or holds it as the correct answer) is caught."""
    d01 = world.truth.value("T2", world.truth.members(Key("T2", "D01", None, "all")), "mean")
    shown = f"{d01:.2f}".replace(".", ",")
    found = key_findings(world, {"planted": [f"Stue D01 har {shown}.", f"Gennemsnittet er {shown}."]},
                         {"planted": [d01]})
    assert any("the key holds" in f for f in found), found
    assert any("'Gennemsnittet er" in f and "holds the mean" in f for f in found), found
    assert any("beside a hidden department" in f for f in found), found


def test_answer_keys_were_read(world):
    """The e-learning chapters built exercises with answer keys for every institution."""
    assert sum(len(qs) for qs in world.exercises.values()) >= 20
    assert {n.split()[-1] for n, qs in world.exercises.items() if qs} == set(INSTITUTIONS)


def test_rendered_group_splits_across_levels(world):
    """Which outputs show a background split (the gap's two groups) and at which levels.
    In ``base`` only the municipality's groups are large enough; in ``split`` the
    workbooks show the split for clusters and for I03 too (I01's groups are small, so
    I02's are hidden beside them), and the main attack subtracts a split of one level from
    the same split of another with these."""
    splits = {(o.key.unit, o.key.round) for o in observations(world)
              if o.key.group is not None and o.stat != "n"}
    municipality = {("all", r) for r in ROUNDS}
    if world.variant == "base":
        assert splits <= municipality, splits
    else:
        assert {u for u, _ in splits} == {"all", "K1", "K2", "I03"}, splits


# ----------------------------------------------------------------------------- controls


def _planted(caption: str, rows: list[tuple[str, str]], inst: str | None = "I01") -> Page:
    body = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    return Page("planted", f"<table><caption>{caption}</caption><tr><th>Stue/gruppe</th>"
                f"<th>Sprog</th></tr>{body}</table>", inst)


def test_control_attacker_catches_a_shown_small_department(world):
    """A page that shows D01's n and mean is caught as it is."""
    d01 = world.truth.value("T2", world.truth.members(Key("T2", "D01", None, "all")), "mean")
    shown = f"{d01:.1f}".replace(".", ",")
    page = _planted("Gennemsnit (antal børn), T2", [("Stue D01", f"{shown} (4)")])
    leaks = attack(world, observations(world, [page]))
    assert any("T2 mean of children [1, 2, 3, 4]" in x for x in leaks), leaks


def test_control_attacker_catches_the_complement(world):
    """A page that shows D02 (the complement of D01 in I01) gives D01 by subtraction
    from I01's mean in the report."""
    d02 = world.truth.value("T2", world.truth.members(Key("T2", "D02", None, "all")), "mean")
    page = _planted("Gennemsnit (antal børn), T2",
                    [("Stue D02", f"{d02:.1f}".replace(".", ",") + " (5)")])
    leaks = attack(world, observations(world, [page]))
    assert any("children [1, 2, 3, 4]" in x and "minus" in x for x in leaks), leaks


def test_control_attacker_catches_a_split_across_levels(world):
    """A split shown one level down beside the shown one above gives the rest: in
    ``base`` K1's group of children of parents with a short education beside the
    municipality's gives K2's 4; in ``split`` I02's beside K1's gives I01's."""
    unit, rest = ("K1", "K2") if world.variant == "base" else ("I02", "I01")
    label = unit if unit.startswith("K") else f"Hus {unit}"
    edu = ("parent_education", "Grundskole")
    kids = world.truth.members(Key("T2", unit, edu, "all"))
    mean = world.truth.value("T2", kids, "mean")
    page = Page("planted split", "<table><caption>Børn af forældre med kortere uddannelse, T2"
                f"</caption><tr><th>Enhed</th><th>Antal</th><th>Gennemsnit</th></tr><tr><td>{label}</td>"
                f"<td>{len(kids)}</td><td>{mean:.2f}".replace(".", ",") + "</td></tr></table>")
    leaks = attack(world, observations(world, [page]))
    small = sorted(world.truth.members(Key("T2", rest, edu, "all")))
    assert 0 < len(small) < MIN_N
    assert any(f"T2 mean of children {small}" in x for x in leaks), leaks


def test_control_attacker_catches_a_change_beside_a_round(world):
    """D02's unpaired change beside its T1 mean (both planted) gives its T2 mean, and
    with I01's T2 mean in the workbook, D01's."""
    kids = world.truth.members(Key("T1", "D02", None, "all"))
    t1 = world.truth.value("T1", kids, "mean")
    t2 = world.truth.value("T2", world.truth.members(Key("T2", "D02", None, "all")), "mean")
    fmt = f"{t2 - t1:+.1f}".replace(".", ",").replace("-", "−")
    page = Page("planted change", "<table><caption>Fra T1 til T2</caption><tr><th>Stue/gruppe</th>"
                "<th>Antal</th><th>T1</th><th>Ændring</th><th>Samme personer?</th></tr><tr>"
                f"<td>Stue D02</td><td>5</td><td>{t1:.1f}".replace(".", ",")
                + f"</td><td>{fmt}</td><td>Nej</td></tr></table>", "I01")
    leaks = attack(world, observations(world, [page]))
    assert any("T2 mean of children [1, 2, 3, 4]" in x and "change" in x for x in leaks), leaks
