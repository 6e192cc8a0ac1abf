"""The Danish ``index.html`` of a batch: every unit with its status, its links and headline
figures (suppression respected), self-contained."""

from __future__ import annotations

import copy
import html
import warnings
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from llkit.apps.batch.inputs import _level_columns


def _headlines(ds: Any, level: str, parameters: Mapping[str, Any] | None = None
               ) -> dict[str, Any]:
    """Headline figures per unit for the index: children in the latest round and the
    means of (up to) two child measures, suppression respected. The notebook parameters
    ``min_n`` (a stricter threshold) and ``rounds`` (the rounds reported on) apply here
    too."""
    import dataclasses

    from llkit.stats.indicators import summarize

    parameters = parameters or {}
    id_col = _level_columns(level)[0]
    wanted = parameters.get("min_n")
    if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > ds.meta.min_n:
        ds = copy.copy(ds)
        ds.meta = dataclasses.replace(ds.meta, min_n=wanted)
    min_n = int(ds.meta.min_n)
    only_rounds = parameters.get("rounds")
    if isinstance(only_rounds, str):
        only_rounds = [r.strip() for r in only_rounds.split(",")]
    out: dict[str, Any] = {"round": None, "columns": [], "rows": {}, "min_n": min_n,
                           "complementary": False}
    try:
        r = ds.responses
        answered = r[r["value"].notna() & r["child_id"].notna()]
        if answered.empty:
            return out
        rounds = [x for x in ds.meta.rounds if (answered["round"] == x).any()
                  and (not only_rounds or x in only_rounds)]
        if not rounds:
            return out
        last = rounds[-1]
        out["round"] = last
        org = ds.org.set_index("department_id")[id_col]
        cur = answered[answered["round"] == last]
        unit = cur["department_id"].astype(str).map(org)
        kids = (cur.assign(_unit=unit.to_numpy()).dropna(subset=["_unit"])
                .groupby("_unit", observed=True)["child_id"].nunique())
        m = ds.measures
        child_measures = m[m["subject"].astype(str) == "child"]["measure_id"].tolist()
        item_measure = ds.items.set_index("item_id")["measure_id"]
        measured = set(item_measure.reindex(cur["item_id"].astype(str).unique()).dropna())
        chosen = [x for x in child_measures if x in measured][:2]
        labels = m.set_index("measure_id")
        noun = ds.profile.labels.get("children", "Børn")
        out["columns"] = [f"{noun} med svar ({last})"] + [
            f"{labels.at[x, 'label']}: gennemsnit ({last}{_scale(labels.loc[x])})"
            for x in chosen]
        table = summarize(ds, chosen, by=level, round=last) if chosen else None
        for uid in ds.level_units(level)[id_col].astype(str):
            n = int(kids.get(uid, 0))
            cells = [_fmt_count(n, min_n)]
            for x in chosen:
                row = table[(table["measure_id"] == x) & (table[id_col].astype(str) == uid)]
                if row.empty:
                    cells.append("–")
                    continue
                row = row.iloc[0]
                if bool(row["suppressed"]):
                    if str(row.get("suppressed_reason")) == "complementary":
                        out["complementary"] = True
                        cells.append("vises ikke*")
                    else:
                        cells.append(_fmt_count(0, min_n))
                else:
                    cells.append(_fmt_num(row["mean"]))
            out["rows"][uid] = cells
    except Exception as exc:  # noqa: BLE001 - the index is still written without figures
        warnings.warn(f"llkit batch: the index's headline figures could not be computed "
                      f"({type(exc).__name__}: {exc})", stacklevel=2)
        out["columns"], out["rows"] = [], {}
    return out


def _scale(row: Any) -> str:
    from llkit.present.text import fmt_number

    lo, hi = row.get("scale_min"), row.get("scale_max")
    try:
        if lo == lo and hi == hi and lo is not None and hi is not None:
            return f", skala {fmt_number(lo, 0)}–{fmt_number(hi, 0)}"
    except TypeError:
        pass
    return ""


def _fmt_num(x: Any) -> str:
    from llkit.present.text import fmt_number

    return fmt_number(x, 1)


def _fmt_count(n: int, min_n: int) -> str:
    from llkit.present.text import fmt_int

    return f"færre end {fmt_int(min_n)}" if n < min_n else fmt_int(n)


_MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"]


def _da_time(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        d = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return f"{d.day}. {_MONTHS[d.month - 1]} {d.year} kl. {d:%H.%M}"


_STATUS_DA = {"ok": "Færdig", "skipped": "Uændret", "failed": "Fejlet"}
_KIND_DA = {"cell_error": "fejl i en celle", "timeout": "tog for lang tid",
            "dead_kernel": "Python-kernen stoppede", "kernel_start": "Python-kernen kunne "
            "ikke starte", "export": "eksporten fejlede", "version": "forkert llkit-version",
            "worker_died": "arbejdsprocessen stoppede", "error": "fejl",
            "workbook": "Excel-filen kunne ikke laves"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600}th.num,td.num{text-align:right}
td.num{white-space:nowrap}td.links{white-space:nowrap}
.id{color:#666;font-size:.85em}.ok{color:#1a6b2f}.skipped{color:#3b5f8a}
.failed{color:#a4161a;font-weight:600}
.err{color:#a4161a;font-size:.85em;font-weight:400;white-space:pre-wrap}
.summary span{margin-right:1.2rem}footer{margin-top:1.5rem;color:#555;font-size:.9em}
a{color:#0b5394}
"""


def render_index(ds: Any, level: str, state: Mapping[str, Any], headline: Mapping[str, Any],
                 *, interrupted: bool = False) -> str:
    """The Danish ``index.html`` of a batch: every unit with status, link and figures.

    Self-contained (inline CSS, no scripts, no network requests), ``lang="da"``.
    """
    from llkit.present.text import fmt_int

    e = html.escape
    labels = getattr(ds.profile, "labels", {}) or {}
    unit_label = labels.get(level, level.capitalize())
    units = state.get("units", {})
    counts = Counter(v.get("status") for v in units.values())
    title = f"Rapporter – {ds.meta.name}"
    cols = list(headline.get("columns") or [])
    rows_html = [_index_row(uid, u, headline, cols) for uid, u in units.items()]
    head_cells = "".join(f'<th class="num">{e(c)}</th>' for c in cols)
    min_n = int(headline.get("min_n") or ds.meta.min_n)
    noun = labels.get("children", "Børn").lower()
    notes = _index_notes(min_n, noun, headline, cols, interrupted)
    summary = (f'<span>{unit_label}: {fmt_int(len(units))}</span>'
               f'<span class="ok">Færdige: {fmt_int(counts.get("ok", 0))}</span>'
               f'<span class="skipped">Uændrede: {fmt_int(counts.get("skipped", 0))}</span>'
               f'<span class="{"failed" if counts.get("failed") else ""}">Fejlet: '
               f'{fmt_int(counts.get("failed", 0))}</span>')
    rounds = ", ".join(ds.meta.rounds)
    version = e(str(state.get("llkit_version", "")))
    return f"""<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="llkit batch">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p class="meta">Én rapport pr. {e(unit_label.lower())} · runder: {e(rounds)} ·
opdateret {e(_da_time(state.get("updated")))} · llkit {version}</p>
<p class="summary">{summary}</p>
{_workbook_link(state)}
<table>
<thead><tr><th>{e(unit_label)}</th><th>Status</th><th>Rapport</th>{head_cells}<th class="num">Lavet</th></tr></thead>
<tbody>
{chr(10).join(rows_html)}
</tbody>
</table>
<footer>{"<br>".join(notes)}</footer>
</main>
</body>
</html>
"""


def _workbook_link(state: Mapping[str, Any]) -> str:
    """The link to the workbook of all units (``tal.xlsx``), when the batch wrote it."""
    if not state.get("workbook"):
        return ""
    href = html.escape(quote(str(state["workbook"])))
    return f'<p class="download"><a href="{href}" download>Hent alle tallene (Excel)</a></p>'


def _index_row(uid: str, u: Mapping[str, Any], headline: Mapping[str, Any],
               cols: list[str]) -> str:
    """One unit's ``<tr>``: name and id, status (with the error), links, figures, time."""
    e = html.escape
    status = u.get("status", "failed")
    outputs = u.get("outputs") or {}
    links = []
    if status != "failed" and "html" in outputs:
        links.append(f'<a href="{e(quote(outputs["html"]))}">Åbn rapport</a>')
        if "pdf" in outputs:
            links.append(f'<a href="{e(quote(outputs["pdf"]))}">PDF</a>')
        if "xlsx" in outputs:
            links.append(f'<a href="{e(quote(outputs["xlsx"]))}" download>Excel</a>')
        if "ipynb" in outputs:
            links.append(f'<a href="{e(quote(outputs["ipynb"]))}">notebook</a>')
    elif "failed_ipynb" in outputs:
        links.append(f'<a href="{e(quote(outputs["failed_ipynb"]))}">notebook med '
                     "fejlen</a>")
    name = u.get("name") or uid
    who = f"{e(name)}" + (f'<br><span class="id">{e(uid)}</span>' if name != uid else "")
    status_txt = _STATUS_DA.get(status, status)
    err = (f'<div class="err">{e(_KIND_DA.get(u.get("error_kind") or "", "Fejl"))}: '
           f'{e(str(u.get("error") or ""))}</div>' if status == "failed" else "")
    figures = headline.get("rows", {}).get(uid, ["–"] * len(cols))
    fig_cells = "".join(f'<td class="num">{e(x)}</td>' for x in figures)
    when = _da_time(u.get("finished"))
    return (f'<tr><td>{who}</td><td class="{e(status)}">{e(status_txt)}{err}</td>'
            f'<td class="links">{" · ".join(links) or "–"}</td>{fig_cells}'
            f'<td class="num">{e(when)}</td></tr>')


def _index_notes(min_n: int, noun: str, headline: Mapping[str, Any], cols: list[str],
                 interrupted: bool) -> list[str]:
    """The notes under the table (suppression, means, »Uændret«, an interrupted run)."""
    from llkit.present.text import fmt_int

    e = html.escape
    notes = [f"Tal for færre end {fmt_int(min_n)} {e(noun)} vises ikke, af hensyn til de "
             "enkelte børn og familier."]
    if headline.get("complementary"):
        notes.append("* vises ikke, så tal for en lille gruppe ikke kan regnes ud fra de "
                     "andre tal.")
    if cols:
        notes.append("Gennemsnit er beregnet over de børn, der har en score i runden.")
    notes.append("Status »Uændret«: data, notebook og parametre er de samme som ved sidste "
                 "kørsel, så rapporten er ikke lavet igen.")
    if interrupted:
        notes.insert(0, "<strong>Kørslen blev afbrudt</strong>: kør den igen for at lave "
                     "de manglende rapporter.")
    return notes
