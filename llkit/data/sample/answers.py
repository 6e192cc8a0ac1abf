"""Answers of the sample municipality: item answers of children, staff and departments.

Each source answers in its own random stream per round; a latent score per subject is cut
into the answer scale of every item, with reverse-coded items and missing answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from llkit.data.sample.common import _assemble, _Block, _logistic, _thresholds
from llkit.data.sample.parameters import (
    _CHILD_SD,
    _MEASURE,
    _MEASURE_DEFAULT,
    _SOURCE,
    _SOURCE_DEFAULT,
)


class _Answers:
    """Generator part: the response blocks of every source and round."""

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
