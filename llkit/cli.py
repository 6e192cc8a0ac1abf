"""The ``llkit`` command line.

Exit codes: 0 success, 1 an internal error (a bug: please report it), 2 invalid input
(bad data, bad arguments). Invalid data is reported as a problem table, never as a
traceback; set ``LLKIT_DEBUG=1`` to see the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from llkit import __version__
from llkit.errors import DataError, LlkitError, PlanError, format_problems

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2


def _cmd_validate(args: argparse.Namespace) -> int:
    from llkit.data.dataset import validate

    problems = validate(args.path)
    errors = int((problems["severity"] == "error").sum())
    warnings_ = int((problems["severity"] == "warning").sum())
    if len(problems):
        print(format_problems(problems))
    if errors:
        print(f"\n{args.path}: NOT valid — fix the {errors} error(s) above and run again.")
        return EXIT_INVALID
    note = f" ({warnings_} warning(s) worth a look)" if warnings_ else ""
    print(f"{args.path}: valid{note}.")
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from llkit.data.dataset import load

    ds = load(args.path)
    print(format_info(ds.info()))
    if len(ds.problems):
        print(f"\n{len(ds.problems)} warning(s): run `llkit validate {args.path}` to see them.")
    return EXIT_OK


def format_info(info: dict) -> str:
    """Render the dict of :meth:`llkit.Dataset.info` as aligned text."""
    import pandas as pd

    info = dict(info)
    dates = info.pop("round_dates", None) or {}
    if "rounds" in info and dates:
        info["rounds"] = [f"{r} ({dates[r]})" if r in dates else r for r in info["rounds"]]
    lines: list[str] = []
    scalars = {k: v for k, v in info.items() if not isinstance(v, pd.DataFrame)}
    width = max((len(k) for k in scalars), default=0)
    for key, value in scalars.items():
        if isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(f"{key.replace('_', ' '):<{width}}  {value}")
    for key, value in info.items():
        if isinstance(value, pd.DataFrame):
            lines.append("")
            lines.append(key.replace("_", " ") + ":")
            lines.append(value.to_string())
    return "\n".join(lines)


def _sample_plant(args: argparse.Namespace) -> dict | None:
    """The planted effects asked for on the command line (None: nothing planted)."""
    for size, count in (("plant_size", "plant_institutions"),
                        ("plant_change_size", "plant_change"),
                        ("plant_change_institutions", "plant_change"),
                        ("plant_gap_narrowing", "plant_gap")):
        if getattr(args, size) is not None and not getattr(args, count):
            raise ValueError(f"--{size.replace('_', '-')} needs --{count.replace('_', '-')}")
    if not (args.plant_institutions or args.plant_change or args.plant_gap):
        return None
    plant: dict = {}
    if args.plant_institutions:
        plant["institutions"] = args.plant_institutions
        if args.plant_size is not None:
            plant["size"] = args.plant_size
    if args.plant_change:
        plant["change_measure"] = args.plant_change
        plant["change_institutions"] = (1 if args.plant_change_institutions is None
                                        else args.plant_change_institutions)
        if args.plant_change_size is not None:
            plant["change_size"] = args.plant_change_size
    if args.plant_gap:
        plant["gap"] = args.plant_gap
        if args.plant_gap_narrowing is not None:
            plant["gap_narrowing"] = args.plant_gap_narrowing
    return plant


def _cmd_sample(args: argparse.Namespace) -> int:
    from llkit.data.sample import generate

    out = Path(args.out)
    plant = _sample_plant(args)
    truth_path = Path(args.truth) if args.truth else None
    if truth_path is not None:
        if truth_path.resolve().is_relative_to(out.resolve()):
            raise ValueError(f"--truth {truth_path} lies inside --out {out}; write the truth "
                             "to a file outside the dataset folder, so the data do not give it "
                             "away")
        if truth_path.suffix.lower() != ".csv":
            raise ValueError(f"--truth must name a .csv file, not {truth_path}")
        if truth_path.is_dir():
            raise IsADirectoryError(f"--truth {truth_path} is a folder; name a .csv file")
    result = generate(
        args.sector,
        out,
        institutions=args.institutions,
        seed=args.seed,
        format=args.format,
        overwrite=args.overwrite,
        effects=args.effects,
        plant=plant,
        truth=truth_path is not None,
    )
    known = "" if args.effects == "sample" and plant is None else " known-truth"
    print(f"Wrote a synthetic{known} {args.sector} municipality (seed {args.seed}) to {out}")
    if truth_path is not None:
        _, truth = result
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        truth.to_csv(truth_path, index=False, lineterminator="\n")
        print(f"Wrote the planted effects ({len(truth)} rows) to {truth_path}")
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from llkit.data.template import write_template

    rounds = [r.strip() for r in args.rounds.split(",")] if args.rounds else None
    path = write_template(args.out, sector=args.sector, kind=args.kind, rounds=rounds)
    print(f"Wrote the {args.kind} template to {path}")
    return EXIT_OK


def _cmd_pseudonymize(args: argparse.Namespace) -> int:
    from llkit.data.pseudonym import pseudonymize

    report = pseudonymize(args.src, args.dst, key_file=args.key_file)
    print(f"Wrote a pseudonymised copy of {args.src} to {args.dst}")
    for key, value in report.items():
        print(f"  {key}: {value}")
    print(f"Keep {args.key_file} secret and apart from the data: with it, the same person "
          "gets the same pseudonym next round.")
    return EXIT_OK


def _cmd_batch(args: argparse.Namespace) -> int:
    from llkit.apps.batch import format_summary, run_batch

    result = run_batch(
        args.data,
        args.out,
        notebook=args.notebook,
        level=args.level,
        only=args.only,
        workers=args.workers,
        dask=args.dask,
        timeout=args.timeout,
        force=args.force,
        pdf=args.pdf,
        parameters=[tuple(p) for p in args.parameter],
        progress=not args.quiet,
    )
    print(format_summary(result))
    return EXIT_OK if result.ok else 1


def _add(sub: Any, name: str, func: Callable[[argparse.Namespace], int],
         help_: str) -> argparse.ArgumentParser:
    """A subcommand whose help and description are ``help_`` and that runs ``func``."""
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


def _add_validate(sub: Any) -> None:
    p = _add(sub, "validate", _cmd_validate, "check a dataset and list every problem (exit 2 if invalid)")
    p.add_argument("path", help="dataset folder (dataset.toml + CSV/Parquet) or .xlsx workbook")


def _add_info(sub: Any) -> None:
    p = _add(sub, "info", _cmd_info, "summarise a dataset: units, children, rounds, measures, responses")
    p.add_argument("path", help="dataset folder or .xlsx workbook")


def _add_sample(sub: Any) -> None:
    p = _add(sub, "sample", _cmd_sample, "generate a synthetic sample municipality")
    p.add_argument("--sector", choices=["dagtilbud", "skole"], default="dagtilbud")
    p.add_argument("--out", required=True, help="folder to write (new, empty, or an earlier sample, which is replaced)")
    p.add_argument("--institutions", type=int, default=None, help="number of institutions (default: 25 dagtilbud, 8 skoler)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--overwrite", action="store_true", help="replace --out even if it holds something other than an earlier sample")
    p.add_argument("--effects", choices=["sample", "none"], default="sample",
                   help="sample: realistic effects (default); none: nothing truly differs "
                   "(known-truth data for counting false claims)")
    _add_sample_plant(p)
    p.add_argument("--truth", default=None, metavar="FILE.csv",
                   help="write the planted effects to this CSV file (outside --out)")


def _add_sample_plant(p: argparse.ArgumentParser) -> None:
    """The ``--plant-*`` options of ``llkit sample`` (read by :func:`_sample_plant`)."""
    p.add_argument("--plant-institutions", type=int, default=0, metavar="N",
                   help="plant N institutions --plant-size SD above the others on every "
                   "child measure in every round")
    p.add_argument("--plant-size", type=float, default=None, metavar="SD",
                   help="their shift in SD of a child's latent score (default 0.5; "
                   "negative: below)")
    p.add_argument("--plant-change", default=None, metavar="MEASURE",
                   help="plant a real gain in the last round on this child measure")
    p.add_argument("--plant-change-institutions", type=int, default=None, metavar="N",
                   help="at N institutions (default 1)")
    p.add_argument("--plant-change-size", type=float, default=None, metavar="SD",
                   help="the gain in SD (default 0.5; negative: a decline)")
    p.add_argument("--plant-gap", type=float, default=0.0, metavar="SD",
                   help="plant an equity gap: effect of parents' education (SD per SD of "
                   "the education score) on every child measure")
    p.add_argument("--plant-gap-narrowing", type=float, default=None, metavar="F",
                   help="the planted gap is smaller by this share (0-1) in the last round")


def _add_template(sub: Any) -> None:
    p = _add(sub, "template", _cmd_template, "write an Excel workbook to collect data (or plan activities) in")
    p.add_argument("out", help="the .xlsx file to write")
    p.add_argument("--kind", choices=["data", "activities"], default="data",
                   help="data: a workbook in llkit's data format; activities: the preparation "
                   "template for a leadership learning day")
    p.add_argument("--sector", choices=["dagtilbud", "skole"], default="dagtilbud")
    p.add_argument("--rounds", default=None, help="comma-separated round ids (default T1,T2,T3)")


def _add_pseudonymize(sub: Any) -> None:
    p = _add(sub, "pseudonymize", _cmd_pseudonymize,
             "replace CPR numbers and person ids by keyed-hash pseudonyms (stable across rounds)")
    p.add_argument("src", help="dataset folder or .xlsx workbook to read")
    p.add_argument("dst", help="folder to write the pseudonymised copy to")
    p.add_argument("--key-file", required=True,
                   help="secret key file (created if missing); never stored with the data")


def _add_batch(sub: Any) -> None:
    p = _add(sub, "batch", _cmd_batch,
             "run a report notebook once per unit (institution by default): HTML per unit, "
             "index.html and manifest.json; exit 1 if any unit failed")
    p.add_argument("data", help="dataset folder or .xlsx workbook")
    p.add_argument("--out", required=True, help="output folder (an earlier batch there is "
                   "updated: unchanged units are skipped, failed ones redone)")
    p.add_argument("--notebook", default=None,
                   help="the notebook to run (default: the shipped institution_report.ipynb; "
                   "'llkit notebooks copy DIR' gives an editable copy)")
    p.add_argument("--level", choices=["institution", "cluster", "area", "department"],
                   default="institution",
                   help="one report per unit of this level; the unit's id is passed as the "
                   "parameter of that name")
    p.add_argument("--only", nargs="+", action="extend", metavar="ID", default=None,
                   help="run only these unit ids")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: the number of CPUs)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--timeout", type=float, default=600,
                   help="seconds one unit's notebook may run (default 600)")
    p.add_argument("--force", action="store_true", help="redo every unit, changed or not")
    p.add_argument("--pdf", action="store_true", help="also write a PDF per unit")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   default=[], help="a further notebook parameter (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The ``llkit`` parser: one subcommand per ``_add_*`` function, in this order."""
    parser = argparse.ArgumentParser(
        prog="llkit",
        description="Data-informed learning leadership: validate, summarise and report "
        "mapping data from Danish daycare and schools.",
    )
    parser.add_argument("--version", action="version", version=f"llkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_add_validate, _add_info, _add_sample, _add_template, _add_pseudonymize,
                _add_batch):
        add(sub)

    from llkit.documents.plans import add_plan_commands

    add_plan_commands(sub)

    from llkit.apps.export import add_export_command

    add_export_command(sub)

    from llkit.apps.serve import add_serve_command

    add_serve_command(sub)

    from llkit.apps.notebooks import add_notebooks_command

    add_notebooks_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (DataError, PlanError) as exc:
        print(format_problems(exc.problems), file=sys.stdout)
        print(f"\nllkit: {exc.args[0]}. Nothing was written.", file=sys.stderr)
        return EXIT_INVALID
    except (LlkitError, FileNotFoundError, FileExistsError, NotADirectoryError, IsADirectoryError,
            PermissionError, ValueError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"llkit {args.command}: {msg}", file=sys.stderr)
        if os.environ.get("LLKIT_DEBUG"):
            traceback.print_exc()
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("llkit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: no traceback for users
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            print(f"llkit {args.command}: the disk is full: {exc.strerror}. Free some space "
                  "(or choose another output folder) and run the command again; files that "
                  "were finished are kept whole, and a batch skips the reports it already "
                  "made.", file=sys.stderr)
            return EXIT_INTERNAL
        print(f"llkit {args.command}: internal error ({type(exc).__name__}: {exc}). "
              "This is a bug in llkit; run again with LLKIT_DEBUG=1 and report the output.",
              file=sys.stderr)
        if os.environ.get("LLKIT_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
