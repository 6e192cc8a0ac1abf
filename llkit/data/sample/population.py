"""The children of the sample municipality: who is where in which round, and their background.

Children enter and leave between rounds (daycare by age, school by grade), some move
institution or department; parents' education and home language follow a social gradient
between institutions.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from llkit.data.sample.parameters import _EDU_SCORE, _EDU_SHARE, _LANG_SHARE


class _Population:
    """Generator part: the children per round (``present``, ``inst``, ``dept``) and background."""

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
