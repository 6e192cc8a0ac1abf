"""Synthetic sample data: a made-up Danish municipality that behaves like a real one.

:func:`generate` builds a complete dataset in the llkit data format (see DESIGN.md) for a
sector profile: an organisation of areas, clusters of 3–4 institutions and 2–5 departments
of varying size (some below the suppression threshold), children who enter and leave
between rounds (the same pseudonymous ``child_id`` across rounds, some moving department),
answers from every source of the profile with missing answers and non-response,
reverse-coded items, a social gradient by parents' education, real differences between
institutions (intra-class correlation about 0.05–0.15 on child measures) and departments,
some institutions that improve between rounds, a staff survey, observations of each
department's learning environment, learning goals with and without documented signs of
learning, and a synthetic national reference.

Known truth: ``generate(..., effects="none")`` makes a municipality where nothing truly
differs (no institution, department or round effects, no social gradient, a national
reference equal to the municipality), and :class:`Plant` adds effects of known size on
top (institutions above the others, a real change in the last round, an equity gap that
narrows). With ``truth=True`` :func:`generate` also returns the planted effects, so the
false claims and the power of a decision rule can be counted.

Nothing here is real data: all names and numbers are invented. The generator is
vectorised with numpy and deterministic per ``seed`` (same bytes on every run).

Examples
--------
>>> from llkit.data.sample import Plant, generate
>>> tables = generate("dagtilbud", institutions=4, seed=1)
>>> sorted(tables)
['children', 'goals', 'items', 'measures', 'reference', 'responses', 'units']
>>> tables, truth = generate("dagtilbud", institutions=4, seed=1, effects="none",
...                          plant=Plant(institutions=1, size=0.5), truth=True)
>>> truth.kind.unique().tolist(), truth.institution_id.nunique()
(['institution'], 1)
"""

from __future__ import annotations

import dataclasses
import numbers
import os
import shutil
import tempfile
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from llkit.data.profiles import Profile, get_profile

__all__ = ["generate", "Plant", "TABLES", "NATIONAL_SIZE", "TRUTH_COLUMNS"]

#: Tables written by :func:`generate`, in this order.
TABLES = ("units", "children", "measures", "items", "responses", "goals", "reference")

#: Sizes used by ``generate(..., national=True)``: about the whole country.
NATIONAL_SIZE: dict[str, dict[str, int]] = {
    "dagtilbud": {"institutions": 4000, "children": 250_000},
    "skole": {"institutions": 1100},
}

#: Marker written to dataset.toml; a folder carrying it may be regenerated in place.
GENERATOR_MARK = "llkit.sample"

_CSV_FLOAT_FORMAT = "%.10g"

# --------------------------------------------------------------------------------------
# Model parameters (all on a latent scale with a within-child SD of about 1)
# --------------------------------------------------------------------------------------

#: Per answer source: marginal answer distribution over the scale points (low -> high),
#: share of subjects that answer at all, share of single answers left empty, SD of the
#: item noise, loading on the child's general factor, SD of institution and department
#: effects.
_SOURCE = {
    "pædagog": dict(probs=[.03, .09, .25, .38, .25], respond=.96, missing=.02, item_sd=.70,
                    loading=.65, inst_sd=.30, dept_sd=.20),
    "barn": dict(probs=[.10, .25, .65], respond=.88, missing=.05, item_sd=.90,
                 loading=.40, inst_sd=.22, dept_sd=.18, min_age=4),
    "forælder": dict(probs=[.02, .05, .15, .40, .38], respond=.72, missing=.04, item_sd=.70,
                     loading=.50, inst_sd=.25, dept_sd=.15),
    "elev": dict(probs=[.03, .07, .22, .40, .28], respond=.90, missing=.03, item_sd=.75,
                 loading=.50, inst_sd=.20, dept_sd=.25),
    "test": dict(probs=None, respond=.95, missing=.03, item_sd=.35,
                 loading=.70, inst_sd=.30, dept_sd=.20),
    "medarbejder": dict(probs=[.04, .10, .26, .38, .22], respond=.85, missing=.02, item_sd=.70,
                        inst_sd=.45),
    "observatør": dict(probs=[.07, .12, .20, .24, .20, .12, .05], respond=.95, missing=.01,
                       item_sd=.50),
}
_SOURCE_DEFAULT = dict(probs=None, respond=.9, missing=.03, item_sd=.7, loading=.5,
                       inst_sd=.25, dept_sd=.2)

#: Per child measure: effect of parents' education (per SD of the education score), of
#: speaking another language at home ("Andet sprog"; half for "Dansk og andet sprog") and
#: of being a boy; optional extra department SD.
_MEASURE = {
    "sprog": dict(edu=.32, lang=-.55, boy=-.12),
    "social": dict(edu=.16, boy=-.15),
    "personlig": dict(edu=.18),
    "krop": dict(edu=.10, boy=.10),
    "natur": dict(edu=.18),
    "kultur": dict(edu=.16, boy=-.10),
    "trivsel_p": dict(edu=.15, lang=-.10),
    "barn_trivsel": dict(edu=.04),
    "barn_venskab": dict(edu=.04, lang=-.10),
    "barn_laering": dict(edu=.06),
    "f_trivsel": dict(edu=.05),
    "f_samarbejde": dict(edu=.15, lang=-.35),
    "faglig": dict(edu=.25, lang=-.10),
    "social@skole": dict(edu=.08, lang=-.10),
    "stoette": dict(edu=.05),
    "ro": dict(edu=.05, boy=-.05, dept_sd=.40),
    "dansk": dict(edu=.45, lang=-.45),
    "matematik": dict(edu=.42, lang=-.25),
}
_MEASURE_DEFAULT = dict(edu=.15, lang=-.15, boy=-.05)

#: Score attached to each parents' education level (profile order), mean about 0.
_EDU_SCORE = np.array([-1.5, -0.8, -0.5, 0.2, 0.6, 1.2])
#: Shares of parents' education levels nationally (profile order).
_EDU_SHARE = np.array([.10, .08, .30, .06, .28, .18])
_LANG_SHARE = np.array([.85, .09, .06])

# Per sector: size of the improvement per round in "improving" institutions (child
# outcomes, staff culture, observed quality), share of improving institutions, years.
_SECTOR = {
    "dagtilbud": dict(first_year=2015, step=2, month="03", improve_share=.35,
                      gain_child=.16, gain_staff=.25, gain_obs=.25, drift=.03,
                      child_prefix="B", staff_per_child=1 / 5.5),
    "skole": dict(first_year=2021, step=1, month="02", improve_share=.20,
                  gain_child=.05, gain_staff=.15, gain_obs=.15, drift=.0,
                  child_prefix="E", staff_per_child=1 / 11),
}

# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

_AREA_NAMES = ["Nord", "Syd", "Øst", "Vest", "Midt", "Nordvest", "Nordøst", "Sydvest",
               "Sydøst", "Centrum"]

_DT_PREFIX = ["Børnehuset", "Børnehaven", "Skovbørnehaven", "Naturbørnehaven",
              "Dagtilbuddet", "Børnegården", "Vuggestuen og børnehaven", "Børnehuset"]
_DT_NAMES = ["Mælkebøtten", "Egern", "Solsikken", "Regnbuen", "Troldehøjen", "Spiren",
             "Humlebien", "Mariehønen", "Kastanjen", "Bøgely", "Skovly", "Søstjernen",
             "Lærkereden", "Musholmen", "Kærgården", "Himmelblå", "Fyrtårnet", "Solstrålen",
             "Rødkælken", "Græshoppen", "Tusindfryd", "Bikuben", "Myretuen", "Ellebo",
             "Hasselbo", "Pilehuset", "Birkely", "Engbo", "Anemonen", "Valmuen", "Æblehaven",
             "Krudtuglen", "Pindsvinet", "Stjerneskuddet", "Klatretræet", "Lindehuset",
             "Havtornen", "Sneglehuset", "Tumlingen", "Kildebakken", "Perlen", "Ugleredet"]
_DT_DEPT_ANIMALS = ["Sommerfuglene", "Mariehønene", "Frøerne", "Egernene", "Pindsvinene",
                    "Bierne", "Mejserne", "Rævene", "Uglerne", "Grævlingerne", "Myrerne",
                    "Harerne", "Spurvene", "Solsikkerne", "Bjørnene", "Troldene",
                    "Blåbærrene", "Musene", "Krabberne", "Søstjernerne"]
_DT_DEPT_GROUPS = ["Vuggestuen", "Mellemgruppen", "Storegruppen", "Førskolegruppen",
                   "Skovgruppen"]

_SK_NAMES = ["Nørrebakke", "Søndervang", "Engskov", "Kirkebjerg", "Vestervang", "Østervold",
             "Lindebjerg", "Bakkegård", "Strandlund", "Havrebjerg", "Skovlund", "Møllevang",
             "Rosenhøj", "Egebjerg", "Solvang", "Holmegård", "Fjordvang", "Bøgeskov",
             "Kildevæld", "Tranehøj", "Ådalen", "Lærkevang", "Enghave", "Højmark"]

_GOALS = {
    "Alsidig personlig udvikling": [
        "Børnene tør prøve nye ting og bliver ved, selv om det er svært",
        "Børnene kan give udtryk for egne ønsker og behov",
        "Børnene tager initiativ i hverdagens rutiner",
    ],
    "Social udvikling": [
        "Børnene kan sætte ord på egne og andres følelser",
        "Alle børn er en del af en legerelation",
        "Børnene løser små konflikter med hjælp fra en voksen",
    ],
    "Kommunikation og sprog": [
        "Børnene fortæller om egne oplevelser i samling",
        "Børnene bruger nye ord fra højtlæsningen i legen",
        "Børnene lytter og svarer i samtaler med flere turskift",
    ],
    "Krop, sanser og bevægelse": [
        "Børnene klarer selv påklædning i garderoben",
        "Børnene afprøver kroppens muligheder på legepladsen",
        "Børnene mærker efter og sætter ord på sanseindtryk",
    ],
    "Natur, udeliv og science": [
        "Børnene undersøger småkryb og planter i nærområdet",
        "Børnene sorterer og tæller materialer fra naturen",
        "Børnene stiller spørgsmål og afprøver små eksperimenter",
    ],
    "Kultur, æstetik og fællesskab": [
        "Børnene deltager i sang og rim i fællesskabet",
        "Børnene udtrykker sig med farver, ler og genbrugsmaterialer",
        "Børnene kender og deltager i årets traditioner",
    ],
    "Dansk": [
        "Eleverne kan finde og forklare hovedbudskabet i en faglig tekst",
        "Eleverne giver hinanden respons på skriftlige opgaver",
    ],
    "Matematik": [
        "Eleverne kan forklare deres strategi ved regning med brøker",
        "Eleverne kan bruge et regneark til at undersøge data",
    ],
    "Engelsk": [
        "Eleverne kan præsentere sig selv og deres interesser på engelsk",
        "Eleverne bruger engelsk i korte samtaler om hverdagen",
    ],
    "Natur/teknologi": [
        "Eleverne kan opstille og afprøve en enkel hypotese",
        "Eleverne dokumenterer et forsøg med tegning og tekst",
    ],
    "Historie": [
        "Eleverne kan placere begivenheder på en tidslinje",
        "Eleverne kan skelne mellem kilder og fortællinger",
    ],
    "Idræt": [
        "Eleverne samarbejder i boldspil og overholder fælles regler",
        "Eleverne kan beskrive, hvordan pulsen ændrer sig ved aktivitet",
    ],
}
_GOAL_FALLBACK = ["Målet er formuleret i teamet", "Teamet arbejder med et fælles fokus"]


# --------------------------------------------------------------------------------------
# Known truth
# --------------------------------------------------------------------------------------

#: Columns of the truth table ``generate(..., truth=True)`` returns.
TRUTH_COLUMNS = ["kind", "institution_id", "measure_id", "from_round", "to_round", "size",
                 "direction"]

#: SD of a child's latent score when nothing differs (``effects="none"``): the unit of the
#: planted sizes, in both ``effects`` modes.
_CHILD_SD = 0.9


def _is_real(v: Any) -> bool:
    return (isinstance(v, numbers.Real) and not isinstance(v, bool)
            and bool(np.isfinite(float(v))))


@dataclass(frozen=True)
class Plant:
    """Effects of known size planted into a generated municipality (known-truth data).

    Meant mainly with ``effects="none"`` (see :func:`generate`), where nothing else
    differs, so that every claim of a real difference is either one of these or false.
    With ``effects="sample"`` they come on top of the realistic effects. Only child
    measures get planted effects (not the staff survey or the observations). Sizes are in
    SD of a child's latent score when nothing differs (0.9 on the generator's latent
    scale): the SD of the children's true scores, before item noise and rounding to the
    answer scale, so an observed standardised difference comes out somewhat smaller
    (about 0.8–0.9 × ``size`` on most child measures, about 0.6 × on the children's own
    3-point answers). A plant only adds to the children's latent scores and draws from
    its own random streams; the answer scales are cut as without it, so with the same
    seed every answer it does not act on is the same as without the plant.

    Parameters
    ----------
    institutions : int
        How many institutions (chosen at random, fixed per seed) lie ``size`` above the
        others on every child measure in every round.
    size : float
        Their shift; negative for below.
    change_measure : str, optional
        A child measure (``measure_id``) with a real gain of ``change_size`` in the last
        round, against every earlier round, at ``change_institutions`` institutions.
    change_institutions : int
        How many institutions gain (chosen at random, fixed per seed, independently of
        the ``institutions`` above, so the two may overlap). Needs ``change_measure``.
    change_size : float
        The gain; negative for a real decline.
    gap : float
        An equity gap: the effect of parents' education on every child measure, in SD
        of a child's latent score per SD of the children's education score (the
        realistic social gradient of ``effects="sample"`` is 0.05–0.5 on this scale),
        in every round except the last. Between the profile's default gap groups
        (short against long education) that is a difference of about 1.9 × ``gap``.
    gap_narrowing : float
        Share (0–1) by which the gap is smaller in the last round: there it is
        ``gap * (1 - gap_narrowing)``, a real narrowing in the whole municipality.
        Needs ``gap``.

    Raises
    ------
    ValueError
        For a count that is not a non-negative whole number, a size that is not a finite
        number, ``gap_narrowing`` outside 0–1, or a change or narrowing without what it
        needs (checked again by :func:`generate` against the municipality: counts at most
        the number of institutions, a known child measure, at least two rounds).

    Examples
    --------
    >>> Plant(institutions=2, size=0.5)  # doctest: +NORMALIZE_WHITESPACE
    Plant(institutions=2, size=0.5, change_measure=None, change_institutions=0,
          change_size=0.5, gap=0.0, gap_narrowing=0.0)
    >>> Plant(gap_narrowing=1.5)
    Traceback (most recent call last):
    ...
    ValueError: plant gap_narrowing must lie between 0 and 1, not 1.5
    """

    institutions: int = 0
    size: float = 0.5
    change_measure: str | None = None
    change_institutions: int = 0
    change_size: float = 0.5
    gap: float = 0.0
    gap_narrowing: float = 0.0

    def __post_init__(self) -> None:
        for name in ("institutions", "change_institutions"):
            v = getattr(self, name)
            if not _is_real(v) or not float(v).is_integer() or v < 0:
                raise ValueError(f"plant {name} must be a non-negative whole number, not {v!r}")
            object.__setattr__(self, name, int(v))
        for name in ("size", "change_size", "gap", "gap_narrowing"):
            v = getattr(self, name)
            if not _is_real(v):
                raise ValueError(f"plant {name} must be a finite number, not {v!r}")
            object.__setattr__(self, name, float(v))
        if not 0 <= self.gap_narrowing <= 1:
            raise ValueError("plant gap_narrowing must lie between 0 and 1, not "
                             f"{self.gap_narrowing!r}")
        m = self.change_measure
        if m is not None and (not isinstance(m, str) or not m.strip()):
            raise ValueError(f"plant change_measure must be a child measure id, not {m!r}")
        if self.change_institutions and m is None:
            raise ValueError("plant change_institutions needs change_measure (the child measure "
                             "that changes)")
        if m is not None and not self.change_institutions:
            raise ValueError(f"plant change_measure {m!r} needs change_institutions (how many "
                             "institutions gain; at least 1)")
        if self.gap_narrowing and not self.gap:
            raise ValueError("plant gap_narrowing needs a gap (gap = the effect of parents' "
                             "education) to narrow")

    def _check(self, n_inst: int, child_measures: list[str], n_rounds: int) -> None:
        """Raise ValueError for what cannot be planted into this municipality."""
        for name in ("institutions", "change_institutions"):
            v = getattr(self, name)
            if v > n_inst:
                raise ValueError(f"plant {name} is {v}, but the municipality has only {n_inst} "
                                 "institutions")
        if self.change_measure is not None and self.change_measure not in child_measures:
            raise ValueError(f"plant change_measure {self.change_measure!r} is not a child "
                             "measure of the profile; the child measures are: "
                             + ", ".join(child_measures))
        if (self.change_institutions or self.gap_narrowing) and n_rounds < 2:
            raise ValueError("a planted change or gap narrowing needs at least two rounds")

    def _describe(self) -> dict[str, Any]:
        """The planted parts (for dataset.toml)."""
        out: dict[str, Any] = {}
        if self.institutions:
            out |= {"institutions": self.institutions, "size": self.size}
        if self.change_institutions:
            out |= {"change_measure": self.change_measure,
                    "change_institutions": self.change_institutions,
                    "change_size": self.change_size}
        if self.gap:
            out |= {"gap": self.gap, "gap_narrowing": self.gap_narrowing}
        return out


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def generate(
    sector: str = "dagtilbud",
    out: str | os.PathLike[str] | None = None,
    *,
    institutions: int | None = None,
    seed: int = 1,
    format: str = "csv",
    rounds: int | list[str] | None = None,
    name: str | None = None,
    children: int | None = None,
    national: bool = False,
    overwrite: bool = False,
    effects: str = "sample",
    plant: Plant | dict[str, Any] | None = None,
    truth: bool = False,
) -> dict[str, pd.DataFrame] | tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Generate a synthetic dataset for a sector, optionally writing it to a folder.

    Parameters
    ----------
    sector : {"dagtilbud", "skole"}
        Sector profile whose labels, measures and items are used.
    out : path, optional
        Folder to write ``dataset.toml`` and the tables to. Written atomically (into a
        temporary folder that is then renamed). An existing non-empty folder is replaced
        only if it holds a previous sample (``synthetic = true`` written by this
        generator) or ``overwrite=True``.
    institutions : int, optional
        Number of institutions (daycare institutions or schools). Default (``None``): 25
        for dagtilbud, 8 for skole, or the national size when ``national``.
    seed : int
        Seed of the random number generator; the same seed gives the same bytes.
    format : {"csv", "parquet"}
        File format of the tables when ``out`` is given.
    rounds : int or list of str, optional
        Rounds to generate: a list of round ids, or a number ``n`` for ``T1`` … ``Tn``.
        Default: the profile's default rounds (``T1``, ``T2``, ``T3``).
    name : str, optional
        Name of the municipality (``dataset.toml`` ``name``). Default "Eksempel Kommune"
        ("Danmark (syntetisk)" when ``national``).
    children : int, optional
        Approximate number of distinct children in daycare (default 90 per institution).
        Schools are sized by their classes; for skole this is ignored.
    national : bool
        Generate a country-sized dataset (:data:`NATIONAL_SIZE`); ``institutions`` and
        ``children`` then default to the national sizes.
    overwrite : bool
        Replace a non-empty ``out`` folder even if it is not a previous sample.
    effects : {"sample", "none"}
        ``"sample"`` (default): the realistic effects described in the module (the
        committed samples; unchanged bytes). ``"none"``: a municipality where nothing
        truly differs, for counting the false claims of a decision rule: no institution,
        department or round-by-department effects and no trend or improving institutions
        on any measure (children, staff survey, observations); parents' education, home
        language and sex without effect on any measure (no equity gap) and children's
        backgrounds exchangeable between institutions (same shares of each level as in
        the sample); learning goals and documented signs of learning equally likely
        everywhere and in every round; a national reference whose mean and SD are the
        municipality's first round in every round (no offset, no trend; also for the
        percentile tests). The latent variance the answer scales are cut from is that of
        the parts left, so the answers are distributed as in the sample. Children still
        come, go and move, and answers and respondents are still missing as in the sample
        (parents with less education answer less often, which no longer biases anything).
    plant : Plant or dict, optional
        Effects of known size added on top of either ``effects`` mode, mainly meant with
        ``effects="none"`` for measuring power: e.g. ``Plant(institutions=2, size=0.5)``
        or the same as a dict. See :class:`Plant`.
    truth : bool
        Also return the planted effects as a DataFrame with :data:`TRUTH_COLUMNS`, one
        row per planted effect (empty, same columns, when nothing is planted):

        - ``kind``: ``"institution"`` (an institution above or below the others in every
          round; one row per child measure), ``"change"`` (a real change of
          ``measure_id`` at ``institution_id`` from ``from_round`` to ``to_round``),
          ``"gap"`` (the planted equity gap, one row per child measure, in every round;
          the gap in the last round is narrowed by ``"gap_change"``) or ``"gap_change"``
          (the gap narrows in the whole municipality from the second-last to the last
          round; one row per child measure);
        - ``institution_id``: None for the municipality-wide ``"gap"`` and
          ``"gap_change"``;
        - ``from_round``, ``to_round``: the second-last and last round for
          ``"change"`` and ``"gap_change"``, None otherwise;
        - ``size``: magnitude in SD of a child's latent score (for the gap: per SD of
          the education score);
        - ``direction``: +1 higher (a larger gap for ``"gap"``), −1 lower; for
          ``"gap_change"`` −1 means the gap gets smaller.

        The truth is never written into the dataset folder.

    Returns
    -------
    dict of str to pandas.DataFrame, or (dict, pandas.DataFrame)
        The tables :data:`TABLES` (``units``, ``children``, ``measures``, ``items``,
        ``responses``, ``goals``, ``reference``), with the dtypes a loaded dataset has
        (ids in ``responses`` as categoricals, ``round`` ordered). With ``truth=True``
        the tuple ``(tables, truth)``.

    Raises
    ------
    KeyError
        If the sector is unknown.
    ValueError
        If a size, the format, the rounds, ``effects`` or a planted effect is invalid
        (e.g. more planted institutions than there are, an unknown child measure).
    FileExistsError
        If ``out`` is a non-empty folder that is not a previous sample and ``overwrite``
        is false, or is a file.

    Examples
    --------
    >>> t = generate("skole", institutions=2, seed=3)
    >>> t["units"].department_name.iloc[0]
    '4.A'
    """
    profile = get_profile(sector)
    sector = profile.sector
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
    if national:
        sizes = NATIONAL_SIZE[sector]
        institutions = sizes["institutions"] if institutions is None else institutions
        children = sizes.get("children") if children is None else children
    if institutions is None:
        institutions = 25 if sector == "dagtilbud" else 8
    if int(institutions) != institutions or institutions < 1:
        raise ValueError(f"institutions must be a positive whole number, not {institutions!r}")
    institutions = int(institutions)
    if children is not None and (int(children) != children or children < 1):
        raise ValueError(f"children must be a positive whole number, not {children!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, not {seed!r}")
    round_ids = _round_ids(rounds, profile)
    if not isinstance(effects, str) or effects not in ("sample", "none"):
        raise ValueError(f"effects must be 'sample' or 'none', not {effects!r}")
    if isinstance(plant, dict):
        known = [f.name for f in dataclasses.fields(Plant)]
        unknown = [str(k) for k in plant if k not in known]
        if unknown:
            raise ValueError(f"unknown plant option(s) {', '.join(unknown)}; the options are "
                             + ", ".join(known))
        plant = Plant(**plant)
    if plant is not None and not isinstance(plant, Plant):
        raise ValueError(f"plant must be a Plant, a dict or None, not {type(plant).__name__}")
    if plant is not None:
        child = [str(m) for m in profile.measures.loc[profile.measures.subject == "child",
                                                      "measure_id"]]
        plant._check(institutions, child, len(round_ids))
    if name is None:
        name = "Danmark (syntetisk)" if national else "Eksempel Kommune"

    target = None
    if out is not None:
        target = Path(out)
        _check_target(target, overwrite)

    gen = _Generator(profile, institutions, int(seed), round_ids, children,
                     effects=effects, plant=plant)
    tables = gen.run()
    if target is not None:
        meta = {
            "name": name,
            "sector": sector,
            "rounds": round_ids,
            "round_dates": gen.round_dates,
            "min_n": 5,
            "synthetic": True,
            "generator": GENERATOR_MARK,
            "seed": int(seed),
        }
        if effects != "sample":
            meta["effects"] = effects
        if plant is not None and plant._describe():
            meta["plant"] = plant._describe()  # what, not where: the truth stays outside
        _write_atomic(target, tables, meta, format, overwrite)
    if truth:
        return tables, gen.truth()
    return tables


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _rng(seed: int, *names: str) -> np.random.Generator:
    """An independent, reproducible random stream for a named part of the data."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode("utf-8")) for n in names)])


def _round_ids(rounds: int | list[str] | None, profile: Profile) -> list[str]:
    if rounds is None:
        return list(profile.default_rounds)
    if isinstance(rounds, (int, np.integer)) and not isinstance(rounds, bool):
        if rounds < 1:
            raise ValueError(f"rounds must be at least 1, not {rounds}")
        return [f"T{k}" for k in range(1, int(rounds) + 1)]
    ids = [str(r).strip() for r in rounds]
    if not ids or any(not r for r in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"rounds must be distinct, non-empty round ids, not {rounds!r}")
    return ids


def _thresholds(probs: list[float] | None, n_points: int, total_sd: float) -> np.ndarray:
    """Cut points on the latent scale giving the marginal answer shares ``probs``."""
    if probs is None or len(probs) != n_points:
        # roughly normal, slightly skewed to the positive end
        x = np.linspace(-1.6, 2.0, n_points)
        p = np.exp(-0.5 * (x - 0.6) ** 2)
        probs = list(p / p.sum())
    cum = np.cumsum(probs)[:-1]
    return ndtri(np.clip(cum, 1e-9, 1 - 1e-9)) * total_sd


def _logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _split_even(n: int, k: int) -> list[int]:
    base, extra = divmod(n, k)
    return [base + (1 if j < extra else 0) for j in range(k)]


@dataclass
class _Block:
    """Response rows of one part of the data, as integer codes."""

    round: np.ndarray
    item: np.ndarray
    dept: np.ndarray
    child: np.ndarray
    resp: np.ndarray
    value: np.ndarray


def _assemble(items_all: list, values_all: list, r: int, dept: np.ndarray, *,
              child: np.ndarray | None = None, resp: np.ndarray | None = None) -> _Block:
    """One block of response rows: every subject (row of ``values_all``) × every item;
    ``child``/``resp`` codes per subject, -1 where the subject is not of that kind."""
    item_codes = np.concatenate(items_all)
    V = np.concatenate(values_all, axis=1)  # subjects x items
    n, k = V.shape[0], len(item_codes)
    none = np.full(n * k, -1, dtype=np.int32)
    return _Block(
        round=np.full(n * k, r, dtype=np.int8),
        item=np.tile(item_codes, n).astype(np.int16),
        dept=np.repeat(dept, k).astype(np.int32),
        child=none if child is None else np.repeat(child, k).astype(np.int32),
        resp=none.copy() if resp is None else np.repeat(resp, k).astype(np.int32),
        value=V.ravel(),
    )


@dataclass
class _Org:
    units: pd.DataFrame
    dept_inst: np.ndarray  # institution index per department
    dept_weight: np.ndarray  # share of the institution's children per department
    inst_size: np.ndarray  # relative size per institution (mean 1)
    dept_grade: np.ndarray | None = None  # skole: grade per department (-1 = special)
    dept_letter: np.ndarray | None = None  # skole: parallel class index
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, profile: Profile, n_inst: int, seed: int, rounds: list[str],
                 children: int | None, *, effects: str = "sample", plant: Plant | None = None):
        self.null = effects == "none"
        self.plant = plant
        self.p = profile
        self.sector = profile.sector
        self.cfg = _SECTOR[self.sector]
        self.n_inst = n_inst
        self.seed = seed
        self.rounds = rounds
        self.R = len(rounds)
        self.years = np.array([self.cfg["first_year"] + self.cfg["step"] * r
                               for r in range(self.R)])
        self.round_dates = {r: f"{y}-{self.cfg['month']}-01"
                            for r, y in zip(rounds, self.years, strict=True)}
        self.n_children_target = children
        self.measures = profile.measures
        self.items = profile.items
        self.item_code = {iid: k for k, iid in enumerate(self.items.item_id)}
        self.stats: dict[tuple[str, int], tuple[int, float, float]] = {}

    def rng(self, *names: str) -> np.random.Generator:
        return _rng(self.seed, self.sector, *names)

    # ---------------------------------------------------------------- run
    def run(self) -> dict[str, pd.DataFrame]:
        org = self._org_dagtilbud() if self.sector == "dagtilbud" else self._org_skole()
        self.org = org
        self.n_dept = len(org.units)
        if self.sector == "dagtilbud":
            self._population_dagtilbud()
        else:
            self._population_skole()
        self._effects()

        blocks: list[_Block] = []
        sources = list(dict.fromkeys(self.measures.source))
        for r in range(self.R):
            for src in sources:
                sub = self.measures[self.measures.source == src]
                subject = sub.subject.iloc[0]
                if subject == "child":
                    blocks.append(self._child_block(src, sub, r))
                elif subject == "respondent":
                    blocks.append(self._staff_block(src, sub, r))
                else:
                    blocks.append(self._dept_block(src, sub, r))
        responses = self._responses_frame(blocks)
        tables = {
            "units": org.units,
            "children": self._children_frame(),
            "measures": self.measures,
            "items": self.items,
            "responses": responses,
            "goals": self._goals(),
            "reference": self._reference(),
        }
        return tables

    # ---------------------------------------------------------------- organisation
    def _areas(self, rng: np.random.Generator) -> tuple[list[str], list[str]]:
        """Area and cluster name per institution, institutions ordered by area, cluster."""
        n = self.n_inst
        # a municipality has a handful of areas of about 6 institutions; at national
        # size an "area" is about the size of a municipality (40 institutions)
        n_areas = round(n / 40) if n >= 240 else (max(2, n // 6) if n >= 8 else 1)
        sizes = _split_even(n, n_areas)
        areas: list[str] = []
        clusters: list[str] = []
        for a, size in enumerate(sizes):
            short = _AREA_NAMES[a] if a < len(_AREA_NAMES) else str(a + 1)
            k = max(1, -(-size // 4))
            for c, csize in enumerate(_split_even(size, k)):
                areas += [f"Område {short}"] * csize
                clusters += [f"Klynge {short} {c + 1}"] * csize
        return areas, clusters

    def _inst_names(self, rng: np.random.Generator, n: int) -> list[str]:
        if self.sector == "dagtilbud":
            base = np.asarray(_DT_NAMES, dtype=object)
            order = rng.permutation(len(base))
            prefix = rng.integers(0, len(_DT_PREFIX), n)
            names = []
            for i in range(n):
                b = base[order[i % len(base)]]
                suffix = "" if i < len(base) else f" {i // len(base) + 1}"
                names.append(f"{_DT_PREFIX[prefix[i]]} {b}{suffix}")
            return names
        base = np.asarray(_SK_NAMES, dtype=object)
        order = rng.permutation(len(base))
        return [f"{base[order[i % len(base)]]} Skole"
                + ("" if i < len(base) else f" {i // len(base) + 1}") for i in range(n)]

    def _org_dagtilbud(self) -> _Org:
        rng = self.rng("org")
        n = self.n_inst
        areas, clusters = self._areas(rng)
        width = max(2, len(str(n)))
        inst_ids = [f"I{i + 1:0{width}d}" for i in range(n)]
        inst_names = self._inst_names(rng, n)
        n_dept = rng.choice([2, 3, 4, 5], size=n, p=[.2, .35, .3, .15])
        style = rng.choice(3, size=n, p=[.5, .3, .2])
        rows = []
        for i in range(n):
            k = int(n_dept[i])
            if style[i] == 0:
                names = list(rng.choice(_DT_DEPT_ANIMALS, size=k, replace=False))
            elif style[i] == 1:
                word = "Stue" if rng.random() < .7 else "Gruppe"
                names = [f"{word} {j + 1}" for j in range(k)]
            else:
                names = list(_DT_DEPT_GROUPS[:k])
            for j in range(k):
                rows.append((f"{inst_ids[i]}-{j + 1}", str(names[j]), inst_ids[i],
                             inst_names[i], clusters[i], areas[i]))
        units = pd.DataFrame(rows, columns=["department_id", "department_name",
                                            "institution_id", "institution_name",
                                            "cluster", "area"])
        dept_inst = np.repeat(np.arange(n), n_dept).astype(np.int32)
        weight = rng.gamma(4.0, 1.0, len(units))
        small = rng.random(len(units)) < .12
        # never make every department of an institution small
        all_small = np.bincount(dept_inst, weights=~small, minlength=n) == 0
        small &= ~all_small[dept_inst]
        weight = np.where(small, weight * .1, weight)
        weight = weight / np.bincount(dept_inst, weights=weight, minlength=n)[dept_inst]
        size = n_dept * rng.lognormal(0.0, .25, n)
        size = size / size.mean()
        return _Org(units=_as_str(units), dept_inst=dept_inst, dept_weight=weight,
                    inst_size=size)

    def _org_skole(self) -> _Org:
        rng = self.rng("org")
        n = self.n_inst
        areas, clusters = self._areas(rng)
        width = max(2, len(str(n)))
        inst_ids = [f"S{i + 1:0{width}d}" for i in range(n)]
        inst_names = self._inst_names(rng, n)
        n_par = rng.choice([1, 2, 3], size=n, p=[.3, .5, .2])
        special = rng.random(n) < .4
        rows, grades, letters, dinst = [], [], [], []
        for i in range(n):
            for g in range(4, 10):
                for j in range(int(n_par[i])):
                    L = "ABC"[j]
                    rows.append((f"{inst_ids[i]}-{g}{L}", f"{g}.{L}"))
                    grades.append(g)
                    letters.append(j)
                    dinst.append(i)
            if special[i]:
                rows.append((f"{inst_ids[i]}-SP", "Specialklassen"))
                grades.append(-1)
                letters.append(-1)
                dinst.append(i)
        dinst_a = np.array(dinst, dtype=np.int32)
        units = pd.DataFrame(rows, columns=["department_id", "department_name"])
        units["institution_id"] = [inst_ids[i] for i in dinst]
        units["institution_name"] = [inst_names[i] for i in dinst]
        units["cluster"] = [clusters[i] for i in dinst]
        units["area"] = [areas[i] for i in dinst]
        return _Org(units=_as_str(units), dept_inst=dinst_a,
                    dept_weight=np.ones(len(units)), inst_size=n_par / n_par.mean(),
                    dept_grade=np.array(grades), dept_letter=np.array(letters),
                    extra={"n_par": n_par, "special": special})

    # ---------------------------------------------------------------- population
    def _draw_dept(self, rng: np.random.Generator, inst: np.ndarray) -> np.ndarray:
        """Draw a department within each child's institution, by department weight."""
        if not hasattr(self, "_dept_cum"):
            w, di = self.org.dept_weight, self.org.dept_inst  # departments grouped by inst
            cw = np.cumsum(w)
            start = np.r_[0, np.flatnonzero(np.diff(di)) + 1]
            end = np.r_[start[1:], len(w)]
            cum = di + (cw - np.repeat(np.r_[0.0, cw][start], end - start))
            cum[end - 1] = di[end - 1] + 1.0
            self._dept_cum = cum
        cum = self._dept_cum
        d = np.searchsorted(cum, inst + rng.random(len(inst)) * (1 - 1e-9), side="right")
        return np.minimum(d, len(cum) - 1).astype(np.int32)

    def _background(self, rng: np.random.Generator, inst: np.ndarray) -> None:
        n = len(inst)
        ses_inst = rng.normal(0.0, .55, self.n_inst)
        if self.null:  # exchangeable between institutions, the same shares of each level
            latent = np.sqrt(1 + .55 ** 2) * rng.standard_normal(n)
        else:
            latent = ses_inst[inst] + rng.standard_normal(n)
        cut = ndtri(np.cumsum(_EDU_SHARE)[:-1]) * np.sqrt(1 + .55 ** 2)
        self.edu = np.searchsorted(cut, latent).astype(np.int8)
        # another home language is more common where parents have less education
        z = -.45 * latent / np.sqrt(1 + .55 ** 2) + np.sqrt(1 - .45 ** 2) * rng.standard_normal(n)
        self.lang = np.searchsorted(ndtri(np.cumsum(_LANG_SHARE)[:-1]), z).astype(np.int8)
        self.sex = (rng.random(n) < .513).astype(np.int8)  # 1 = Dreng
        edu_z = _EDU_SCORE[self.edu]
        self.edu_z = (edu_z - (_EDU_SCORE * _EDU_SHARE).sum()) / 0.85
        self.lang_z = np.array([0.0, 0.5, 1.0])[self.lang]

    def _population_dagtilbud(self) -> None:
        rng = self.rng("population")
        org, R, years = self.org, self.R, self.years
        births = np.arange(years[0] - 5, years[-1])
        n_coh = len(births)
        target = self.n_children_target or 90 * self.n_inst
        # about 0.86 of the generated children are ever present
        lam = target / (self.n_inst * n_coh * .86) * org.inst_size
        counts = rng.poisson(np.repeat(lam[:, None], n_coh, axis=1))
        inst0 = np.repeat(np.repeat(np.arange(self.n_inst), n_coh), counts.ravel())
        birth = np.repeat(np.tile(births, self.n_inst), counts.ravel())
        C = len(inst0)
        entry_age = rng.choice([1, 2, 3, 4], size=C, p=[.55, .2, .15, .1])
        age = years[None, :] - birth[:, None]
        leave = rng.random((C, R)) < .06
        leave[:, 0] = False
        left = np.cumsum(leave, axis=1) > 0
        present = (age >= np.maximum(entry_age, 1)[:, None]) & (age <= 5) & ~left
        inst = np.empty((C, R), dtype=np.int32)
        dept = np.empty((C, R), dtype=np.int32)
        inst[:, 0] = inst0
        dept[:, 0] = self._draw_dept(rng, inst0)
        for r in range(1, R):
            move = rng.random(C) < .03
            new_inst = rng.integers(0, self.n_inst, C)
            inst[:, r] = np.where(move, new_inst, inst[:, r - 1])
            redraw = move | (rng.random(C) < .15)
            dept[:, r] = np.where(redraw, self._draw_dept(rng, inst[:, r]), dept[:, r - 1])
        keep = present.any(axis=1)
        self.present = present[keep]
        self.inst = inst[keep]
        self.dept = dept[keep]
        self.age = age[keep]
        self.birth = birth[keep]
        self.C = int(keep.sum())
        self._background(rng, self.inst[:, 0])

    def _population_skole(self) -> None:
        rng = self.rng("population")
        org, R = self.org, self.R
        grade, letter, dinst = org.dept_grade, org.dept_letter, org.dept_inst
        n_par = org.extra["n_par"]
        # class cohorts: (school, parallel letter, grade at first round)
        g0s = np.arange(4 - (R - 1), 10)
        coh_inst = np.repeat(np.arange(self.n_inst), n_par * len(g0s))
        coh_letter = np.concatenate([np.repeat(np.arange(k), len(g0s)) for k in n_par])
        coh_g0 = np.concatenate([np.tile(g0s, k) for k in n_par])
        size = np.clip(np.round(rng.normal(21, 3.5, len(coh_inst))), 12, 28).astype(int)
        inst0 = np.repeat(coh_inst, size)
        let0 = np.repeat(coh_letter, size)
        g0 = np.repeat(coh_g0, size)
        special_inst = np.flatnonzero(org.extra["special"])
        sp_size = rng.integers(3, 8, len(special_inst))
        sp_inst = np.repeat(special_inst, sp_size)
        sp_g0 = rng.integers(4 - (R - 1), 10, len(sp_inst))
        is_sp = np.r_[np.zeros(len(inst0), bool), np.ones(len(sp_inst), bool)]
        inst0 = np.r_[inst0, sp_inst].astype(np.int32)
        let0 = np.r_[let0, np.full(len(sp_inst), -1)]
        g0 = np.r_[g0, sp_g0]
        C = len(inst0)
        grade_r = g0[:, None] + np.arange(R)[None, :]
        entry = np.where(rng.random(C) < .08, rng.integers(1, 3, C), 0)
        leave = rng.random((C, R)) < .04
        leave[:, 0] = False
        left = np.cumsum(leave, axis=1) > 0
        present = (grade_r >= 4) & (grade_r <= 9) & (np.arange(R)[None, :] >= entry[:, None])
        present &= ~left
        # class switches between parallel classes
        letters = np.empty((C, R), dtype=np.int64)
        letters[:, 0] = let0
        for r in range(1, R):
            switch = (rng.random(C) < .03) & (let0 >= 0)
            alt = rng.integers(0, 3, C) % np.maximum(n_par[inst0], 1)
            letters[:, r] = np.where(switch, alt, letters[:, r - 1])
        # map (school, grade, letter) -> department index
        key = {(int(i), int(g), int(L)): d
               for d, (i, g, L) in enumerate(zip(dinst, grade, letter, strict=True))}
        sp_dept = {int(i): d for d, (i, g) in enumerate(zip(dinst, grade, strict=True))
                   if g == -1}
        dept = np.full((C, R), -1, dtype=np.int32)
        gmax = 10
        lut = np.full((self.n_inst, gmax + 1, 3), -1, dtype=np.int32)
        for (i, g, L), d in key.items():
            if g >= 0:
                lut[i, g, L] = d
        gclip = np.clip(grade_r, 0, gmax)
        reg = ~is_sp
        dept[reg] = lut[inst0[reg][:, None], gclip[reg], np.maximum(letters[reg], 0)]
        if is_sp.any():
            dept[is_sp] = np.array([sp_dept[int(i)] for i in inst0[is_sp]])[:, None]
        present &= dept >= 0
        keep = present.any(axis=1)
        self.present = present[keep]
        self.inst = np.repeat(inst0[keep][:, None], R, axis=1).astype(np.int32)
        self.dept = dept[keep]
        self.age = grade_r[keep]
        late = rng.random(C)[keep] < .05
        self.birth = self.years[0] - g0[keep] - 6 - late
        self.C = int(keep.sum())
        self._background(rng, self.inst[:, 0])

    # ---------------------------------------------------------------- effects
    def _effects(self) -> None:
        rng = self.rng("effects")
        cfg = self.cfg
        self.inst_common = rng.standard_normal(self.n_inst)
        self.dept_common = rng.standard_normal(self.n_dept)
        self.improving = rng.random(self.n_inst) < cfg["improve_share"]
        self.slope_base = rng.normal(0.0, .05, self.n_inst)
        self.g = self.rng("general").standard_normal(self.C).astype(np.float32)
        self.staff_culture = rng.standard_normal(self.n_inst)
        self.doc_inst = rng.normal(0.0, .8, self.n_inst)
        self.doc_dept = rng.normal(0.0, 1.1, self.n_dept)
        # planted effects: own streams, drawn only when planted (the default bytes stay)
        self.shifted = np.zeros(self.n_inst, dtype=bool)
        self.gaining = np.zeros(self.n_inst, dtype=bool)
        pl = self.plant
        if pl is not None and pl.institutions:
            pick = self.rng("plant", "institutions").choice(self.n_inst, pl.institutions,
                                                             replace=False)
            self.shifted[pick] = True
        if pl is not None and pl.change_institutions:
            pick = self.rng("plant", "change").choice(self.n_inst, pl.change_institutions,
                                                       replace=False)
            self.gaining[pick] = True

    def _trend(self, gain: float, r: int) -> np.ndarray:
        """Change from the first round per institution, at round index ``r``."""
        if self.null:
            return np.zeros(self.n_inst)
        return (self.improving * gain + self.slope_base + self.cfg["drift"]) * r

    def _planted(self, measure_id: str, r: int) -> np.ndarray:
        """The planted shift per institution of a child measure at round index ``r``."""
        out = np.zeros(self.n_inst)
        pl = self.plant
        if pl is None:
            return out
        out += pl.size * _CHILD_SD * self.shifted
        if pl.change_measure == measure_id and r == self.R - 1:
            out += pl.change_size * _CHILD_SD * self.gaining
        return out

    def truth(self) -> pd.DataFrame:
        """The planted effects (see ``generate(..., truth=True)``)."""
        pl, rows = self.plant, []
        inst_ids = list(dict.fromkeys(self.org.units["institution_id"]))
        child = [str(m) for m in self.measures.loc[self.measures.subject == "child",
                                                   "measure_id"]]
        prev, last = (self.rounds[-2], self.rounds[-1]) if self.R >= 2 else (None, None)

        def sign(x: float) -> int:
            return 1 if x > 0 else -1

        if pl is not None and pl.size:
            for i in np.flatnonzero(self.shifted):
                rows += [("institution", inst_ids[i], m, None, None, abs(pl.size),
                          sign(pl.size)) for m in child]
        if pl is not None and pl.change_size:
            rows += [("change", inst_ids[i], pl.change_measure, prev, last,
                      abs(pl.change_size), sign(pl.change_size))
                     for i in np.flatnonzero(self.gaining)]
        if pl is not None and pl.gap:
            rows += [("gap", None, m, None, None, abs(pl.gap), sign(pl.gap)) for m in child]
            if pl.gap_narrowing:
                rows += [("gap_change", None, m, prev, last,
                          round(abs(pl.gap) * pl.gap_narrowing, 12), -1) for m in child]
        df = pd.DataFrame(rows, columns=TRUTH_COLUMNS)
        return df.astype({"kind": object, "institution_id": object, "measure_id": object,
                          "from_round": object, "to_round": object, "size": float,
                          "direction": int})

    # ---------------------------------------------------------------- child blocks
    def _child_block(self, src: str, sub: pd.DataFrame, r: int) -> _Block:
        sp = {**_SOURCE_DEFAULT, **_SOURCE.get(src, {})}
        rng = self.rng("responses", src, self.rounds[r])
        mask = self.present[:, r].copy()
        if "min_age" in sp:
            mask &= self.age[:, r] >= sp["min_age"]
        idx = np.flatnonzero(mask)
        # response propensity: parents with less education answer less often
        logit = np.log(sp["respond"] / (1 - sp["respond"]))
        if src == "forælder":
            logit = logit + .45 * self.edu_z[idx] - .5 * self.lang_z[idx]
        answered = rng.random(len(idx)) < _logistic(logit)
        idx = idx[answered]
        dept = self.dept[idx, r]
        inst = self.inst[idx, r]
        order = np.lexsort((self.child_code[idx], dept))
        idx, dept, inst = idx[order], dept[order], inst[order]
        n = len(idx)
        gain = self.cfg["gain_child"]
        items_all, values_all = [], []
        for m in sub.itertuples(index=False):
            key = f"{m.measure_id}@{self.sector}"
            mp = {**_MEASURE_DEFAULT, **_MEASURE.get(key, _MEASURE.get(m.measure_id, {}))}
            mrng = self.rng("measure", m.measure_id)
            isd = 0.0 if self.null else sp["inst_sd"]
            inst_u = isd * (.6 * self.inst_common + .8 * mrng.standard_normal(
                self.n_inst))
            dsd = 0.0 if self.null else mp.get("dept_sd", sp["dept_sd"])
            dept_u = dsd * (.6 * self.dept_common + .8 * mrng.standard_normal(self.n_dept))
            dept_r = self.rng("dept_round", m.measure_id, self.rounds[r]).normal(
                0, .08, self.n_dept) * (0.0 if self.null else 1.0)
            if self.null:
                mp = {**mp, "edu": 0.0, "lang": 0.0, "boy": 0.0}
            trait = self.rng("trait", m.measure_id).standard_normal(self.C).astype(np.float32)
            lam = sp["loading"]
            within = (lam * self.g[idx] + np.sqrt(max(.7 - lam ** 2, 0)) * trait[idx]
                      + np.sqrt(.3) * rng.standard_normal(n))
            beta_edu = mp["edu"] * (1 - .06 * r)  # the social gradient shrinks slowly
            eta = (.9 * within + inst_u[inst] + dept_u[dept] + dept_r[dept]
                   + self._trend(gain, r)[inst]
                   + beta_edu * self.edu_z[idx] + mp["lang"] * self.lang_z[idx]
                   + mp["boy"] * self.sex[idx])
            var_eta = (.81 + isd ** 2 + dsd ** 2 + mp["edu"] ** 2
                       + .1 * mp["lang"] ** 2)
            pl = self.plant
            if pl is not None:
                # added on top; var_eta (the cut points of the answer scale) stays that of
                # the unplanted municipality, so a plant changes answers only where it acts
                gap = pl.gap * (1 - pl.gap_narrowing if r == self.R - 1 else 1.0)
                eta = (eta + gap * _CHILD_SD * self.edu_z[idx]
                       + self._planted(str(m.measure_id), r)[inst])
            self._add_measure(rng, eta, var_eta, m, sp, r, items_all, values_all)
        return _assemble(items_all, values_all, r, dept, child=self.child_code[idx])

    def _add_measure(self, rng: np.random.Generator, eta: np.ndarray, var_eta: float, m: Any,
                     sp: dict[str, Any], r: int, items_all: list, values_all: list) -> None:
        """Draw the item answers of one measure and append them (and their item codes)."""
        its = self.items[self.items.measure_id == m.measure_id]
        vals = self._item_values(rng, eta, var_eta, its, m, sp)
        items_all.append(np.array([self.item_code[i] for i in its.item_id]))
        values_all.append(vals)
        self._record(m, r, vals, its)

    def _item_values(self, rng: np.random.Generator, eta: np.ndarray, var_eta: float,
                     its: pd.DataFrame, m: Any, sp: dict) -> np.ndarray:
        """Answers (subjects x items) with reverse coding and missing answers applied."""
        n = len(eta)
        lo, hi = float(m.scale_min), float(m.scale_max)
        irng = self.rng("item_difficulty", m.measure_id)
        out = np.empty((n, len(its)), dtype=np.float64)
        missing = rng.random((n, len(its))) < sp["missing"]
        for j, rev in enumerate(its.reverse.to_numpy()):
            isd = sp["item_sd"] * (1.35 if rev else 1.0)
            shift = irng.normal(0.0, .2)
            u = eta + shift + isd * rng.standard_normal(n)
            total = np.sqrt(var_eta + isd ** 2)
            if sp["probs"] is None and hi - lo >= 20:
                v = np.clip(np.ceil(ndtr(u / total) * (hi - lo + 1)) + lo - 1, lo, hi)
            else:
                n_pts = int(round(hi - lo)) + 1
                cut = _thresholds(sp["probs"], n_pts, total)
                v = lo + np.searchsorted(cut, u)
            if rev:
                v = lo + hi - v
            out[:, j] = v
        out[missing] = np.nan
        return out

    def _record(self, m: Any, r: int, vals: np.ndarray, its: pd.DataFrame) -> None:
        """Keep n, mean and SD of the measure's scores (for the synthetic reference)."""
        lo, hi = float(m.scale_min), float(m.scale_max)
        rec = vals.copy()
        rev = its.reverse.to_numpy()
        rec[:, rev] = lo + hi - rec[:, rev]
        cnt = (~np.isnan(rec)).sum(axis=1)
        tot = np.nansum(rec, axis=1)
        ok = cnt >= max(int(m.min_items), 1)
        s = tot[ok] / cnt[ok]
        if len(s) >= 2:
            self.stats[(m.measure_id, r)] = (len(s), float(s.mean()), float(s.std(ddof=1)))

    # ---------------------------------------------------------------- staff
    def _staff_setup(self) -> None:
        if hasattr(self, "staff_id"):
            return
        rng = self.rng("staff")
        per_round = np.bincount(self.inst[self.present], minlength=self.n_inst) / self.R
        n_slots = np.maximum(
            2, np.round(per_round * self.cfg["staff_per_child"]
                        + rng.normal(0, 1.2, self.n_inst))).astype(int)
        slot_inst = np.repeat(np.arange(self.n_inst), n_slots).astype(np.int32)
        S = len(slot_inst)
        change = rng.random((S, self.R)) < .2
        change[:, 0] = True
        ids = (np.cumsum(change.ravel()) - 1).reshape(S, self.R)
        n_ids = int(ids.max()) + 1 if S else 0
        id_inst = np.empty(n_ids, dtype=np.int32)
        id_inst[ids.ravel()] = np.repeat(slot_inst, self.R)
        # each staff member belongs to a department of the institution
        n_dept_inst = np.bincount(self.org.dept_inst, minlength=self.n_inst)
        first_dept = np.r_[0, np.cumsum(n_dept_inst)[:-1]]
        id_dept = first_dept[id_inst] + (rng.random(n_ids) * n_dept_inst[id_inst]).astype(int)
        perm = rng.permutation(n_ids)
        self.staff_id = ids
        self.staff_inst = slot_inst
        self.staff_dept = id_dept.astype(np.int32)
        self.staff_code = perm.astype(np.int32)  # respondent id code per staff id
        self.staff_trait = rng.standard_normal(n_ids)
        self.n_staff_ids = n_ids

    def _staff_block(self, src: str, sub: pd.DataFrame, r: int) -> _Block:
        self._staff_setup()
        sp = {**_SOURCE_DEFAULT, **_SOURCE.get(src, {})}
        rng = self.rng("responses", src, self.rounds[r])
        ids = self.staff_id[:, r]
        answered = rng.random(len(ids)) < sp["respond"]
        ids = ids[answered]
        inst = self.staff_inst[answered]
        dept = self.staff_dept[ids]
        order = np.lexsort((self.staff_code[ids], dept))
        ids, inst, dept = ids[order], inst[order], dept[order]
        n = len(ids)
        items_all, values_all = [], []
        for m in sub.itertuples(index=False):
            mrng = self.rng("measure", m.measure_id)
            culture = sp["inst_sd"] * (.8 * self.staff_culture + .6 * mrng.standard_normal(
                self.n_inst)) + .15 * self.inst_common
            if self.null:
                culture = np.zeros(self.n_inst)
            eta = (culture[inst] + self._trend(self.cfg["gain_staff"], r)[inst]
                   + .65 * self.staff_trait[ids] + .45 * rng.standard_normal(n))
            var_eta = (0.0 if self.null else sp["inst_sd"] ** 2) + .65 ** 2 + .45 ** 2
            self._add_measure(rng, eta, var_eta, m, sp, r, items_all, values_all)
        return _assemble(items_all, values_all, r, dept, resp=self.staff_code[ids])

    # ---------------------------------------------------------------- departments
    def _dept_block(self, src: str, sub: pd.DataFrame, r: int) -> _Block:
        sp = {**_SOURCE_DEFAULT, **_SOURCE.get(src, {})}
        rng = self.rng("responses", src, self.rounds[r])
        observed = np.flatnonzero(rng.random(self.n_dept) < sp["respond"])
        inst = self.org.dept_inst[observed]
        n = len(observed)
        items_all, values_all = [], []
        for m in sub.itertuples(index=False):
            mrng = self.rng("measure", m.measure_id)
            quality = (.5 * self.dept_common + .35 * self.inst_common[self.org.dept_inst]
                       + .6 * mrng.standard_normal(self.n_dept))
            if self.null:
                quality = np.zeros(self.n_dept)
            eta = (quality[observed] + self._trend(self.cfg["gain_obs"], r)[inst]
                   + .35 * rng.standard_normal(n))
            var_eta = (.35 ** 2 if self.null else .5 ** 2 + .35 ** 2 + .6 ** 2 + .35 ** 2)
            self._add_measure(rng, eta, var_eta, m, sp, r, items_all, values_all)
        return _assemble(items_all, values_all, r, observed)

    # ---------------------------------------------------------------- tables
    @property
    def child_code(self) -> np.ndarray:
        """Position of each child's id in the sorted list of child ids."""
        if not hasattr(self, "_child_code"):
            self._child_code = self.rng("child_ids").permutation(self.C).astype(np.int32)
        return self._child_code

    def _child_ids(self) -> list[str]:
        width = max(6, len(str(self.C)))
        prefix = self.cfg["child_prefix"]
        return [f"{prefix}{k + 1:0{width}d}" for k in range(self.C)]

    def _staff_ids(self) -> list[str]:
        width = max(5, len(str(self.n_staff_ids)))
        return [f"M{k + 1:0{width}d}" for k in range(self.n_staff_ids)]

    def _children_frame(self) -> pd.DataFrame:
        order = np.argsort(self.child_code)
        bg = self.p.background
        df = pd.DataFrame({
            "child_id": pd.array(self._child_ids(), dtype="str"),
            "birth_year": pd.array(self.birth[order], dtype="Int64"),
            "sex": pd.Categorical.from_codes(self.sex[order], categories=bg["sex"],
                                             ordered=True),
            "parent_education": pd.Categorical.from_codes(
                self.edu[order], categories=bg["parent_education"], ordered=True),
            "language": pd.Categorical.from_codes(self.lang[order],
                                                  categories=bg["language"], ordered=True),
        })
        return df

    def _responses_frame(self, blocks: list[_Block]) -> pd.DataFrame:
        def cat(name: str) -> np.ndarray:
            arr = np.concatenate([getattr(b, name) for b in blocks])
            for b in blocks:
                setattr(b, name, None)
            return arr

        self._staff_setup()
        rounds = pd.Categorical.from_codes(cat("round"), categories=self.rounds, ordered=True)
        item = pd.Categorical.from_codes(cat("item"), categories=pd.Index(
            list(self.items.item_id), dtype="str"))
        dept = pd.Categorical.from_codes(cat("dept"), categories=pd.Index(
            list(self.org.units.department_id), dtype="str"))
        child = pd.Categorical.from_codes(cat("child"), categories=pd.Index(
            self._child_ids(), dtype="str"))
        resp = pd.Categorical.from_codes(cat("resp"), categories=pd.Index(
            self._staff_ids(), dtype="str")).remove_unused_categories()
        value = cat("value")
        return pd.DataFrame({"round": rounds, "item_id": item, "department_id": dept,
                             "child_id": child, "respondent_id": resp, "value": value})

    def _goals(self) -> pd.DataFrame:
        rng = self.rng("goals")
        themes = list(self.p.themes)
        D, R = self.n_dept, self.R
        n_goals = rng.choice([1, 2, 3], size=(R, D), p=[.3, .45, .25])
        r_idx = np.repeat(np.repeat(np.arange(R), D), n_goals.ravel())
        d_idx = np.repeat(np.tile(np.arange(D), R), n_goals.ravel())
        G = len(r_idx)
        inst = self.org.dept_inst[d_idx]
        theme_idx = rng.integers(0, len(themes), G)
        pick = rng.integers(0, 1_000_000, G)
        texts = [
            (lambda opts, k: opts[k % len(opts)])(_GOALS.get(themes[t], _GOAL_FALLBACK), k)
            for t, k in zip(theme_idx, pick, strict=True)
        ]
        improving = self.improving[inst]
        base = (self.doc_inst[inst] + self.doc_dept[d_idx] + .6 * r_idx
                + .9 * improving)
        if self.null:
            base = np.zeros(G)
        defined = rng.random(G) < _logistic(1.0 + base)
        documented = defined & (rng.random(G) < _logistic(.3 + base))
        width = max(4, len(str(G)))
        return pd.DataFrame({
            "round": pd.Categorical.from_codes(r_idx, categories=self.rounds, ordered=True),
            "department_id": pd.array(self.org.units.department_id.to_numpy()[d_idx],
                                      dtype="str"),
            "goal_id": pd.array([f"G{k + 1:0{width}d}" for k in range(G)], dtype="str"),
            "theme": pd.array([themes[t] for t in theme_idx], dtype="str"),
            "goal": pd.array(texts, dtype="str"),
            "signs_defined": defined,
            "signs_documented": documented,
        })

    def _reference(self) -> pd.DataFrame:
        rng = self.rng("reference")
        rows = []
        n_scale = {"child": 50_000, "respondent": 20_000, "department": 1_500}
        for m in self.measures.itertuples(index=False):
            first = next((self.stats[(m.measure_id, r)] for r in range(self.R)
                          if (m.measure_id, r) in self.stats), None)
            offset = rng.normal(0.0, .12)
            n0 = n_scale.get(m.subject, 10_000) * rng.uniform(.8, 1.2)
            for r in range(self.R):
                if self.null:  # the nation is like the municipality: no offset, no trend
                    if first is None:
                        continue
                    mean, sd = first[1], first[2]
                elif m.scale_min == 1 and m.scale_max == 100:  # percentiles: national norm
                    mean, sd = 50.0, 28.9
                else:
                    local = self.stats.get((m.measure_id, r), first)
                    if local is None:
                        continue
                    sd0 = first[2] if first else local[2]
                    mean = first[1] + (offset + .02 * r) * sd0
                    sd = local[2] * rng.uniform(.96, 1.04)
                    mean = float(np.clip(mean, m.scale_min, m.scale_max))
                n = int(round(n0 * (1 + .03 * r) / 10) * 10)
                rows.append((m.measure_id, self.rounds[r], "national", n,
                             round(float(mean), 3), round(float(sd), 3)))
        df = pd.DataFrame(rows, columns=["measure_id", "round", "scope", "n", "mean", "sd"])
        df["measure_id"] = df["measure_id"].astype("str")
        df["round"] = pd.Categorical(df["round"], categories=self.rounds, ordered=True)
        df["scope"] = df["scope"].astype("str")
        df["n"] = df["n"].astype("Int64")
        return df


def _as_str(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({c: "str" for c in df.columns})


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


#: Sub-folders of a sample folder that are kept when the sample is generated again.
KEPT_FOLDERS = ("plans",)


def _is_previous_sample(folder: Path) -> bool:
    """True if ``folder`` holds only a dataset written by this generator."""
    toml = folder / "dataset.toml"
    if not toml.is_file():
        return False
    try:
        meta = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return False
    if meta.get("synthetic") is not True or meta.get("generator") != GENERATOR_MARK:
        return False
    allowed = {"dataset.toml"} | {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")}
    return all(
        (p.name in allowed and p.is_file()) or (p.name in KEPT_FOLDERS and p.is_dir())
        for p in folder.iterdir()
    )


def _check_target(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder; give a folder path for the "
                              "sample data")
    if out.is_dir() and any(out.iterdir()) and not overwrite and not _is_previous_sample(out):
        raise FileExistsError(
            f"{out} is not empty and does not hold a previous llkit sample; choose an empty "
            "or new folder, or pass overwrite=True (--overwrite) to replace it")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)) and np.isfinite(v):
        return repr(float(v))
    if isinstance(v, str):
        esc = v.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{esc}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to dataset.toml")


def _dataset_toml(meta: dict[str, Any]) -> str:
    lines = ["# Synthetic sample data generated by llkit (llkit.data.sample.generate).",
             "# All names and numbers are invented; no real children are described.", ""]
    tables = {k: v for k, v in meta.items() if isinstance(v, dict)}
    for k, v in meta.items():
        if not isinstance(v, dict):
            lines.append(f"{k} = {_toml_value(v)}")
    for k, v in tables.items():
        lines += ["", f"[{k}]"]
        lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def _for_csv(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = np.where(out[c].to_numpy(), "true", "false")
    return out


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame], fmt: str) -> None:
    for name in TABLES:
        df = tables[name]
        if fmt == "csv":
            _for_csv(df).to_csv(folder / f"{name}.csv", index=False, encoding="utf-8",
                                float_format=_CSV_FLOAT_FORMAT, lineterminator="\n")
        else:
            df.to_parquet(folder / f"{name}.parquet", index=False, engine="pyarrow",
                          compression="zstd")


def _write_atomic(out: Path, tables: dict[str, pd.DataFrame], meta: dict[str, Any],
                  fmt: str, overwrite: bool) -> None:
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    old: Path | None = None
    try:
        (tmp / "dataset.toml").write_text(_dataset_toml(meta), encoding="utf-8", newline="\n")
        _write_tables(tmp, tables, fmt)
        tmp.chmod(0o755)
        _check_target(out, overwrite)  # the folder may have changed meanwhile
        if out.exists():
            # the teams' own work beside a sample (action plans) survives a regeneration
            for name in KEPT_FOLDERS:
                if (out / name).is_dir():
                    shutil.copytree(out / name, tmp / name)
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
