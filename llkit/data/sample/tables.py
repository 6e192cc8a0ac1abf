"""The tables of the sample municipality built from the generated parts: children,
responses, learning goals and the synthetic national reference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.data.sample.common import _Block, _logistic
from llkit.data.sample.names import _GOAL_FALLBACK, _GOALS


class _Tables:
    """Generator part: the DataFrames with the dtypes of a loaded dataset."""

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
