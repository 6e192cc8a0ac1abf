"""The read-only dashboard (``notebooks/dashboard.ipynb``): one institution at a time.

A leader chooses the institution (within the server's scope), a group of measures, one
measure and a round from dropdowns; tabs show the profile, the distribution, the
development, the departments, the position in the municipality (funnel), the gap between
social groups, staff culture and learning environment, and the documentation of signs of
learning. Each tab is drawn when it is first opened and kept until a choice changes
(Output areas of :mod:`ipywidgets`); every number obeys the dataset's suppression, since
the figures come from :mod:`llkit.present.plots` and the tables from the document helpers
(:mod:`llkit.documents.common`, :mod:`llkit.documents.family`).

Under ``llkit serve`` the data and the scope come from the server (:mod:`llkit.apps.serve`);
the address may only choose an institution inside the scope.

Examples
--------
>>> from llkit.apps import dashboard
>>> ctx = dashboard.context("data/sample/dagtilbud", warm=False)
>>> dashboard.request(ctx, "I02")
'I02'
>>> [g for g, _ in dashboard.measure_groups(ctx.ds)][:2]
['Læreplanstemaer', 'Trivsel']
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import serve as sv
from llkit.documents import common
from llkit.documents import family as families
from llkit.present import html as blocks
from llkit.present import labels
from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = ["Context", "context", "request", "measure_groups", "TABS", "render_tab", "Dashboard",
           "show", "view_spec"]

#: (key, Danish title) of the tabs, in order.
TABS: tuple[tuple[str, str], ...] = (
    ("profile", "Overblik"),
    ("distribution", "Fordeling"),
    ("development", "Udvikling"),
    ("departments", "{departments}"),
    ("funnel", "Placering i kommunen"),
    ("gap", "Social baggrund"),
    ("culture", "Kultur og læringsmiljø"),
    ("coverage", "Tegn på læring"),
)

_CSS = """<style>
.llkit-dash{font-family:"DejaVu Sans",Arial,sans-serif;font-size:15px;line-height:1.45;color:#1b1b1b;max-width:1100px}
.llkit-dash h2{font-size:22px;margin:4px 0 2px 0}
.llkit-dash h3{font-size:17px;margin:14px 0 4px 0}
.llkit-dash .llkit-kicker{color:#555;margin:0;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
.llkit-dash .llkit-lead{font-size:16px;margin:6px 0 10px 0}
.llkit-dash .llkit-note{color:#4d4d4d;font-size:13px}
.llkit-dash .llkit-empty{color:#4d4d4d;font-style:italic;background:#f6f6f6;padding:10px 14px;border-radius:4px}
.llkit-dash img{max-width:100%;height:auto}
.llkit-dash figure{margin:6px 0}
.llkit-dash figcaption{color:#4d4d4d;font-size:13px}
.llkit-dash table.llkit-table{border-collapse:collapse;font-size:14px;margin:6px 0}
.llkit-dash table.llkit-table th,.llkit-dash table.llkit-table td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
.llkit-dash table.llkit-table caption{text-align:left;color:#4d4d4d;font-size:13px;padding-bottom:4px}
.llkit-dashboard .lm-TabBar-tab{flex:0 0 auto !important;min-width:0 !important;max-width:none !important;font-size:14px;padding:0 14px !important}
.llkit-dashboard .widget-dropdown > select{font-size:14px}
.llkit-dashboard .widget-label{font-size:14px;font-weight:600}
</style>"""


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


# ----------------------------------------------------------------------------- context


@dataclasses.dataclass
class Context:
    """The loaded data and what this viewer may see.

    Attributes
    ----------
    ds : Dataset
    allowed : list of str
        Institution ids inside the scope (all of them outside ``llkit serve``).
    served : bool
        True under ``llkit serve``.
    scope_text : str
        The scope in Danish.
    """

    ds: Dataset
    allowed: list[str]
    served: bool = False
    scope_text: str = "alle institutioner"
    cache_dir: Path | None = None

    def tab(self, key: str, institution: str, group: str, measure: str, round: str) -> str:
        """:func:`render_tab` through the server's cache shared by its kernels (the data do
        not change while a server runs); without a cache folder, just :func:`render_tab`."""
        groups = dict(measure_groups(self.ds))
        if self.cache_dir is None:
            return render_tab(self.ds, key, institution, groups.get(group, []), measure, round)
        name = hashlib.sha1(json.dumps([key, institution, group, measure, round]).encode()).hexdigest()
        path = self.cache_dir / f"{name}.html"
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            pass
        # One kernel draws, the others starting at the same moment wait and read its
        # result (kernels of a pool start together; drawing is the costly part).
        with _locked(path.with_suffix(".lock")):
            try:
                return path.read_text(encoding="utf-8")
            except OSError:
                pass
            out = render_tab(self.ds, key, institution, groups.get(group, []), measure, round)
            try:
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(out, encoding="utf-8")
                os.replace(tmp, path)
            except OSError:
                pass
        return out


class _locked:
    """An exclusive advisory lock on ``path`` (a no-op where :mod:`fcntl` or the file is
    unavailable)."""

    def __init__(self, path: Path) -> None:
        self.path, self.fh = path, None

    def __enter__(self) -> _locked:
        try:
            import fcntl

            self.fh = open(self.path, "a")  # noqa: SIM115 - closed in __exit__
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        except (ImportError, OSError):
            if self.fh is not None:
                self.fh.close()
            self.fh = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()  # releases the lock


def context(data: str | Path | Dataset, *, warm: bool = True) -> Context:
    """Load the data (the server's, under ``llkit serve``) and warm the caches.

    In a preheated kernel this runs before a viewer arrives, so it does everything that
    does not depend on the institution: loading, scoring, the summaries of every level and
    one throw-away figure (fonts and matplotlib's caches).

    Parameters
    ----------
    data : str, Path or Dataset
        The notebook's ``data`` parameter; ignored under ``llkit serve``.
    warm : bool, default True
    """
    cfg = sv.served_config()
    if cfg is not None:
        data = cfg["data"]
    from llkit.present import plots

    plots.use_theme()
    ds = common.prepare(data)
    ids = list(dict.fromkeys(ds.units["institution_id"].astype(str)))
    if cfg is not None:
        allowed = [i for i in cfg["allowed"] if i in set(ids)]
        cache = Path(cfg["cache_dir"]) if cfg.get("cache_dir") else None
        ctx = Context(ds, allowed, True, cfg.get("scope_text", ""), cache)
    else:
        ctx = Context(ds, ids)
    if warm and ctx.allowed:
        _warm(ctx)
    return ctx


def _warm(ctx: Context) -> None:
    ds = ctx.ds
    for by in (None, "institution", "department", "cluster"):
        common.summary_table(ds, by)
    labels.measure_info(ds)
    inst = common.institution_info(ds, ctx.allowed[0])
    last = common.last_round(ds, inst)
    families.institution_position(ds, inst, last)  # also the comparisons with the municipality
    groups = measure_groups(ds)
    if not groups:
        return
    if ctx.cache_dir is None:
        from llkit.present import plots

        blocks.figure_html(plots.profile(ds, institution=inst["id"], round=last, measures=groups[0][1]))
        return
    # Under llkit serve: the first tab of every institution in the scope, as it looks when a
    # viewer arrives, into the cache shared by the kernels (paid once per server).
    group, ms = groups[0]
    for i in ctx.allowed[:_PRERENDER]:
        rounds = _rounds(ds, i)
        ctx.tab(TABS[0][0], i, group, ms[0], rounds[-1])


#: At most this many institutions get their first tab drawn before a viewer arrives.
_PRERENDER = 40


def request(ctx: Context, institution: str | None = None) -> str:
    """The institution to show, checked against the scope.

    Under ``llkit serve`` it is the ``?institution=`` of the address (the first institution
    of the scope when absent); in a preheated kernel this waits for the viewer. Otherwise it
    is the notebook's parameter.

    Raises
    ------
    AccessRefused
        Outside the scope; a Danish refusal has been displayed, and the notebook stops.
    """
    wanted = sv.requested_institution(sv.request_query()) if ctx.served else institution
    try:
        return sv.check_access(wanted, ctx.allowed)
    except sv.AccessRefused:
        if ctx.served:
            from IPython.display import display

            display(sv.refusal(wanted))
        raise


# ----------------------------------------------------------------------------- choices


def measure_groups(ds: Dataset) -> list[tuple[str, list[str]]]:
    """(group, measure ids) of the measures about children, in the order of the data.

    The group is the ``group`` column of the measures table, or the source when it is
    absent.
    """
    info = labels.measure_info(ds)
    child = info[info["subject"] == "child"]
    if "group" in child and child["group"].notna().any():
        key = child["group"].astype("string").fillna(child["source_label"])
    else:
        key = child["source_label"]
    out: dict[str, list[str]] = {}
    for m, g in zip(child.index, key, strict=True):
        out.setdefault(str(g), []).append(str(m))
    return list(out.items())


def _institution_options(ctx: Context) -> list[tuple[str, str]]:
    org = ctx.ds.org.drop_duplicates("institution_id").set_index(
        ctx.ds.org.drop_duplicates("institution_id")["institution_id"].astype(str))
    return [(f"{org.loc[i, 'institution_name']} ({i})", i) for i in ctx.allowed if i in org.index]


def _rounds(ds: Dataset, institution: str) -> list[str]:
    inst = common.institution_info(ds, institution)
    return common.institution_rounds(ds, inst) or list(ds.meta.rounds)


# ----------------------------------------------------------------------------- tabs


def _tab_title(ds: Dataset, key: str, title: str) -> str:
    return title.format(departments=labels.profile_label(ds, "departments", "Afdelinger"))


def _figure(make: Callable[[], Any], caption: str | None = None) -> str:
    return blocks.figures_html([(make, caption)])


def _empty(text: str) -> str:
    return f'<p class="llkit-empty">{_esc(text)}</p>'


def _lead(text: str) -> str:
    return f'<p class="llkit-lead">{_esc(text)}</p>'


def _label(ds: Dataset, m: str) -> str:
    return str(labels.measure_info(ds).loc[m, "label"])


def _position_rows(ds: Dataset, inst: dict[str, Any], rnd: str, measures: Sequence[str]) -> str:
    pos = families.institution_position(ds, inst, rnd)
    info = labels.measure_info(ds)
    rows = []
    for m in measures:
        if pos is None or m not in pos.index:
            continue
        r = pos.loc[m]
        d = int(info.loc[m, "decimals"])
        row = {"Måling": _label(ds, m)}
        if r["suppressed"]:
            row.update({"Antal": labels.suppression_text(ds, m, r["reason"]), "Gennemsnit": "",
                        "95 %-interval": ""})
        else:
            row.update({"Antal": tx.fmt_int(r["n"]), "Gennemsnit": tx.fmt_number(r["mean"], d),
                        "95 %-interval": tx.fmt_interval(r["ci_low"], r["ci_high"], d)})
        row["Kommunen"] = tx.fmt_number(r["municipality"], d)
        row["Vurdering"] = tx.MISSING if r["suppressed"] else families.position_verdict(r)
        rows.append(row)
    if not rows:
        return ""
    return blocks.styled_table(pd.DataFrame(rows), caption=f"{inst['name']}, {labels.round_label(ds, rnd)}")


def _tab_profile(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    pos = families.institution_position(ds, inst, rnd)
    ms = [m for m in group if pos is not None and m in pos.index]
    if not ms:
        return _empty(f"Der er ingen målinger i denne gruppe for {inst['name']} i {rnd}.")
    from llkit.present import plots

    return (_lead("Jeres gennemsnit for hver måling med usikkerheden (95 %-interval) ved siden af "
                  "klyngen, kommunen og – hvis data har det – landsplan.")
            + _figure(lambda: plots.profile(ds, institution=inst["id"], round=rnd, measures=ms))
            + _position_rows(ds, inst, rnd, ms)
            + blocks.note_html("»Ingen sikker forskel« betyder, at forskellen til kommunen ikke er større end "
                       "den statistiske usikkerhed, når der tages højde for, hvor mange tal der er "
                       "sammenlignet (samme vurdering som i rapporten)."))


def _tab_distribution(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    info = labels.measure_info(ds)
    if pd.isna(info.loc[measure, "low_cut"]) and pd.isna(info.loc[measure, "high_cut"]):
        return _empty(f"»{_label(ds, measure)}« har ingen grænser for lav og høj, så fordelingen "
                      "kan ikke vises.")
    from llkit.present import plots

    return (_lead(f"Hvor stor en andel af {labels.children_noun(ds)} har en lav, middel eller høj "
                  f"score i »{_label(ds, measure)}« – for hver {labels.profile_label(ds, 'department', 'afdeling').lower()}, "
                  "for jer samlet og for kommunen.")
            + _figure(lambda: plots.distribution(ds, institution=inst["id"], measure=measure, round=rnd))
            + blocks.note_html("Grupper med for få svar vises ikke (skraveret felt)."))


def _tab_development(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    if len(common.institution_rounds(ds, inst)) < 2:
        return _empty("Der er kun én målerunde, så udviklingen kan først vises efter næste måling.")
    from llkit.present import plots

    return (_lead(f"»{_label(ds, measure)}« over alle målerunder. En fuldt optrukket linje betyder "
                  "de samme personer i begge målinger; en stiplet linje betyder forskellige personer.")
            + _figure(lambda: plots.development(ds, measure=measure, institution=inst["id"]))
            + blocks.note_html("Små ændringer er ofte tilfældige: kun ændringer, der er større end "
                       "usikkerheden, bør drøftes som en egentlig udvikling."))


def _tab_departments(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    sd = common.summary_table(ds, "department")
    sd = sd[sd["department_id"].astype(str).isin(inst["departments"]) & (sd["round"].astype(str) == rnd)]
    if sd.empty:
        return _empty(f"Der er ingen målinger pr. {labels.profile_label(ds, 'department', 'afdeling').lower()} i {rnd}.")
    from llkit.present import plots

    return (_lead(f"Gennemsnittet for hver måling i hver {labels.profile_label(ds, 'department', 'afdeling').lower()}. "
                  "Farven viser, hvor på skalaen gennemsnittet ligger; mørkere er højere.")
            + _figure(lambda: plots.heatmap(ds, institution=inst["id"], round=rnd))
            + labels.suppression_note_html(ds))


def _tab_funnel(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    pos = families.institution_position(ds, inst, rnd)
    if pos is None or measure not in pos.index:
        return _empty(f"{inst['name']} har ingen resultater for »{_label(ds, measure)}« i {rnd}.")
    from llkit.present import plots

    r = pos.loc[measure]
    sentence = (_p(tx.describe_funnel_flag(r["flag_funnel"], name=inst["name"]))
                if not r["suppressed"] and r["flag_funnel"] is not None else
                _p(labels.suppression_text(ds, measure, r["reason"])) if r["suppressed"] else "")
    return (_lead(f"Hvert punkt er et {labels.institution_noun(ds).lower()} i kommunen, placeret efter antal svar. "
                  "Tragten viser, hvor langt fra kommunens gennemsnit et resultat kan ligge alene "
                  "på grund af tilfældigheder. Tragten rangordner ikke.")
            + _figure(lambda: plots.funnel(ds, measure=measure, round=rnd, highlight=inst["id"]))
            + sentence)


def _p(s: str) -> str:
    return f"<p>{_esc(s)}</p>"


def _tab_gap(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    g = common.gap_table(ds, "institution")
    if g is None:
        return _empty("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper "
                      f"af {labels.children_noun(ds)}.")
    g = g[(g["institution_id"].astype(str) == inst["id"]) & (g["measure_id"].astype(str) == measure)]
    if g.empty:
        return _empty(f"Der er ingen tal for forskellen mellem grupperne i »{_label(ds, measure)}«.")
    from llkit.present import plots

    groups, _, low, high, _attr = families.gap_groups(ds)
    return (_lead(f"Forskellen i »{_label(ds, measure)}« mellem {labels.children_noun(ds)} af forældre med "
                  f"{' eller '.join(x.lower() for x in high)} og med {', '.join(x.lower() for x in low)} "
                  "uddannelse. Målet er, at forskellen bliver mindre.")
            + _figure(lambda: plots.gap(ds, measure=measure, institution=inst["id"]))
            + blocks.note_html(f"Med få {labels.children_noun(ds)} i hver gruppe er usikkerheden stor; grupper "
                       f"med færre end {ds.meta.min_n} vises ikke."))


def _tab_culture(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    pos = families.institution_position(ds, inst, rnd)
    info = labels.measure_info(ds)
    staff = info.index[info["subject"].isin(["respondent", "department"])]
    ms = [m for m in staff if pos is not None and m in pos.index]
    if not ms:
        return _empty("Der er ingen målinger af medarbejderkultur eller læringsmiljø i data for "
                      f"{inst['name']} i {rnd}.")
    from llkit.present import plots

    return (_lead("Medarbejdernes svar om kultur, tillid og trivsel og observationerne af "
                  "læringsmiljøet, ved siden af kommunen.")
            + _figure(lambda: plots.culture(ds, institution=inst["id"], round=rnd))
            + _position_rows(ds, inst, rnd, ms)
            + blocks.note_html(f"Medarbejdernes svar vises kun, når mindst {ds.meta.min_n} har svaret."))


def _tab_coverage(ds: Dataset, inst: dict, group: list[str], measure: str, rnd: str) -> str:
    cov = common.coverage_table(ds, "institution")
    if cov.empty:
        return _empty("Data har ingen oplysninger om læringsmål og tegn på læring.")
    if cov[cov["institution_id"].astype(str) == inst["id"]].empty:
        return _empty(f"{inst['name']} har ingen registrerede læringsmål.")
    from llkit.present import plots

    teams = labels.departments_noun(ds)
    return (_lead(f"Andelen af {teams}, der har dokumenteret de tegn på læring, de har sat sig for "
                  "at se efter. Målet er, at alle gør det.")
            + _figure(lambda: plots.coverage(ds, institution=inst["id"])))


_RENDERERS: dict[str, Callable[..., str]] = {
    "profile": _tab_profile, "distribution": _tab_distribution, "development": _tab_development,
    "departments": _tab_departments, "funnel": _tab_funnel, "gap": _tab_gap,
    "culture": _tab_culture, "coverage": _tab_coverage,
}


def render_tab(ds: Dataset, key: str, institution: str, group: Sequence[str], measure: str,
               round: str) -> str:
    """The HTML of one tab (figure, short Danish text, table); a tab whose data are absent
    says so in one line.

    Examples
    --------
    >>> ds = common.prepare("data/sample/dagtilbud")
    >>> "Social baggrund" in render_tab(ds, "gap", "I01", ["sprog"], "sprog", "T3") or True
    True
    """
    inst = common.institution_info(ds, institution)
    try:
        body = _RENDERERS[key](ds, inst, list(group), measure, round)
    except KeyError:
        raise
    except Exception:  # noqa: BLE001 - one tab never breaks the view
        body = _empty(blocks.FIGURE_FAILED)
    return f'<div class="llkit-dash">{body}</div>'


def header_html(ds: Dataset, institution: str, round: str, scope_text: str | None = None) -> str:
    """The title line: institution, cluster, area, municipality and round."""
    inst = common.institution_info(ds, institution)
    where = " · ".join(str(x) for x in [inst["cluster"], inst["area"], ds.meta.name] if x)
    synth = ("<p class='llkit-note'>Data er syntetiske: alle navne og tal er opdigtede.</p>"
             if ds.meta.synthetic else "")
    scope = (f"<p class='llkit-note'>Denne adresse viser: {_esc(scope_text)}.</p>"
             if scope_text and scope_text != "alle institutioner" else "")
    return (f'{_CSS}<div class="llkit-dash"><p class="llkit-kicker">Overblik til ledelsesteamet · '
            f"kun til læsning</p><h2>{_esc(inst['name'])}</h2>"
            f"<p>{_esc(where)} · målerunde {_esc(labels.round_label(ds, round))}</p>{synth}{scope}</div>")


# ----------------------------------------------------------------------------- widget


def _html_output(html_: str) -> tuple[dict[str, Any], ...]:
    return ({"output_type": "display_data", "data": {"text/html": html_, "text/plain": "[figur]"},
             "metadata": {}},)


class Dashboard:
    """The interactive view: dropdowns, a header and one Output area per tab.

    Parameters
    ----------
    ctx : Context
    institution : str
        An institution inside the scope (see :func:`request`).

    Attributes
    ----------
    widget : ipywidgets.VBox
    renders : int
        How many tabs have been drawn (for tests).
    """

    def __init__(self, ctx: Context, institution: str) -> None:
        import ipywidgets as w

        self.ctx = ctx
        ds = ctx.ds
        institution = sv.check_access(institution, ctx.allowed)
        self._groups = dict(measure_groups(ds))
        self._cache: dict[tuple, str] = {}
        self.renders = 0
        self.last_render_seconds = 0.0
        style = {"description_width": "initial"}
        layout = w.Layout(width="auto", min_width="220px", margin="2px 16px 2px 0")
        self.institution = w.Dropdown(options=_institution_options(ctx), value=institution,
                                      description=f"{labels.institution_noun(ds)}:", style=style, layout=layout)
        groups = list(self._groups)
        self.group = w.Dropdown(options=groups, value=groups[0] if groups else None,
                                description="Emne:", style=style, layout=layout)
        self.measure = w.Dropdown(description="Måling:", style=style, layout=layout)
        self.round = w.Dropdown(description="Målerunde:", style=style, layout=layout)
        self._set_measures()
        self._set_rounds()
        self.header = w.Output()
        self.outputs = [w.Output() for _ in TABS]
        self.tabs = w.Tab(children=self.outputs,
                          titles=[_tab_title(ds, k, t) for k, t in TABS])
        self.tabs.selected_index = 0
        self._drawn: dict[int, tuple] = {}
        controls = w.HBox([self.institution, self.group, self.measure, self.round],
                          layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([self.header, controls, self.tabs])
        self.widget.add_class("llkit-dashboard")
        self._busy = False
        self.institution.observe(self._on_institution, names="value")
        self.group.observe(self._on_group, names="value")
        self.measure.observe(self._on_choice, names="value")
        self.round.observe(self._on_choice, names="value")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.redraw()

    # -- choices
    def _set_measures(self) -> None:
        ms = self._groups.get(self.group.value, [])
        opts = [(_label(self.ctx.ds, m), m) for m in ms]
        keep = self.measure.value if self.measure.value in ms else (ms[0] if ms else None)
        self.measure.options = opts
        self.measure.value = keep

    def _set_rounds(self) -> None:
        ds = self.ctx.ds
        rounds = _rounds(ds, self.institution.value)
        keep = self.round.value if self.round.value in rounds else rounds[-1]
        self.round.options = [(labels.round_label(ds, r), r) for r in rounds]
        self.round.value = keep

    def _state(self) -> tuple:
        return (self.institution.value, self.group.value, self.measure.value, self.round.value)

    def _on_institution(self, change: dict) -> None:
        if change["new"] not in self.ctx.allowed:  # never trust the browser
            self.institution.value = change["old"]
            return
        self._busy = True
        try:
            self._set_rounds()
        finally:
            self._busy = False
        self.redraw()

    def _on_group(self, change: dict) -> None:
        self._busy = True
        try:
            self._set_measures()
        finally:
            self._busy = False
        self.redraw()

    def _on_choice(self, change: dict) -> None:
        if not self._busy:
            self.redraw()

    def _on_tab(self, change: dict) -> None:
        self._draw(change["new"])

    # -- drawing
    def redraw(self) -> None:
        """Draw the header and the open tab for the current choices (others when opened)."""
        inst, _, _, rnd = self._state()
        hide = sv.HIDE_EARLY if self.ctx.served else ""
        self.header.outputs = _html_output(hide + header_html(self.ctx.ds, inst, rnd, self.ctx.scope_text))
        self._drawn.clear()
        current = self.tabs.selected_index or 0
        for i, out in enumerate(self.outputs):
            if i != current and out.outputs:
                out.outputs = ()
        self._draw(current)

    def tab_html(self, index: int) -> str:
        """The HTML of tab ``index`` for the current choices (cached)."""
        inst, group, measure, rnd = self._state()
        if inst not in self.ctx.allowed:
            return sv.refusal(inst).html
        key = (TABS[index][0], inst, group, measure, rnd)
        if key not in self._cache:
            t0 = time.perf_counter()
            self._cache[key] = self.ctx.tab(key[0], inst, group, measure, rnd)
            self.renders += 1
            self.last_render_seconds = time.perf_counter() - t0
        return self._cache[key]

    def _draw(self, index: int) -> None:
        if index is None:
            return
        state = self._state()
        if self._drawn.get(index) == state:
            return
        self._drawn[index] = state
        self.outputs[index].outputs = _html_output(self.tab_html(index))

    def early_html(self) -> str:
        """The view as plain HTML for the current choices: the header and the open tab
        (what :func:`show` sends ahead of the widgets under ``llkit serve``)."""
        inst, _, _, rnd = self._state()
        index = self.tabs.selected_index or 0
        title = _tab_title(self.ctx.ds, *TABS[index])
        return (header_html(self.ctx.ds, inst, rnd, self.ctx.scope_text)
                + f'<div class="llkit-dash"><p class="llkit-note">{_esc(title)} · menuerne '
                "indlæses …</p></div>" + self.tab_html(index))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def view_spec(ctx: Context, institution: str) -> dict[str, Any]:
    """Everything the pre-rendered dashboard page (``llkit serve``) needs for one
    institution except the tabs: the menus' choices and labels, the tab titles and the
    header for each round. Only institutions inside the scope appear in it.

    Examples
    --------
    >>> ctx = context("data/sample/dagtilbud", warm=False)
    >>> spec = view_spec(ctx, "I02")
    >>> spec["institution"], spec["tabs"][0]
    ('I02', ['profile', 'Overblik'])
    """
    ds = ctx.ds
    institution = sv.check_access(institution, ctx.allowed)
    rounds = _rounds(ds, institution)
    return {
        "institution": institution,
        "institutions": [list(o) for o in _institution_options(ctx)],
        "institution_label": f"{labels.institution_noun(ds)}:",
        "groups": [[g, [[_label(ds, m), m] for m in ms]] for g, ms in measure_groups(ds)],
        "rounds": [[labels.round_label(ds, r), r] for r in rounds],
        "tabs": [[k, _tab_title(ds, k, t)] for k, t in TABS],
        "headers": {r: header_html(ds, institution, r, ctx.scope_text) for r in rounds},
    }


def show(ctx: Context, institution: str) -> Dashboard:
    """The dashboard for ``institution`` (display it as the last expression of a cell).

    Under ``llkit serve`` the header and the first tab are also sent as plain HTML ahead
    of the widgets (:func:`llkit.apps.serve.early_display`), so the first figure is visible as
    soon as the page arrives; the widgets replace it when they have loaded.
    """
    dash = Dashboard(ctx, institution)
    if ctx.served:
        sv.early_display(dash.early_html())
    return dash
