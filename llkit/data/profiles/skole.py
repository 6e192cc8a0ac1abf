"""Sector profile for schools (skole).

Plain data only; :mod:`llkit.data.profiles` turns it into a :class:`~llkit.data.profiles.Profile`.

The default instruments: the four indicators of the national well-being survey
(trivselsmålingen: faglig trivsel, social trivsel, støtte og inspiration, ro og orden, each
the mean of its items on 1–5), a test result per subject as a percentile 1–100, and the
staff survey on the collaboration culture. Item texts are llkit's own wording.
"""

from __future__ import annotations

from llkit.data.profiles import dagtilbud as _dagtilbud

SECTOR = "skole"

LABELS: dict[str, str] = {
    "sector": "Skole",
    "municipality": "Kommune",
    "municipalities": "Kommuner",
    "area": "Område",
    "areas": "Områder",
    "cluster": "Klynge",
    "clusters": "Klynger",
    "institution": "Skole",
    "institutions": "Skoler",
    "department": "Klasse",
    "departments": "Klasser",
    "child": "Elev",
    "children": "Elever",
    "respondent": "Medarbejder",
    "respondents": "Medarbejdere",
    "leader": "Leder",
    "leaders": "Ledere",
    "team": "Team",
    "teams": "Teams",
    "round": "Måling",
    "rounds": "Målinger",
    "national": "Landsplan",
}

SOURCE_LABELS: dict[str, str] = {
    "elev": "Elever",
    "test": "Test",
    "lærer": "Lærervurdering",
    "forælder": "Forældre",
    "medarbejder": "Medarbejdere",
    "leder": "Ledere",
    "observatør": "Observation af undervisningen",
}

#: Subjects used as themes of the classes' learning goals.
THEMES: list[str] = [
    "Dansk",
    "Matematik",
    "Engelsk",
    "Natur/teknologi",
    "Historie",
    "Idræt",
]

VALUE_LABELS: dict[str, dict[int, str]] = {}

_ELEV = dict(source="elev", subject="child", scale_min=1.0, scale_max=5.0,
             min_items=2, low_cut=2.5, high_cut=3.5, group="Trivsel")
_TEST = dict(source="test", subject="child", scale_min=1.0, scale_max=100.0,
             min_items=1, low_cut=15.0, high_cut=85.0, group="Test")

MEASURES: list[dict] = [
    dict(measure_id="faglig", label="Faglig trivsel", **_ELEV, items=[
        ("Jeg klarer mig godt fagligt i skolen", False),
        ("Jeg kan koncentrere mig i timerne", False),
        ("Når jeg har svært ved noget i skolen, kan jeg finde en løsning", False),
        ("Jeg synes, opgaverne i skolen er for svære for mig", True),
    ]),
    dict(measure_id="social", label="Social trivsel", **_ELEV, items=[
        ("Jeg er glad for min klasse", False),
        ("Jeg føler, at jeg hører til på skolen", False),
        ("Jeg føler mig ensom", True),
        ("Jeg bliver drillet, så jeg bliver ked af det", True),
    ]),
    dict(measure_id="stoette", label="Støtte og inspiration", **_ELEV, items=[
        ("Lærerne er gode til at hjælpe mig, når jeg har brug for det", False),
        ("Undervisningen er spændende", False),
        ("Jeg er med til at bestemme, hvad vi skal lave i timerne", False),
        ("Jeg keder mig i timerne", True),
    ]),
    dict(measure_id="ro", label="Ro og orden", **_ELEV, items=[
        ("Der er ro i klassen, når vi arbejder", False),
        ("Det er let at høre, hvad læreren siger i timerne", False),
        ("Der er larm og uro i klassen, så jeg ikke kan koncentrere mig", True),
    ]),
    dict(measure_id="dansk", label="Dansk, læsning (testresultat)", **_TEST, items=[
        ("Nationale test i dansk, læsning (percentil)", False),
    ]),
    dict(measure_id="matematik", label="Matematik (testresultat)", **_TEST, items=[
        ("Nationale test i matematik (percentil)", False),
    ]),
    *[
        {**m, "items": [(t.replace("børnene", "eleverne").replace("stuer og grupper", "klasser"),
                         r) for t, r in m["items"]]}
        for m in _dagtilbud.MEASURES
        if m["source"] == "medarbejder"
    ],
]
