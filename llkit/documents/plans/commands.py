"""The command line of action plans: ``llkit plan validate PLAN DATA`` and
``llkit plan status PLAN DATA`` (:func:`add_plan_commands`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from llkit.documents.plans.loading import load_plan
from llkit.documents.plans.status import plan_status
from llkit.documents.plans.tables import format_status
from llkit.documents.plans.validation import validate_plan
from llkit.errors import format_problems


def _cmd_plan_validate(args: argparse.Namespace) -> int:
    from llkit.data.dataset import load

    ds = load(args.data)
    problems = validate_plan(args.plan, ds)
    errors = int((problems["severity"] == "error").sum())
    warnings_ = int((problems["severity"] == "warning").sum())
    if len(problems):
        print(format_problems(problems))
    if errors:
        print(f"\n{args.plan}: NOT valid — fix the {errors} error(s) above and run again.")
        return 2
    note = f" ({warnings_} warning(s) worth a look)" if warnings_ else ""
    print(f"{args.plan}: valid{note}.")
    return 0


def _cmd_plan_status(args: argparse.Namespace) -> int:
    from llkit.data.dataset import load

    ds = load(args.data)
    plan = load_plan(args.plan)
    status = plan_status(plan, ds)
    name = ds.org.loc[ds.org["institution_id"].astype(str) == plan.institution,
                      "institution_name"]
    head = f"{plan.title} – {name.iloc[0] if len(name) else plan.institution} " \
           f"({plan.institution}), oprettet {plan.created.strftime('%d.%m.%Y')}"
    print(format_status(status, title=head))
    return 0


def add_plan_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``plan validate PLAN DATA`` and ``plan status PLAN DATA``.

    Parameters
    ----------
    subparsers
        The object returned by ``parser.add_subparsers()`` of the ``llkit`` parser.

    Returns
    -------
    argparse.ArgumentParser
        The ``plan`` parser. Each subcommand sets ``func``, which returns the exit code
        (0 valid / done, 2 a plan with errors) or raises :class:`~llkit.errors.PlanError`
        / :class:`~llkit.errors.DataError` for ``llkit.cli.main`` to print as a problem
        table (exit 2).
    """
    desc = "check an action plan against the data, or show where each goal stands"
    plan_p = subparsers.add_parser("plan", help=desc, description=desc)
    sub = plan_p.add_subparsers(dest="plan_command", metavar="PLAN_COMMAND", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> None:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("plan", help="the plan file (.yaml), see docs/plans.md")
        p.add_argument("data", help="dataset folder or .xlsx workbook")
        p.set_defaults(func=func)

    add("validate", _cmd_plan_validate,
        "check a plan: fields, dates, institution, measures, rounds and targets (exit 2 if "
        "invalid)")
    add("status", _cmd_plan_status,
        "show each goal's status (nået / på vej / ikke nået / kan ikke vurderes) with its "
        "interval and the reason, in Danish")
    return plan_p

