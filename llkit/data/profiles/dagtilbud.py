"""Sector profile for daycare (dagtilbud).

Plain data only; :mod:`llkit.data.profiles` turns it into a :class:`~llkit.data.profiles.Profile`.

The default instruments follow the Danish mapping practice for daycare (kortlægning at
T1, T2, T3): a pedagogue assessment of each child on the six themes of the strengthened
pedagogical curriculum (den styrkede pædagogiske læreplan) and on well-being, the
children's own voice with smileys for the oldest children, a parent survey, a staff survey
on the collaboration culture, and an observation of each department's learning
environment on a 1–7 scale. Item texts are llkit's own wording.
"""

from __future__ import annotations

SECTOR = "dagtilbud"

LABELS: dict[str, str] = {
    "sector": "Dagtilbud",
    "municipality": "Kommune",
    "municipalities": "Kommuner",
    "area": "Område",
    "areas": "Områder",
    "cluster": "Klynge",
    "clusters": "Klynger",
    "institution": "Dagtilbud",
    "institutions": "Dagtilbud",
    "department": "Stue/gruppe",
    "departments": "Stuer/grupper",
    "child": "Barn",
    "children": "Børn",
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
    "pædagog": "Pædagogvurdering",
    "barn": "Børnenes stemme",
    "forælder": "Forældre",
    "medarbejder": "Medarbejdere",
    "leder": "Ledere",
    "observatør": "Observation af læringsmiljøet",
}

#: The six themes of the strengthened pedagogical curriculum, in their official order.
THEMES: list[str] = [
    "Alsidig personlig udvikling",
    "Social udvikling",
    "Kommunikation og sprog",
    "Krop, sanser og bevægelse",
    "Natur, udeliv og science",
    "Kultur, æstetik og fællesskab",
]

#: Answer labels per source for scales with named points.
VALUE_LABELS: dict[str, dict[int, str]] = {
    "barn": {1: "sur", 2: "neutral", 3: "glad"},
    "observatør": {1: "utilstrækkelig", 3: "minimal", 5: "god", 7: "fremragende"},
}

_PAEDAGOG = dict(source="pædagog", subject="child", scale_min=1.0, scale_max=5.0,
                 min_items=2, low_cut=2.5, high_cut=4.0)
_BARN = dict(source="barn", subject="child", scale_min=1.0, scale_max=3.0,
             min_items=2, low_cut=1.75, high_cut=2.5, group="Børnenes stemme")
_FORAELDER = dict(source="forælder", subject="child", scale_min=1.0, scale_max=5.0,
                  min_items=2, low_cut=2.5, high_cut=4.0, group="Forældre")
_MEDARB = dict(source="medarbejder", subject="respondent", scale_min=1.0, scale_max=5.0,
               min_items=2, low_cut=2.5, high_cut=4.0, group="Medarbejdere")
_OBS = dict(source="observatør", subject="department", scale_min=1.0, scale_max=7.0,
            min_items=2, low_cut=3.0, high_cut=5.0, group="Læringsmiljø")

#: Default measures. ``items`` is a list of (text, reverse); item ids are
#: ``<measure_id>_<n>``.
MEASURES: list[dict] = [
    # --- pedagogue assessment: the six curriculum themes -------------------------------
    dict(measure_id="personlig", label="Alsidig personlig udvikling", group="Læreplanstemaer",
         **_PAEDAGOG, items=[
             ("Barnet tager initiativ og giver sig i kast med nye ting", False),
             ("Barnet holder fast i en opgave eller leg, også når det bliver svært", False),
             ("Barnet giver hurtigt op og trækker sig fra nye udfordringer", True),
         ]),
    dict(measure_id="social", label="Social udvikling", group="Læreplanstemaer",
         **_PAEDAGOG, items=[
             ("Barnet indgår i lege med andre børn", False),
             ("Barnet kan vente på tur og dele med de andre", False),
             ("Barnet viser omsorg, når et andet barn er ked af det", False),
             ("Barnet kommer ofte i konflikt med de andre børn", True),
         ]),
    dict(measure_id="sprog", label="Kommunikation og sprog", group="Læreplanstemaer",
         **_PAEDAGOG, items=[
             ("Barnet fortæller sammenhængende om noget, det har oplevet", False),
             ("Barnet forstår og følger beskeder i flere trin", False),
             ("Barnet bruger sproget til at lege, spørge og forhandle med andre børn", False),
             ("Barnet har svært ved at gøre sig forstået over for andre børn", True),
         ]),
    dict(measure_id="krop", label="Krop, sanser og bevægelse", group="Læreplanstemaer",
         **_PAEDAGOG, items=[
             ("Barnet bevæger sig sikkert, når det løber, hopper og klatrer", False),
             ("Barnet klarer selv af- og påklædning", False),
             ("Barnet bruger sine hænder præcist, fx når det tegner eller klipper", False),
         ]),
    dict(measure_id="natur", label="Natur, udeliv og science", group="Læreplanstemaer",
         **_PAEDAGOG, items=[
             ("Barnet er nysgerrigt på dyr, planter og naturfænomener", False),
             ("Barnet undersøger og sammenligner, fx størrelser, mængder og former", False),
             ("Barnet stiller spørgsmål om, hvordan ting hænger sammen", False),
         ]),
    dict(measure_id="kultur", label="Kultur, æstetik og fællesskab", group="Læreplanstemaer",
         **_PAEDAGOG, items=[
             ("Barnet deltager i sang, musik, drama og fortælling", False),
             ("Barnet udtrykker sig kreativt med forskellige materialer", False),
             ("Barnet holder sig uden for fælles aktiviteter og traditioner", True),
         ]),
    dict(measure_id="trivsel_p", label="Trivsel (pædagogens vurdering)", group="Trivsel",
         **_PAEDAGOG, items=[
             ("Barnet virker glad og tilpas i hverdagen", False),
             ("Barnet har mindst én god ven i institutionen", False),
             ("Barnet virker ofte ked af det eller utrygt", True),
         ]),
    # --- the children's own voice (the oldest children, smileys) -----------------------
    dict(measure_id="barn_trivsel", label="Trivsel (barnets egen vurdering)", **_BARN, items=[
        ("Hvordan har du det, når du er i børnehaven?", False),
        ("Hvordan har du det, når din mor eller far går om morgenen?", False),
        ("Hvordan har du det med de voksne her?", False),
    ]),
    dict(measure_id="barn_venskab", label="Venskaber (barnets egen vurdering)", **_BARN, items=[
        ("Hvordan har du det, når du leger med de andre børn?", False),
        ("Hvordan har du det med at finde nogen at lege med?", False),
        ("Hvordan har du det, når de andre børn bestemmer legen?", False),
    ]),
    dict(measure_id="barn_laering", label="Lyst til at lære (barnets egen vurdering)", **_BARN,
         items=[
             ("Hvordan har du det, når I lærer noget nyt sammen?", False),
             ("Hvordan har du det, når de voksne læser højt eller fortæller?", False),
         ]),
    # --- parent survey about their child ----------------------------------------------
    dict(measure_id="f_trivsel", label="Barnets trivsel (forældrenes vurdering)", **_FORAELDER,
         items=[
             ("Mit barn er glad for at komme i dagtilbuddet", False),
             ("Mit barn har gode venner i dagtilbuddet", False),
             ("Mit barn er ofte ked af det, når jeg afleverer", True),
         ]),
    dict(measure_id="f_samarbejde", label="Samarbejde om barnets læring", **_FORAELDER, items=[
        ("Personalet fortæller mig, hvad mit barn lærer og arbejder med", False),
        ("Jeg ved, hvordan jeg derhjemme kan støtte mit barns udvikling", False),
        ("Personalet lytter til min viden om mit barn", False),
        ("Jeg er i tvivl om, hvad mit barn får ud af hverdagen i dagtilbuddet", True),
    ]),
    # --- staff survey -------------------------------------------------------------------
    dict(measure_id="tillid", label="Tillid", **_MEDARB, items=[
        ("Jeg kan sige min mening åbent over for ledelsen", False),
        ("Ledelsen stoler på, at vi gør et godt stykke arbejde", False),
        ("Vi kan regne med hinanden i personalegruppen", False),
        ("Jeg holder mig tilbage med kritik af frygt for konsekvenserne", True),
    ]),
    dict(measure_id="m_trivsel", label="Trivsel i arbejdet", **_MEDARB, items=[
        ("Jeg er glad for mit arbejde", False),
        ("Jeg har tid til at være nærværende sammen med børnene", False),
        ("Jeg føler mig ofte udkørt efter en arbejdsdag", True),
    ]),
    dict(measure_id="samarbejde", label="Samarbejde og faglige fællesskaber", **_MEDARB, items=[
        ("Vi drøfter jævnligt vores pædagogiske praksis i teamet", False),
        ("Vi giver hinanden konstruktiv feedback", False),
        ("Vi deler viden og erfaringer på tværs af stuer og grupper", False),
    ]),
    dict(measure_id="evaluering", label="Evalueringskultur", **_MEDARB, items=[
        ("Vi bruger data og observationer, når vi planlægger det pædagogiske arbejde", False),
        ("Vi følger op på, om vores aktiviteter har den ønskede betydning for børnene", False),
        ("Vi dokumenterer tegn på børnenes læring", False),
        ("Evaluering opleves som noget, der tager tid fra børnene", True),
    ]),
    # --- observation of the learning environment (per department) ----------------------
    dict(measure_id="relationer", label="Relationer mellem voksne og børn", **_OBS, items=[
        ("Voksne er lydhøre over for børnenes signaler og initiativer", False),
        ("Tonen er varm og anerkendende", False),
        ("Voksne støtter børn, der står uden for fællesskabet", False),
    ]),
    dict(measure_id="leg", label="Leg og aktiviteter", **_OBS, items=[
        ("Der er tid og plads til børnenes egen leg", False),
        ("Voksne deltager i og udvider legen", False),
        ("Aktiviteterne er tilpasset børnenes forskellige forudsætninger", False),
    ]),
    dict(measure_id="sprogmiljo", label="Sprogunderstøttelse", **_OBS, items=[
        ("Voksne taler med børnene i længere samtaler med flere turskift", False),
        ("Voksne sætter ord på handlinger, følelser og begreber", False),
        ("Bøger og skriftsprog indgår naturligt i hverdagen", False),
    ]),
    dict(measure_id="rammer", label="Fysiske rammer", **_OBS, items=[
        ("Rummet er indrettet i tydelige zoner til forskellige aktiviteter", False),
        ("Materialer er tilgængelige for børnene i deres højde", False),
        ("Der er adgang til udeareal med varierede muligheder", False),
    ]),
]
