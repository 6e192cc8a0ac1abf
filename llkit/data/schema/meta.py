"""The metadata (``dataset.toml`` or the workbook's dataset sheet) checked and parsed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llkit.data.io.raw import Meta, RawMeta
from llkit.errors import ProblemLog

#: The smallest ``min_n`` a dataset may set: in a group of 1 or 2 children, a shown mean
#: is one child's value, or lets one parent compute the other child's.
MIN_N_FLOOR = 3


def _known_sectors() -> list[str]:
    from llkit.data.profiles import PROFILES

    return list(PROFILES)


def parse_meta(raw: RawMeta | None, log: ProblemLog) -> Meta | None:
    """Validate the metadata; return :class:`~llkit.data.io.Meta`, or None if it is unusable.

    Errors: missing ``name``, ``sector`` or ``rounds``; unknown sector; rounds not a
    non-empty list of unique texts; ``min_n`` not a positive whole number; ``synthetic``
    not true/false. Unknown keys are kept in ``Meta.extra``.
    """
    if raw is None:
        return None
    is_toml = raw.file.endswith(".toml")
    k = _Keys(raw, log, dict(raw.values), is_toml,
              "dataset.toml" if is_toml else "the dataset sheet")
    _missing_keys(k)
    name = _name(k)
    sector, sectors = _sector(k)
    rounds = _rounds(k)
    dates = _round_dates(k, rounds)
    min_n = _min_n(k)
    synthetic = _synthetic(k)
    ok = (
        isinstance(name, str) and name.strip()
        and isinstance(sector, str) and sector in sectors
        and isinstance(rounds, list) and rounds and all(isinstance(r, str) for r in rounds)
        and len(set(rounds)) == len(rounds)
    )
    if not ok:
        return None
    return Meta(name=name.strip(), sector=sector, rounds=list(rounds), round_dates=dates,
                min_n=int(min_n), synthetic=bool(synthetic), extra=k.values)


@dataclass
class _Keys:
    """The metadata being checked: the keys not taken yet, and where problems go."""

    raw: RawMeta
    log: ProblemLog
    values: dict[str, Any]
    is_toml: bool
    #: the metadata's place, as named in actions
    where: str

    def err(self, key: str, problem: str, action: str, value: Any = None) -> None:
        self.log.error(file=self.raw.file, line=self.raw.lines.get(key), column=key,
                       value=value, problem=problem, action=action)


def _missing_keys(k: _Keys) -> None:
    for key, example in (("name", '"Eksempel Kommune"'), ("sector", '"dagtilbud"'),
                         ("rounds", '["T1", "T2", "T3"]')):
        if key not in k.values:
            ex = example if k.is_toml else example.replace('"', "").strip("[]")
            k.err(key, f"the key {key} is missing",
                  f"add {key} = {ex} to {k.where}")


def _name(k: _Keys) -> Any:
    name = k.values.pop("name", None)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        k.err("name", "name must be a non-empty text",
              f'write name = "Eksempel Kommune" in {k.where}', name)
    return name


def _sector(k: _Keys) -> tuple[Any, list[str]]:
    """The sector (lower case when known) and the known sectors."""
    sector = k.values.pop("sector", None)
    sectors = _known_sectors()
    if sector is not None:
        if not isinstance(sector, str) or sector.strip().lower() not in sectors:
            k.err("sector", f"unknown sector {sector!r}; the known sectors are "
                  + ", ".join(sectors), "set sector to " + " or ".join(f'"{s}"' for s in sectors),
                  sector)
        else:
            sector = sector.strip().lower()
    return sector, sectors


def _rounds(k: _Keys) -> Any:
    rounds = k.values.pop("rounds", None)
    if rounds is not None:
        if isinstance(rounds, str) and k.is_toml:
            k.err("rounds", "rounds must be a list of round ids, not a single text",
                  'write rounds = ["T1", "T2", "T3"] (in time order)', rounds)
        elif not isinstance(rounds, list) or not rounds:
            k.err("rounds", "rounds must be a non-empty list of round ids",
                  'write rounds = ["T1", "T2", "T3"] (in time order)', rounds)
        elif not all(isinstance(r, str) and r.strip() for r in rounds):
            k.err("rounds", "every round id must be a non-empty text",
                  'write the rounds in quotes: rounds = ["T1", "T2"]', rounds)
        else:
            rounds = [r.strip() for r in rounds]
            dups = sorted({r for r in rounds if rounds.count(r) > 1})
            if dups:
                k.err("rounds", "rounds lists " + ", ".join(dups) + " more than once",
                      "list each round once, in time order", rounds)
    return rounds


def _round_dates(k: _Keys, rounds: Any) -> dict[str, str]:
    round_dates = k.values.pop("round_dates", {})
    dates: dict[str, str] = {}
    if not isinstance(round_dates, dict):
        k.err("round_dates", "round_dates must be a table of round = date",
              'write [round_dates] and below it T1 = "2015-03-01"' if k.is_toml
              else "write round_dates as T1=2015-03-01, T2=2017-03-01", round_dates)
    else:
        for key, d in round_dates.items():
            dates[str(key)] = d.isoformat() if hasattr(d, "isoformat") else str(d)
        if isinstance(rounds, list):
            unknown = [key for key in dates if key not in rounds]
            if unknown:
                k.log.warning(file=k.raw.file, line=k.raw.lines.get("round_dates"),
                              column="round_dates", value=", ".join(unknown),
                              problem="round_dates has dates for rounds that are not in "
                              "rounds: " + ", ".join(unknown),
                              action="remove these dates, or add the rounds to rounds")
    return dates


def _min_n(k: _Keys) -> Any:
    min_n = k.values.pop("min_n", 5)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        k.err("min_n", "min_n must be a positive whole number (the smallest group size shown)",
              "write min_n = 5 (or leave it out: the default is 5)", min_n)
        min_n = 5
    elif min_n < MIN_N_FLOOR:
        k.err("min_n", f"min_n = {min_n} would show groups of {min_n} "
              f"{'child' if min_n == 1 else 'children'}, from which one child's own answers "
              f"can be read; the smallest allowed is {MIN_N_FLOOR}",
              "write min_n = 5 (the usual threshold), or leave it out: the default is 5",
              min_n)
        min_n = 5
    return min_n


def _synthetic(k: _Keys) -> Any:
    synthetic = k.values.pop("synthetic", False)
    if not isinstance(synthetic, bool):
        k.err("synthetic", "synthetic must be true or false",
              "write synthetic = true for generated example data, else leave it out",
              synthetic)
        synthetic = False
    return synthetic
