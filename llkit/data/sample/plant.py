"""Known truth: :class:`Plant`, the effects of known size planted into a municipality."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Columns of the truth table ``generate(..., truth=True)`` returns.
TRUTH_COLUMNS = ["kind", "institution_id", "measure_id", "from_round", "to_round", "size",
                 "direction"]


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
