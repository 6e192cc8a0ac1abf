"""What the checks work on: the data, the institution, the measure, the round (:class:`_Ctx`)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.data.memo import cached
from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


class _Skip(Exception):
    """The data lack what an exercise needs; the message says what (Danish)."""


class _BadAnswer(Exception):
    """The answer has the wrong shape; the message says how to fix it (Danish)."""


def _words(ds: Dataset) -> dict[str, str]:
    labels = ds.profile.labels
    school = ds.profile.sector == "skole"
    return {
        "children": labels.get("children", "Børn").lower(),
        "children_def": "eleverne" if school else "børnene",
        "child": "elev" if school else "barn",
        "dept": "klasse" if school else "stue",
        "depts": "klasser" if school else "stuer",
        "dept_def": "klassen" if school else "stuen",
        "depts_def": "klasserne" if school else "stuerne",
        "inst": "skole" if school else "dagtilbud",
        "inst_def": "skolen" if school else "dagtilbuddet",
        "insts": "skoler" if school else "dagtilbud",
        "insts_def": "skolerne" if school else "dagtilbuddene",
        "same_inst": "den samme skole" if school else "det samme dagtilbud",
    }


def pick_measure(ds: Dataset, measure: str | None = None) -> str:
    """The measure the exercises work with: ``measure`` checked against the data, or by
    default the language measure (dagtilbud) or the Danish test (skole) — otherwise the
    first child measure with cut points.

    Examples
    --------
    >>> import llkit
    >>> pick_measure(llkit.load("data/sample/dagtilbud"))
    'sprog'
    """
    known = ds.measures["measure_id"].astype(str).tolist()
    if measure is not None:
        if measure not in known:
            raise KeyError(f"unknown measure {measure!r}; the dataset has: {', '.join(known)}")
        return measure
    m = ds.measures
    is_child = m["subject"].astype(str) == "child"
    with_cut = m.loc[is_child & m["low_cut"].notna(), "measure_id"].astype(str).tolist()
    child = m.loc[is_child, "measure_id"].astype(str).tolist()
    # a measure with answers in the latest round (a measure of an earlier round only, such
    # as a test at the end of primary school, has nothing for the "latest round" tasks)
    last = _measures_in_last_round(ds)
    anything = m["measure_id"].astype(str).tolist()   # no child measure: intro() says so
    for candidates in ([c for c in with_cut if c in last], [c for c in child if c in last],
                       with_cut, child, [c for c in anything if c in last], anything):
        for preferred in ("sprog", "dansk"):
            if preferred in candidates:
                return preferred
        if candidates:
            return candidates[0]
    raise ValueError("the dataset has no measures")  # pragma: no cover - validation refuses it


def _measures_in_last_round(ds: Dataset) -> set[str]:
    r = ds.responses
    answered = r[r["value"].notna()]
    if answered.empty:
        return set()
    rounds = set(answered["round"].astype(str))
    last = [x for x in ds.meta.rounds if str(x) in rounds][-1]
    items = set(answered.loc[answered["round"].astype(str) == str(last), "item_id"].astype(str))
    return set(ds.items.loc[ds.items["item_id"].astype(str).isin(items), "measure_id"].astype(str))


#: The share of scores under the cut points taken from the data's own distribution.
DATA_CUT_SHARES = (0.25, 0.75)


def with_cut_points(ds: Dataset, measure: str) -> Dataset:
    """``ds`` itself when ``measure`` has cut points; otherwise a copy in which the measure
    gets cut points from the data's own distribution (see :data:`DATA_CUT_SHARES`).

    Test scores without ``low_cut`` (national tests, most school data) have no "low" or
    "high" category. The exercises then take the municipality's lowest quarter as low:
    ``low_cut`` is the 25 % quantile and ``high_cut`` the 75 % quantile of all scores of
    the measure in its first round with scores (the later rounds are measured against the
    same line). :func:`intro` says so in Danish.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/skole")
    >>> with_cut_points(ds, "dansk") is ds
    True
    """
    row = ds.measures.loc[ds.measures["measure_id"].astype(str) == measure]
    if row.empty or pd.notna(row["low_cut"].iloc[0]):
        return ds
    return cached(ds, ("seminar-cut-points", measure), lambda: _data_cut_points(ds, measure, row))


def _data_cut_points(ds: Dataset, measure: str, row: pd.DataFrame) -> Dataset:
    from llkit.stats import scoring

    s = scoring.scores(ds, measure)
    s = s[s["score"].notna()]
    if s.empty:
        return ds
    first = [r for r in ds.meta.rounds if (s["round"].astype(str) == str(r)).any()][0]
    values = s.loc[s["round"].astype(str) == str(first), "score"].astype(float)
    low, high = (float(values.quantile(q)) for q in DATA_CUT_SHARES)
    hib = row["higher_is_better"].iloc[0]
    if pd.notna(hib) and not bool(hib):   # lower is better: the highest quarter gives concern
        low, high = high, low
    measures = ds.measures.copy()
    at = measures["measure_id"].astype(str) == measure
    for col in ("low_cut", "high_cut"):
        measures[col] = measures[col].astype(float)
    measures.loc[at, "low_cut"] = low
    measures.loc[at, "high_cut"] = high if high != low else float("nan")
    measures[CUT_FROM_DATA] = at.to_numpy()
    measures.loc[at, CUT_ROUND] = str(first)
    return ds._replace(measures=measures)


#: Extra columns of ``measures`` written by :func:`with_cut_points`.
CUT_FROM_DATA, CUT_ROUND = "cut_from_data", "cut_round"


def _inst_rounds(ds: Dataset, institution: str) -> list[str]:
    depts = set(ds.org.loc[ds.org["institution_id"].astype(str) == institution,
                           "department_id"].astype(str))
    present = set(ds.responses.loc[ds.responses["department_id"].astype(str).isin(depts),
                                   "round"].dropna().astype(str))
    return [str(r) for r in ds.meta.rounds if str(r) in present]


def latest_round(ds: Dataset, institution: str) -> str:
    """The latest round in which ``institution`` has data.

    Examples
    --------
    >>> import llkit
    >>> latest_round(llkit.load("data/sample/dagtilbud"), "I01")
    'T3'
    """
    _check_institution(ds, institution)
    rounds = _inst_rounds(ds, institution)
    if not rounds:   # no answers at all: the dataset's last round (the checks then skip, intro says why)
        return str(ds.meta.rounds[-1])
    return rounds[-1]


def _check_institution(ds: Dataset, institution: str) -> None:
    known = ds.org["institution_id"].astype(str)
    if str(institution) not in set(known):
        raise KeyError(f"unknown institution {institution!r}; the dataset has: "
                       + ", ".join(sorted(known.unique())))


def meeting_teams(ds: Dataset, institution: str, teams: str | Sequence[str] | None = None
                  ) -> list[str]:
    """The 3–4 leadership teams of a cluster meeting: ``teams`` if given (ids, checked),
    otherwise the institutions of ``institution``'s own cluster.

    Examples
    --------
    >>> import llkit
    >>> meeting_teams(llkit.load("data/sample/dagtilbud"), "I02")
    ['I01', 'I02', 'I03', 'I04']
    """
    from llkit.documents import common

    _check_institution(ds, institution)
    if teams is not None and len(teams):
        return common.cluster_institutions(ds, institutions=teams)
    org = ds.org
    cluster = org.loc[org["institution_id"].astype(str) == institution, "cluster"].dropna()
    if cluster.empty:
        return [institution]
    return common.cluster_institutions(ds, str(cluster.iloc[0]))


def intro(ds: Dataset, institution: str, measure: str | None = None) -> Any:
    """A short Danish block: whose data, which measure and scale, how many units.

    Returns an object that displays as HTML in a notebook (and as text otherwise).
    """
    from llkit.present import html as blocks

    _check_institution(ds, institution)
    w = _words(ds)
    org = ds.org[ds.org["institution_id"].astype(str) == institution]
    name = str(org["institution_name"].iloc[0])
    m = pick_measure(ds, measure)
    row = ds.measures.set_index("measure_id").loc[m]
    scale = ""
    if pd.notna(row.get("scale_min")) and pd.notna(row.get("scale_max")):
        scale = (f" på en skala fra {tx.fmt_number(row['scale_min'], 0)} til "
                 f"{tx.fmt_number(row['scale_max'], 0)}")
    cut = _cut_sentence(row)
    if str(row["subject"]) != "child":
        who = "medarbejdere eller andre svarpersoner" if str(row["subject"]) == "respondent" else "stuer eller klasser"
        cut += (f" Data har intet mål for {w['children_def']}, så øvelserne bruger dette mål, der "
                f"beskriver {who}: læs »{w['children']}« i opgaverne som dem, målet beskriver. "
                f"Opgaver, der kræver tal for de enkelte {w['children']}, springes over.")
    sources = ", ".join(ds.profile.source_labels.get(s, s) for s in
                        dict.fromkeys(ds.measures["source"].astype(str)))
    body = (f"<p><b>{html.escape(name)}</b> ({html.escape(institution)}) – "
            f"{len(org)} {w['depts']} i data. Øvelserne bruger målet "
            f"<b>{html.escape(str(row['label']))}</b> (<code>{html.escape(m)}</code>){scale}."
            f"{cut} Kilder i data: {html.escape(sources)}.</p>")
    if not _inst_rounds(ds, institution):
        body += (f"<p>{w['inst_def'].capitalize()} har ingen svar i data, så opgaverne springes "
                 f"over. Tjek, at {w['depts_def']}s department_id i units passer med "
                 "department_id i responses.</p>")
    if getattr(ds.meta, "synthetic", False):
        body += "<p><i>Eksempeldata: alle navne og tal er opdigtede.</i></p>"
    return blocks.Block(body)


def _cut_sentence(row: pd.Series) -> str:
    """Danish: which scores count as low, and where that line comes from."""
    low = row.get("low_cut")
    if pd.isna(low):
        return (" Målet har ingen grænse for en lav score (low_cut), og data har ingen scorer at "
                "sætte den ud fra: opgaver om lave scorer springes over; brug gennemsnittet og "
                "dets interval.")
    hib = row.get("higher_is_better")
    word = "over" if pd.notna(hib) and not bool(hib) else "under"
    line = tx.fmt_number(low, 2 if float(low) % 1 else 0)
    if not bool(row.get(CUT_FROM_DATA, False)):
        return f" En score {word} {line} tæller som lav."
    return (f" Målet har ingen grænse for en lav score (low_cut) i data. Øvelserne bruger derfor "
            f"grænser fra data selv: den fjerdedel af alle scorer i kommunen i "
            f"{row.get(CUT_ROUND)}, der ligger dårligst, tæller som lav – det er en score "
            f"{word} {line}. En lav score betyder her »blandt de laveste i kommunen«, ikke "
            "»under et fagligt fastsat niveau«. Vil I bruge en anden grænse, så skriv den i "
            "kolonnen low_cut i tabellen measures.")


@dataclass
class _Ctx:
    ds: Any
    institution: str
    measure: str
    round: str
    teams: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def w(self) -> dict[str, str]:
        return self.memo("words", lambda: _words(self.ds))

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    @property
    def rounds(self) -> list[str]:
        rounds = self.memo("rounds", lambda: _inst_rounds(self.ds, self.institution))
        if not rounds:
            raise _Skip(f"{self.w['inst_def'].capitalize()} har ingen svar i data – opgaven "
                        "springes over.")
        return rounds

    @property
    def first(self) -> str:
        return self.rounds[0]

    @property
    def name(self) -> str:
        return self.inst_name(self.institution)

    def inst_name(self, inst: str) -> str:
        org = self.ds.org
        return str(org.loc[org["institution_id"].astype(str) == inst, "institution_name"].iloc[0])

    @property
    def label(self) -> str:
        return str(self.ds.measures.set_index("measure_id").loc[self.measure, "label"])

    @property
    def hib(self) -> bool:
        v = self.ds.measures.set_index("measure_id").loc[self.measure, "higher_is_better"]
        return True if pd.isna(v) else bool(v)

    def inst_row(self, round: str | None = None, measure: str | None = None) -> pd.Series:
        from llkit.stats import indicators

        r, m = round or self.round, measure or self.measure

        def make():
            t = indicators.summarize(self.ds, m, by="institution", round=r)
            t = t[t["institution_id"].astype(str) == self.institution]
            if t.empty:
                raise _Skip(f"{self.w['inst_def'].capitalize()} har ingen data for "
                            f"{self.label_of(m)} i {r}.")
            return t.iloc[0]
        return self.memo(("inst", r, m), make)

    def muni_row(self, round: str | None = None, measure: str | None = None) -> pd.Series:
        from llkit.stats import indicators

        r, m = round or self.round, measure or self.measure

        def make():
            t = indicators.summarize(self.ds, m, by=None, round=r)
            if t.empty:
                raise _Skip(f"Kommunen har ingen tal for {self.label_of(m)} i {r} – opgaven "
                            "springes over.")
            return t.iloc[0]
        return self.memo(("muni", r, m), make)

    def label_of(self, measure: str) -> str:
        return str(self.ds.measures.set_index("measure_id").loc[measure, "label"])

    def visible(self, row: pd.Series) -> pd.Series:
        if bool(row["suppressed"]):
            raise _Skip(f"Tallet for {self.w['inst_def']} er skjult, fordi der er færre end "
                        f"{tx.fmt_int(self.ds.meta.min_n)} {self.w['children']} med svar – opgaven "
                        "springes over.")
        return row


def _context(ds: Dataset, institution: str, measure: str | None, round: str | None,
             teams: str | Sequence[str] | None, extra: dict[str, Any]) -> _Ctx:
    institution = str(institution)
    _check_institution(ds, institution)
    m = pick_measure(ds, measure)
    ds = with_cut_points(ds, m)
    r = round or latest_round(ds, institution)
    t = meeting_teams(ds, institution, teams)
    return _Ctx(ds=ds, institution=institution, measure=m, round=str(r), teams=t, extra=extra)


# ----------------------------------------------------------------------------- helpers


def _unit(k: Any, one: str, many: str) -> str:
    return one if k == 1 else many


def _pct(x: Any) -> str:
    return tx.fmt_percent(x)


def _n(x: Any) -> str:
    return tx.fmt_int(x)


def _num(x: Any, d: int = 2) -> str:
    return tx.fmt_number(x, d)


def _answer_rows(ctx: _Ctx, round: str, institution: str | None = None) -> int:
    """Rows of ``responses`` for the measure's items (institution or all) in a round."""
    ds = ctx.ds
    items = set(ds.items.loc[ds.items["measure_id"].astype(str) == ctx.measure, "item_id"].astype(str))
    r = ds.responses
    mask = r["item_id"].astype(str).isin(items) & (r["round"].astype(str) == round)
    if institution is not None:
        depts = set(ds.org.loc[ds.org["institution_id"].astype(str) == institution,
                               "department_id"].astype(str))
        mask &= r["department_id"].astype(str).isin(depts)
    return int(mask.sum())
