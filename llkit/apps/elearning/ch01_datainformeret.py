"""Chapter 1 — Datainformeret læringsledelse: from data to pedagogical practice (the
cycle; levels from child to national; sources and informants; ethics and GDPR).

Examples
--------
>>> from llkit.apps.elearning import common, ch01_datainformeret as ch
>>> ds, s = common.open_chapter("data/sample/dagtilbud", "I01", 1)
>>> lv = ch.level_facts(ds, "I01")
>>> "institution" in lv["means"]
True
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common as cm
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

NUMBER = 1
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 20

__all__ = ["header", "cycle_section", "level_facts", "source_facts", "levels_section", "sources_section",
           "ethics_section", "exercise_level", "exercise_sources", "exercise_suppression", "exercise_cycle",
           "reflection", "summary", "NUMBER", "TITLE", "MINUTES"]

CYCLE = [
    ("Indsamle", "Kortlægningen: {children}, forældre, medarbejdere og ledere svarer; læringsmiljøet observeres."),
    ("Analysere", "Ledelsesteamet læser resultaterne: niveau, fordeling, usikkerhed og udvikling."),
    ("Fortolke i fællesskab", "Resultaterne drøftes i de professionelle læringsfællesskaber: hvad ser vi i "
                              "hverdagen, der kan forklare tallene?"),
    ("Handle", "Et fokus vælges, og læringsmiljøet ændres med mål og tegn på læring."),
    ("Følge op", "Ved næste måling – og løbende med tegn på læring – ser I, om praksis og {children}s "
                 "udbytte har ændret sig."),
]


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    lab = cm.labels(ds)
    return cm.chapter_header(
        ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
        purpose=(f"I kender cyklussen fra data til pædagogisk praksis, kan placere et tal på det rigtige niveau – "
                 f"fra det enkelte {lab['child']} til landsplan – ved, hvem der har svaret, og hvordan I passer "
                 f"på {lab['children']}s og medarbejdernes data."),
    )


def cycle_section(ds: Dataset) -> cm.Block:
    """The cycle from data to pedagogical practice as a numbered flow."""
    lab = cm.labels(ds)
    children = "børnene" if lab["children"] == "børn" else f"{lab['children']}ne"
    steps = "".join(
        f'<li style="margin:0.3em 0"><b>{html.escape(name)}</b> – '
        f'{html.escape(text.format(children=lab["children"]).replace(lab["children"] + "s ", children + "s "))}</li>'
        for name, text in CYCLE)
    intro = cm.prose(
        "Datainformeret læringsledelse betyder, at ledelsesteamet bruger data og forskning som et redskab til at "
        f"udvikle det pædagogiske læringsmiljø – så alle {lab['children']} trives, lærer og udvikler sig. Data "
        "erstatter ikke den faglige dømmekraft; de giver den et fælles grundlag at spørge ud fra.",
        "Arbejdet er en cyklus, der gentages ved hver måling:",
        title="Fra data til pædagogisk praksis")
    return intro + cm.Block(f'<ol class="llkit-el-box">{steps}</ol>') + cm.prose(
        "Programmet har to succeskriterier: en varig kulturændring med mere tillid og trivsel blandt de voksne "
        f"(proceskriteriet) og en målbar forbedring af {lab['children']}s læring og trivsel fra måling til måling, "
        "så social baggrund betyder mindre (produktkriteriet).")


def level_facts(ds: Dataset, institution: str) -> dict[str, Any] | None:
    """The focus measure's mean at each level in the institution's last round.

    Returns
    -------
    dict or None
        ``measure``, ``round``, ``means`` (level -> mean; levels ``institution``,
        ``cluster``, ``municipality``, ``national`` when present), ``names`` (level ->
        Danish label), ``departments`` (id -> (name, mean) of shown departments),
        ``decimals``, ``label``.
    """
    inst = cm.institution_info(ds, institution)
    m = cm.focus_measure(ds, institution)
    if m is None:
        return None

    def make():
        r = cm.inst_rounds(ds, inst["id"])[-1]
        lab = cm.labels(ds)
        means: dict[str, float] = {}
        names: dict[str, str] = {}
        s = indicators.summarize(ds, m, by="institution", round=r)
        row = s[(s["institution_id"].astype(str) == inst["id"]) & ~s["suppressed"].astype(bool)]
        if row.empty:
            return None
        means["institution"] = float(row["mean"].iloc[0])
        names["institution"] = inst["name"]
        if inst["cluster"] is not None:
            c = indicators.summarize(ds, m, by="cluster", round=r)
            c = c[(c["cluster"].astype(str) == str(inst["cluster"])) & ~c["suppressed"].astype(bool)]
            if not c.empty:
                means["cluster"] = float(c["mean"].iloc[0])
                names["cluster"] = str(inst["cluster"])
        mu = indicators.summarize(ds, m, by=None, round=r)
        if not mu.empty and not bool(mu["suppressed"].iloc[0]):
            means["municipality"] = float(mu["mean"].iloc[0])
            names["municipality"] = f"Hele {lab['municipality']}n ({ds.meta.name})"
        ref = ds.reference
        if ref is not None and len(ref):
            rr = ref[(ref["measure_id"].astype(str) == m) & (ref["round"].astype(str) == r)]
            if "scope" in rr.columns:
                rr = rr[rr["scope"].astype(str) == "national"]
            if not rr.empty and pd.notna(rr["mean"].iloc[0]):
                means["national"] = float(rr["mean"].iloc[0])
                names["national"] = lab["national"].capitalize()
        dep = indicators.summarize(ds, m, by="department", round=r)
        dep = dep[dep["department_id"].astype(str).isin(inst["departments"]) & ~dep["suppressed"].astype(bool)]
        info = cm.measure_info(ds).loc[m]
        return {"measure": m, "round": r, "means": means, "names": names,
                "departments": {str(d["department_id"]): (str(d["department_name"]), float(d["mean"]))
                                for _, d in dep.iterrows()},
                "decimals": int(info["decimals"]), "label": str(info["label"])}
    return cm.memo(ds, ("ch01_levels", inst["id"], m), make)


def source_facts(ds: Dataset, institution: str) -> dict[str, Any]:
    """Sources (informants) with answers about the institution in its last round.

    Returns
    -------
    dict
        ``round``, ``sources`` (source -> dict with label, measures (labels), n answering
        persons or departments), ``n_measures`` (measures with data), ``all_sources``
        (sources in the dataset).
    """
    inst = cm.institution_info(ds, institution)

    def make():
        r = cm.inst_rounds(ds, inst["id"])[-1]
        info = cm.measure_info(ds)
        sc = indicators.scores(ds)
        sc = sc[(sc["institution_id"].astype(str) == inst["id"]) & (sc["round"].astype(str) == r)]
        out: dict[str, dict[str, Any]] = {}
        for m, sm in sc.groupby(sc["measure_id"].astype(str), sort=False):
            if sm.empty:
                continue
            src = str(info.loc[m, "source"])
            e = out.setdefault(src, {"label": str(info.loc[m, "source_label"]), "measures": [], "n": 0,
                                     "subject": str(info.loc[m, "subject"])})
            e["measures"].append(str(info.loc[m, "label"]))
            e["n"] = max(e["n"], int(sm["subject_id"].nunique()))
        order = list(dict.fromkeys(info["source"].astype(str)))
        out = {k: out[k] for k in order if k in out}
        return {"round": r, "sources": out, "n_measures": sum(len(v["measures"]) for v in out.values()),
                "all_sources": order}
    return cm.memo(ds, ("ch01_sources", inst["id"]), make)


def levels_section(ds: Dataset, institution: str) -> cm.Block:
    """The focus measure at every level, with the profile figure."""
    lab = cm.labels(ds)
    intro = cm.prose(
        f"Data findes på flere niveauer: det enkelte {lab['child']}, {lab['department']}, {lab['institution']}, "
        f"klynge, {lab['municipality']} og {lab['national']}. Hvert niveau svarer på sit eget spørgsmål: "
        f"Hvordan har dette {lab['child']} det? Hvordan er læringsmiljøet på {lab['department']}n? Hvordan går "
        f"det i {lab['institution']}en sammenlignet med andre? Ledelsesteamet skal kunne bevæge sig mellem "
        "niveauerne – og vide, hvilket niveau et tal hører til.",
        title=f"Niveauer: fra {lab['child']} til {lab['national']}")
    f = level_facts(ds, institution)
    if f is None:
        return intro + cm.no_data(f"et mål med skala, som nok af jeres {lab['children']} har svar på")
    d = f["decimals"]
    rows = [{"Niveau": lab["department"].capitalize() + ": " + name, "Gennemsnit": tx.fmt_number(mean, d)}
            for name, mean in f["departments"].values()]
    level_names = {"institution": lab["institution"].capitalize(), "cluster": "Klynge",
                   "municipality": lab["municipality"].capitalize(), "national": lab["national"].capitalize()}
    rows += [{"Niveau": f"{level_names[k]}: {f['names'][k]}" if k in ("institution", "cluster")
              else level_names[k], "Gennemsnit": tx.fmt_number(v, d)} for k, v in f["means"].items()]
    tab = cm.table(pd.DataFrame(rows), caption=f"{cm.measure_title(ds, f['measure'])}, "
                                               f"{cm.round_label(ds, f['round'])}")
    missing = "" if "national" in f["means"] else str(cm.no_data("tal fra landsplan"))
    from llkit.present import plots

    try:
        fig = cm.figure_html(plots.profile(ds, institution=institution, round=f["round"]))
    except Exception:  # noqa: BLE001 - the table stands without the figure
        fig = cm.no_data("nok data til profilfiguren")
    return intro + tab + cm.Block(missing) + cm.prose(
        f"Figuren viser alle jeres mål om {lab['children']} ved sidste måling, med klyngen, {lab['municipality']}n "
        f"og {lab['national']} til sammenligning, hvor de findes.") + fig


def sources_section(ds: Dataset, institution: str) -> cm.Block:
    """Who answered: sources (informants), their measures and how many answered."""
    lab = cm.labels(ds)
    f = source_facts(ds, institution)
    intro = cm.prose(
        f"Kortlægningen spørger flere informanter, fordi de ser noget forskelligt: {lab['children']} selv, forældre, "
        "medarbejdere, ledere og observatører af læringsmiljøet. Når informanterne peger i samme retning, står "
        "et fund stærkere; når de peger i hver sin retning, er det et godt spørgsmål at undersøge (triangulering).",
        title="Kilder og informanter")
    if not f["sources"]:
        return intro + cm.no_data(f"svar om jeres {lab['institution']}")
    k = ds.meta.min_n
    nouns = {"child": lab["children"], "respondent": lab["respondents"], "department": lab["departments"]}
    rows = [{"Kilde": v["label"], "Mål": ", ".join(v["measures"]),
             "Antal med svar": (f"{tx.fmt_int(v['n'])} {nouns.get(v['subject'], '')}" if v["n"] >= k
                                else f"færre end {k}")}
            for v in f["sources"].values()]
    return intro + cm.table(pd.DataFrame(rows), caption=f"Jeres data ved {cm.round_label(ds, f['round'])}")


def ethics_section(ds: Dataset) -> cm.Block:
    """Ethics and GDPR for the leadership team, with the dataset's suppression threshold."""
    lab = cm.labels(ds)
    k = ds.meta.min_n
    return cm.prose(
        f"Data om {lab['children']} er personoplysninger. Databeskyttelsesforordningen (GDPR) kræver et klart "
        "formål, så få oplysninger som muligt, sikker opbevaring og sletning, når formålet er opfyldt. I llkit er "
        f"{lab['children']} pseudonymiseret: de har et løbenummer, ikke et navn, og nøglen ligger hos "
        f"{lab['municipality']}n.",
        f"Tal for grupper under {k} {lab['children']} vises ikke, så ingen kan genkende enkeltes svar. Resultater "
        f"for det enkelte {lab['child']} hører til i det pædagogiske arbejde med {lab['child']}et og i "
        "forældresamarbejdet – ikke i materialer, der deles bredt.",
        "Etik handler også om brugen: data er et udviklingsredskab for læringsmiljøet, ikke en rangliste over "
        f"medarbejdere eller {lab['departments']}. Fortæl medarbejdere, forældre og {lab['children']}, hvad data "
        "bruges til, og giv dem mulighed for at se og drøfte resultaterne.",
        title="Etik og GDPR")


# ----------------------------------------------------------------------------- exercises


def exercise_level(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the level with the highest mean of the focus measure."""
    f = level_facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or len(f["means"]) < 2:
        return cm.exercise_skipped()
    d = f["decimals"]
    shown = {k: round(v, d) for k, v in f["means"].items()}
    top = max(shown.values())
    correct = {k for k, v in shown.items() if v == top}
    units = {k: f["names"][k] for k in f["means"]}
    feedback = {k: f"{units[k]} har {tx.fmt_number(f['means'][k], d)}. Se efter et højere gennemsnit."
                for k in f["means"] if k not in correct}
    best = " og ".join(units[k] for k in units if k in correct)  # in table order
    return session.add(ex.PickUnit(
        "ch01_level", f"Se tabellen over niveauer. Hvor er gennemsnittet for »{f['label']}« højest i {f['round']}? "
        f"(Se bort fra de enkelte {lab['departments']}.)", units, correct, feedback=feedback,
        hint=f"Sammenlign rækkerne for {lab['institution']}, klynge, {lab['municipality']} og {lab['national']}.",
        solution=f"{best} har det højeste gennemsnit ({tx.fmt_number(top, d)}). Om forskellene er større end "
                 "usikkerheden, ser vi på i kapitel 3 og 5."))


def exercise_sources(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how many sources (informants) answered about the institution (mistake:
    the number of measures)."""
    f = source_facts(ds, institution)
    lab = cm.labels(ds)
    n = len(f["sources"])
    if n == 0:
        return cm.exercise_skipped()
    wrong = []
    if f["n_measures"] != n:
        wrong.append((f["n_measures"], 0, "Det er antallet af mål. Flere mål kan komme fra den samme kilde – tæl "
                      "kilderne."))
    if len(f["all_sources"]) != n:
        wrong.append((len(f["all_sources"]), 0, f"Det er antallet af kilder i hele datasættet. Hvor mange har svaret "
                      f"om jeres {lab['institution']} ved {f['round']}?"))
    labels = ", ".join(v["label"] for v in f["sources"].values())
    return session.add(ex.Numeric(
        "ch01_sources", f"Hvor mange forskellige kilder (informanter) har givet svar om jeres {lab['institution']} "
        f"ved {f['round']}?", n, 0, decimals=0, wrong=wrong,
        hint="Tæl rækkerne i tabellen »Kilder og informanter«.",
        solution=f"{n} kilder: {labels}."))


def exercise_suppression(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): what a report shows for a small group."""
    lab = cm.labels(ds)
    k = ds.meta.min_n
    return session.add(ex.MultipleChoice(
        "ch01_suppression", f"En {lab['department']} har {k - 1} {lab['children']} med svar. Hvad må stå i en rapport, "
        "som deles med bestyrelsen?",
        {"a": f"Gennemsnittet for {lab['department']}n – det er jo et samlet tal.",
         "b": f"»færre end {k} {lab['children']}« – tallet vises ikke.",
         "c": f"Hvert {lab['child']}s score uden navn."
         if lab["child"] == "barn" else f"Hver {lab['child']}s score uden navn."},
        "b",
        feedback={"a": f"Nej. Med så få {lab['children']} kan enkeltes svar genkendes – grænsen i jeres data er {k}.",
                  "c": "Nej. Selv uden navn kan få personer genkendes, og scorer for enkelte hører ikke til i "
                       "materialer, der deles bredt."},
        hint=f"Jeres datasæt har en grænse på {k}.",
        solution=f"Tal for grupper med færre end {k} vises ikke. Er kun én gruppe skjult, skjules også en til, så "
                 "tallet ikke kan regnes ud af de andre."))


def exercise_cycle(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): the step after the analysis in the cycle."""
    return session.add(ex.MultipleChoice(
        "ch01_cycle", "Ledelsesteamet har analyseret resultaterne. Hvad er næste skridt i cyklussen?",
        {"a": "At vælge en indsats ud fra det laveste tal.",
         "b": "At fortolke resultaterne sammen med medarbejderne i de professionelle læringsfællesskaber.",
         "c": "At vente på næste måling for at se, om tallene bliver bedre."},
        "b",
        feedback={"a": "For hurtigt: uden en fælles fortolkning ved I ikke, hvad tallet skyldes – og det laveste tal "
                       "kan være tilfældigt.",
                  "c": "Uden fortolkning og handling sker der ikke noget nyt i praksis."},
        hint="Se listen »Fra data til pædagogisk praksis«.",
        solution="Efter analysen kommer den fælles fortolkning: hvad ser medarbejderne i hverdagen, der kan forklare "
                 "tallene? Først derefter vælges et fokus og en handling."))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    lab = cm.labels(ds)
    return session.add(ex.Reflection(
        "ch01_reflection",
        f"Hvor i cyklussen er jeres {lab['institution']} stærkest i dag, og hvor går arbejdet oftest i stå? Hvem skal "
        "være med, når I fortolker resultaterne næste gang?"))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = source_facts(ds, institution)
    points = [
        "Datainformeret læringsledelse er en cyklus: indsamle, analysere, fortolke i fællesskab, handle, følge op.",
        f"Et tal hører til et niveau – {lab['child']}, {lab['department']}, {lab['institution']}, klynge, "
        f"{lab['municipality']} eller {lab['national']} – og svarer på det niveaus spørgsmål.",
        "Flere informanter giver et rigere billede; peger de i hver sin retning, er det værd at undersøge.",
        f"Data om {lab['children']} er personoplysninger: små grupper vises ikke, og data bruges til udvikling, "
        "ikke til ranglister.",
    ]
    if f["sources"]:
        points.append(f"Hos jer har {len(f['sources'])} kilder svaret ved {f['round']}.")
    return cm.summary(points)
