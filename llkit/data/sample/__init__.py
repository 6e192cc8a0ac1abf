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

The package is laid out along the generator's steps: :mod:`~llkit.data.sample.organisation`
(areas, institutions, departments), :mod:`~llkit.data.sample.population` (children per
round and their background), :mod:`~llkit.data.sample.effects` (latent effects and the
known truth), :mod:`~llkit.data.sample.answers` (item answers), :mod:`~llkit.data.sample.tables`
(the DataFrames) and :mod:`~llkit.data.sample.output` (writing a folder), with the model
parameters in :mod:`~llkit.data.sample.parameters` and the invented Danish names in
:mod:`~llkit.data.sample.names`.

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
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.profiles import Profile, get_profile
from llkit.data.sample.generator import _Generator
from llkit.data.sample.output import GENERATOR_MARK, TABLES, _check_target, _write_atomic
from llkit.data.sample.output import KEPT_FOLDERS as KEPT_FOLDERS
from llkit.data.sample.plant import TRUTH_COLUMNS, Plant

__all__ = ["generate", "Plant", "TABLES", "NATIONAL_SIZE", "TRUTH_COLUMNS"]

#: Sizes used by ``generate(..., national=True)``: about the whole country.
NATIONAL_SIZE: dict[str, dict[str, int]] = {
    "dagtilbud": {"institutions": 4000, "children": 250_000},
    "skole": {"institutions": 1100},
}


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
    institutions, children = _sizes(sector, institutions, children, national)
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, not {seed!r}")
    round_ids = _round_ids(rounds, profile)
    if not isinstance(effects, str) or effects not in ("sample", "none"):
        raise ValueError(f"effects must be 'sample' or 'none', not {effects!r}")
    plant = _as_plant(plant, profile, institutions, len(round_ids))
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
        meta = _meta(name, sector, round_ids, gen.round_dates, int(seed), effects, plant)
        _write_atomic(target, tables, meta, format, overwrite)
    if truth:
        return tables, gen.truth()
    return tables


# --------------------------------------------------------------------------------------
# Steps of generate
# --------------------------------------------------------------------------------------


def _sizes(sector: str, institutions: int | None, children: int | None,
           national: bool) -> tuple[int, int | None]:
    """The number of institutions and children asked for, with the defaults filled in."""
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
    return institutions, children


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


def _as_plant(plant: Plant | dict[str, Any] | None, profile: Profile, institutions: int,
              n_rounds: int) -> Plant | None:
    """The ``plant`` argument as a :class:`Plant`, checked against the municipality."""
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
        plant._check(institutions, child, n_rounds)
    return plant


def _meta(name: str, sector: str, round_ids: list[str], round_dates: dict[str, str],
          seed: int, effects: str, plant: Plant | None) -> dict[str, Any]:
    """The contents of the sample's ``dataset.toml``."""
    meta: dict[str, Any] = {
        "name": name,
        "sector": sector,
        "rounds": round_ids,
        "round_dates": round_dates,
        "min_n": 5,
        "synthetic": True,
        "generator": GENERATOR_MARK,
        "seed": seed,
    }
    if effects != "sample":
        meta["effects"] = effects
    if plant is not None and plant._describe():
        meta["plant"] = plant._describe()  # what, not where: the truth stays outside
    return meta
