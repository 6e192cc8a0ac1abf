"""Effects of the sample municipality: institution, department and round effects, trends,
the planted effects of known size, and the truth table that lists those."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.data.sample.parameters import _CHILD_SD
from llkit.data.sample.plant import TRUTH_COLUMNS


class _Effects:
    """Generator part: the latent effects shared by the measures, and the known truth."""

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
