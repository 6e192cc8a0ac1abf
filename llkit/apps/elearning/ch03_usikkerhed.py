"""Chapter 3 — Usikkerhed og små grupper: n, intervals, why small departments jump,
suppression.

Examples
--------
>>> from llkit.apps.elearning import common, ch03_usikkerhed as ch
>>> ds, s = common.open_chapter("data/sample/dagtilbud", "I01", 3)
>>> f = ch.facts(ds, "I01")
>>> f["ci_high"] > f["mean"] > f["ci_low"]
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common as cm
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

NUMBER = 3
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 20

__all__ = ["header", "facts", "intervals_section", "funnel_section", "suppression_section", "exercise_width",
           "exercise_widest", "exercise_four_times", "exercise_jump", "reflection", "summary",
           "NUMBER", "TITLE", "MINUTES"]


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    lab = cm.labels(ds)
    return cm.chapter_header(
        ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
        purpose=(f"I kan forklare, hvorfor et gennemsnit for få {lab['children']} er usikkert, læse et "
                 f"usikkerhedsinterval, og I ved, hvorfor små {lab['departments']} hopper op og ned, og hvorfor "
                 "nogle tal ikke vises."),
    )


def facts(ds: Dataset, institution: str, measure: str | None = None) -> dict[str, Any] | None:
    """The chapter's numbers: the institution's mean and interval, and per department n,
    mean and interval (shown departments) in the institution's last round.

    Returns
    -------
    dict or None
        ``measure``, ``round``, ``n``, ``mean``, ``ci_low``, ``ci_high``, ``width``,
        ``departments`` (id -> name, n, mean, ci_low, ci_high, width),
        ``n_departments`` (all of the institution's departments with answers),
        ``n_hidden`` (departments whose numbers are suppressed), ``decimals``, ``label``.
    """
    inst = cm.institution_info(ds, institution)
    m = measure or cm.focus_measure(ds, institution)
    if m is None:
        return None
    return cm.memo(ds, ("ch03", inst["id"], m), lambda: _facts(ds, inst, m))


def _facts(ds: Dataset, inst: dict[str, Any], m: str) -> dict[str, Any] | None:
    r = cm.inst_rounds(ds, inst["id"])[-1]
    s = indicators.summarize(ds, m, by="institution", round=r)
    row = s[s["institution_id"].astype(str) == inst["id"]]
    if row.empty or bool(row["suppressed"].iloc[0]):
        return None
    row = row.iloc[0]
    dep = indicators.summarize(ds, m, by="department", round=r)
    dep = dep[dep["department_id"].astype(str).isin(inst["departments"])]
    shown = dep[~dep["suppressed"].astype(bool)]
    info = cm.measure_info(ds).loc[m]
    return {
        "measure": m, "round": r, "n": int(row["n"]), "mean": float(row["mean"]), "sd": float(row["sd"]),
        "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
        "width": float(row["ci_high"] - row["ci_low"]),
        "departments": {
            str(d["department_id"]): {"name": str(d["department_name"]), "n": int(d["n"]), "mean": float(d["mean"]),
                                      "ci_low": float(d["ci_low"]), "ci_high": float(d["ci_high"]),
                                      "width": float(d["ci_high"] - d["ci_low"])}
            for _, d in shown.iterrows()
        },
        "n_departments": int(len(dep)), "n_hidden": int(dep["suppressed"].astype(bool).sum()),
        "decimals": int(info["decimals"]), "label": str(info["label"]), "title": cm.measure_title(ds, m),
    }


def _f(x: float, d: int) -> str:
    return tx.fmt_number(x, d)


def intervals_section(ds: Dataset, institution: str) -> cm.Block:
    """The institution's and departments' means with n and 95 % intervals."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.no_data(f"et mål med skala, som nok af jeres {lab['children']} har svar på")
    d = f["decimals"]
    text = cm.prose(
        f"Et gennemsnit er et skøn. Havde andre {lab['children']} været med, eller var de målt en anden dag, var tallet "
        f"blevet lidt anderledes. Usikkerhedsintervallet (95 %) viser, hvor gennemsnittet med rimelighed kan ligge.",
        f"Jeres gennemsnit for »{f['label']}« i {f['round']} er {_f(f['mean'], d)} for {tx.fmt_int(f['n'])} "
        f"{lab['children']}, med intervallet {tx.fmt_interval(f['ci_low'], f['ci_high'], d)}. Jo færre "
        f"{lab['children']}, jo bredere interval: bredden falder med kvadratroden af antallet, så fire gange så "
        f"mange {lab['children']} giver et halvt så bredt interval.",
        title="Antal og usikkerhedsintervaller")
    rows = [{lab["department"].capitalize(): v["name"], f"Antal {lab['children']}": tx.fmt_int(v["n"]),
             "Gennemsnit": _f(v["mean"], d), "Interval (95 %)": tx.fmt_interval(v["ci_low"], v["ci_high"], d)}
            for v in f["departments"].values()]
    rows.append({lab["department"].capitalize(): "Hele institutionen", f"Antal {lab['children']}": tx.fmt_int(f["n"]),
                 "Gennemsnit": _f(f["mean"], d), "Interval (95 %)": tx.fmt_interval(f["ci_low"], f["ci_high"], d)})
    return text + cm.table(pd.DataFrame(rows), caption=f"{f['title']}, {cm.round_label(ds, f['round'])}")


def funnel_section(ds: Dataset, institution: str) -> cm.Block:
    """The funnel plot of all departments in the data, the institution's highlighted."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or not f["departments"]:
        return cm.no_data(f"{lab['departments']} med nok {lab['children']} til en tragtfigur")
    from llkit.present import plots

    text = cm.prose(
        f"Tragtfiguren viser alle {lab['departments']} i kommunen: gennemsnittet op ad, antallet af "
        f"{lab['children']} hen ad. De små {lab['departments']} til venstre spreder sig langt mere end de store – "
        f"ikke fordi de er bedre eller dårligere, men fordi få {lab['children']} giver tilfældige udsving. Kun "
        "punkter uden for tragten afviger mere, end tilfældigheder plejer at give.",
        title=f"Hvorfor små {lab['departments']} hopper")
    try:
        fig = cm.figure_html(plots.funnel(ds, measure=f["measure"], round=f["round"], level="department",
                                          highlight=list(f["departments"])))
    except Exception:  # noqa: BLE001 - the text stands without the figure
        fig = cm.no_data("nok data til tragtfiguren")
    return text + fig


def suppression_section(ds: Dataset, institution: str) -> cm.Block:
    """How suppression works, with the institution's count of hidden departments."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    k = ds.meta.min_n
    extra = ""
    if f is not None:
        extra = (f"Hos jer er tallene for {tx.fmt_int(f['n_hidden'])} af {tx.fmt_int(f['n_departments'])} "
                 f"{lab['departments']} skjult i {f['round']} (»{f['label']}«).")
    return cm.prose(
        f"Et gennemsnit for meget få {lab['children']} er både for usikkert til at bygge beslutninger på og kan "
        f"afsløre enkeltes svar. Derfor vises tal for grupper med færre end {k} {lab['children']} ikke; der står "
        f"»færre end {k} {lab['children']}«. Er kun én {lab['department']} skjult, skjules også den næstmindste, så "
        "tallet ikke kan regnes ud af de andre og totalen.",
        extra, title="Tal, der ikke vises")


# ----------------------------------------------------------------------------- exercises


def exercise_width(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the width of the institution's interval (mistake: half the width)."""
    f = facts(ds, institution)
    if f is None:
        return cm.exercise_skipped()
    d = f["decimals"]
    t = 1.2 * 10.0 ** -d
    wrong = [(f["width"] / 2, t / 2, "Det er den halve bredde (fra gennemsnittet til en af grænserne). Regn øvre "
              "minus nedre grænse."), (f["mean"], t / 2, "Det er gennemsnittet, ikke intervallets bredde.")]
    return session.add(ex.Numeric(
        "ch03_width", "Hvor bredt er intervallet for hele jeres institutions gennemsnit – øvre minus nedre grænse?",
        f["width"], t, decimals=d, wrong=wrong,
        hint="Find rækken »Hele institutionen« i tabellen og træk den nedre grænse fra den øvre.",
        solution=f"{tx.fmt_interval(f['ci_low'], f['ci_high'], d)}: {_f(f['ci_high'], d)} − {_f(f['ci_low'], d)} = "
                 f"{_f(f['width'], d)}."))


def exercise_widest(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the department with the widest interval."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or len(f["departments"]) < 2:
        return cm.exercise_skipped()
    deps = f["departments"]
    top = max(v["width"] for v in deps.values())
    correct = {k for k, v in deps.items() if v["width"] >= top - 1e-9}
    smallest = min(deps, key=lambda k: deps[k]["n"])
    feedback = {k: (f"{v['name']} har {tx.fmt_int(v['n'])} {lab['children']} og et interval på "
                    f"{tx.fmt_interval(v['ci_low'], v['ci_high'], f['decimals'])}. Find et bredere.")
                for k, v in deps.items() if k not in correct}
    why = ("Den har også færrest " + lab["children"] + "." if smallest in correct else
           f"Den har ikke færrest {lab['children']} – også spredningen blandt {lab['children']} gør intervallet bredt.")
    names = ", ".join(deps[k]["name"] for k in sorted(correct))
    return session.add(ex.PickUnit(
        "ch03_widest", f"Hvilken {lab['department']} har det bredeste usikkerhedsinterval?",
        {k: v["name"] for k, v in deps.items()}, correct, feedback=feedback,
        hint=f"Regn øvre minus nedre grænse for hver {lab['department']}. Små grupper har ofte brede intervaller.",
        solution=f"{names} har det bredeste interval (bredde {_f(top, f['decimals'])}). {why}"))


def exercise_four_times(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the width with four times as many children (half the width; mistake: a
    quarter)."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.exercise_skipped()
    d = f["decimals"] + 1
    w = f["width"]
    t = max(0.08 * w, 0.6 * 10.0 ** -d)
    return session.add(ex.Numeric(
        "ch03_four_times", f"Jeres interval er {_f(w, d)} bredt. Hvor bredt ville det omtrent være med fire gange så "
        f"mange {lab['children']} (og samme spredning)?", w / 2, t, decimals=d,
        wrong=[(w / 4, t, "Intervallet skrumper med kvadratroden af antallet, ikke med antallet: √4 = 2."),
               (w, t, f"Flere {lab['children']} giver et smallere interval – ikke det samme."),
               (w * 2, t, "Omvendt: flere giver et smallere interval, ikke et bredere.")],
        hint="Bredden er proportional med 1/√n.",
        solution=f"Bredden deles med √4 = 2: {_f(w, d)} / 2 ≈ {_f(w / 2, d)}. Derfor skal en gruppe være fire gange så "
                 "stor for at halvere usikkerheden."))


def exercise_jump(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): a small department's jump of a tenth of the
    scale."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    k = ds.meta.min_n
    lo, hi, d = 1.0, 5.0, 1
    if f is not None:
        info = cm.measure_info(ds).loc[f["measure"]]
        lo, hi, d = float(info["scale_min"]), float(info["scale_max"]), f["decimals"]
    jump = tx.fmt_number(0.1 * (hi - lo), d)
    scale = f"{tx.fmt_number(lo, 0)}{tx.DASH}{tx.fmt_number(hi, 0)}"
    if f is not None and f["departments"]:
        small = min(f["departments"].values(), key=lambda v: v["n"])
        n = small["n"]
        iv = f" Dens interval i {f['round']} er {tx.fmt_interval(small['ci_low'], small['ci_high'], d)}."
        name = small["name"]
    else:
        n, iv, name = k + 1, "", f"En {lab['department']}"
    return session.add(ex.MultipleChoice(
        "ch03_jump", f"{name} har {tx.fmt_int(n)} {lab['children']} med svar.{iv} Ved næste måling er gennemsnittet "
        f"steget {jump} point. Hvad er den bedste tolkning?",
        {"a": f"En klar fremgang – {jump} point er meget på en skala {scale}.",
         "b": f"Det kan ikke afgøres ud fra tallet alene – med så få {lab['children']} er intervallet bredt, og "
              f"et udsving på {jump} kan være tilfældigt.",
         "c": f"Tallet burde være skjult, fordi gruppen er under {k}."},
        "b",
        feedback={"a": f"Forsigtig: for få {lab['children']} hopper gennemsnittet let {jump} point af tilfældige grunde. "
                       "Se på intervallet.",
                  "b": f"Rigtigt. Se på intervallerne og på, om det er de samme {lab['children']} – og spørg "
                       "medarbejderne, hvad de ser.",
                  "c": f"Nej – gruppen har {tx.fmt_int(n)}, så tallet vises (grænsen er {k}). Men det er usikkert."},
        hint=f"Sammenlign {jump} med intervallets bredde.",
        solution=f"Et udsving, der er mindre end intervallets bredde, kan skyldes tilfældigheder: hvilke "
                 f"{lab['children']} der var med, og hvordan dagen var. Brug tallet som anledning til at spørge, ikke "
                 "som konklusion."))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    lab = cm.labels(ds)
    return session.add(ex.Reflection(
        "ch03_reflection",
        f"Hvornår har I sidst reageret på et tal for en lille {lab['department']}? Hvordan vil I fremover tale om "
        f"usikkerhed, når I viser tal for {lab['departments']} til medarbejdere og forældre?"))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    points = [
        "Et gennemsnit er et skøn; intervallet viser, hvor usikkert det er.",
        f"Få {lab['children']} giver brede intervaller: fire gange så mange halverer bredden.",
        f"Små {lab['departments']} hopper op og ned af tilfældige grunde – se efter mønstre over flere målinger.",
        f"Tal for færre end {ds.meta.min_n} {lab['children']} vises ikke, for at beskytte de enkelte.",
        "Et 95\u00a0%-interval gælder ét tal. Ser man på mange tal på én gang, vil omkring 1 ud af 20 "
        "ligge skævt af ren tilfældighed – derfor tager rapporterne højde for alle tallene samlet "
        "(mere om det i kapitel 5).",
    ]
    if f is not None:
        points.append(f"Jeres interval for »{f['label']}« er {_f(f['width'], f['decimals'])} bredt "
                      f"({tx.fmt_int(f['n'])} {lab['children']}).")
    return cm.summary(points)


