"""The organisation of the sample municipality: areas, clusters, institutions, departments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.data.sample.common import _as_str, _Org, _split_even
from llkit.data.sample.names import (
    _AREA_NAMES,
    _DT_DEPT_ANIMALS,
    _DT_DEPT_GROUPS,
    _DT_NAMES,
    _DT_PREFIX,
    _SK_NAMES,
)


class _Organisation:
    """Generator part: draws the units table (``_Org``) of a dagtilbud or skole sector."""

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
