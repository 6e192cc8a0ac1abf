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
    "load": "llkit.dataset",
    "validate": "llkit.dataset",
    "Dataset": "llkit.dataset",
    "Meta": "llkit.dataset",
    "get_profile": "llkit.profiles",
    "generate_sample": "llkit.sample",
    "write_template": "llkit.template",
    "pseudonymize": "llkit.pseudonym",
    # indicators
    "scores": "llkit.indicators",
    "summarize": "llkit.indicators",
    "change": "llkit.indicators",
    "gap": "llkit.indicators",
    "variance_components": "llkit.indicators",
    "compare": "llkit.indicators",
    "reliability": "llkit.indicators",
    "coverage": "llkit.indicators",
    # reports and batches
    "run_batch": "llkit.batch",
    # action plans
    "load_plan": "llkit.plans",
    "validate_plan": "llkit.plans",
    "plan_status": "llkit.plans",
    "plans_for": "llkit.plans",
    "plans_overview": "llkit.plans",
    "write_plan": "llkit.plans",
    "new_plan": "llkit.plans",
}
_RENAMED = {"generate_sample": "generate"}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover
    from llkit.batch import run_batch  # noqa: F401
    from llkit.dataset import Dataset, Meta, load, validate  # noqa: F401
    from llkit.errors import DataError, DataWarning, LlkitError, PlanError  # noqa: F401
    from llkit.indicators import (  # noqa: F401
        change,
        compare,
        coverage,
        gap,
        reliability,
        scores,
        summarize,
        variance_components,
    )
    from llkit.plans import (  # noqa: F401
        load_plan,
        new_plan,
        plan_status,
        plans_for,
        plans_overview,
        validate_plan,
        write_plan,
    )
    from llkit.profiles import get_profile  # noqa: F401
    from llkit.pseudonym import pseudonymize  # noqa: F401
    from llkit.template import write_template  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
