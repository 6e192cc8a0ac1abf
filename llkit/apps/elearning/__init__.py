"""The e-learning module "Tolkning og brug af kortlægningens resultater".

Each chapter ``notebooks/elearning/NN_<topic>.ipynb`` runs on the participant's own data;
its computations (figures, exercises with answers computed from the data) live in
``llkit.apps.elearning.chNN_<topic>``, the shared page elements in :mod:`llkit.apps.elearning.common`.
"""

from __future__ import annotations

__all__ = ["common"]
