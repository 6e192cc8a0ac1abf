"""llkit — an open toolkit for data-informed learning leadership (datainformeret
læringsledelse) in Danish daycare (dagtilbud) and schools.

The public names are listed in ``__all__``; they are imported lazily on first use, so
``import llkit`` is cheap and has no side effects.

Examples
--------
>>> import llkit
>>> ds = llkit.load("data/sample/dagtilbud")          # doctest: +SKIP
>>> ds.select(institution=ds.units.institution_id[0])  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "LlkitError": "llkit.errors",
    "DataError": "llkit.errors",
    "DataWarning": "llkit.errors",
    "PlanError": "llkit.errors",
    # data
    "load": "llkit.data.dataset",
    "validate": "llkit.data.dataset",
    "Dataset": "llkit.data.dataset",
    "Meta": "llkit.data.dataset",
    "get_profile": "llkit.data.profiles",
    "generate_sample": "llkit.data.sample",
    "write_template": "llkit.data.template",
    "pseudonymize": "llkit.data.pseudonym",
    # indicators
    "scores": "llkit.stats.indicators",
    "summarize": "llkit.stats.indicators",
    "change": "llkit.stats.indicators",
    "gap": "llkit.stats.indicators",
    "variance_components": "llkit.stats.indicators",
    "compare": "llkit.stats.indicators",
    "reliability": "llkit.stats.indicators",
    "coverage": "llkit.stats.indicators",
    # reports and batches
    "run_batch": "llkit.apps.batch",
    # action plans
    "load_plan": "llkit.documents.plans",
    "validate_plan": "llkit.documents.plans",
    "plan_status": "llkit.documents.plans",
    "plans_for": "llkit.documents.plans",
    "plans_overview": "llkit.documents.plans",
    "write_plan": "llkit.documents.plans",
    "new_plan": "llkit.documents.plans",
}
_RENAMED = {"generate_sample": "generate"}

# public modules in the flat namespace (seaborn's pattern: ``from llkit import plots``
# over the layer subpackages); the tree itself is described in docs/architecture.md
_MODULES: dict[str, str] = {
    "plots": "llkit.present.plots",
    "decision": "llkit.stats.decision",
}

__all__ = ["__version__", *_EXPORTS, *_MODULES]

if TYPE_CHECKING:  # pragma: no cover
    from llkit.apps.batch import run_batch  # noqa: F401
    from llkit.data.dataset import Dataset, Meta, load, validate  # noqa: F401
    from llkit.data.profiles import get_profile  # noqa: F401
    from llkit.data.pseudonym import pseudonymize  # noqa: F401
    from llkit.data.template import write_template  # noqa: F401
    from llkit.documents.plans import (  # noqa: F401
        load_plan,
        new_plan,
        plan_status,
        plans_for,
        plans_overview,
        validate_plan,
        write_plan,
    )
    from llkit.errors import DataError, DataWarning, LlkitError, PlanError  # noqa: F401
    from llkit.stats.indicators import (  # noqa: F401
        change,
        compare,
        coverage,
        gap,
        reliability,
        scores,
        summarize,
        variance_components,
    )


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
        globals()[name] = value
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
