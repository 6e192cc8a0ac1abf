"""The sample generator: one object that draws a municipality part by part.

:class:`_Generator` puts together its parts (organisation, population, effects, answers,
tables; one mixin each, in their own modules) and runs them in a fixed order, so the
random draws are the same on every run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.data.profiles import Profile
from llkit.data.sample.answers import _Answers
from llkit.data.sample.common import _Block, _rng
from llkit.data.sample.effects import _Effects
from llkit.data.sample.organisation import _Organisation
from llkit.data.sample.parameters import _SECTOR
from llkit.data.sample.plant import Plant
from llkit.data.sample.population import _Population
from llkit.data.sample.tables import _Tables


class _Generator(_Organisation, _Population, _Effects, _Answers, _Tables):
    """Draws one synthetic municipality; :meth:`run` returns its tables."""

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
