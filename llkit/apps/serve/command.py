"""The ``llkit serve`` subcommand (registered on the ``llkit`` parser by :mod:`llkit.cli`)."""

from __future__ import annotations

import argparse
from typing import Any

from llkit.apps.serve.notebooks import NOTEBOOK_CHOICES
from llkit.apps.serve.server import DEFAULT_CULL_IDLE, serve


def _cmd_serve(args: argparse.Namespace) -> int:
    return serve(
        args.data,
        notebooks=args.notebooks,
        host=args.host,
        port=args.port,
        scope=args.scope,
        token=args.token,
        pool_size=args.pool_size,
        chapter_pool_size=args.chapter_pool_size,
        preheat=not args.no_preheat,
        cull_idle=args.cull_idle,
        viewers=args.viewers,
        chapters=args.chapters,
        max_kernels=args.max_kernels,
        legacy=args.legacy,
    )


def add_serve_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``serve DATA [options]`` on the ``llkit`` parser.

    Invalid input raises :class:`ValueError`, :class:`KeyError` or
    :class:`FileNotFoundError`, which ``llkit.cli.main`` reports in one line (exit 2).
    """
    desc = ("serve read-only views (dashboard, e-learning chapters) in the browser: "
            "token-protected, scoped, on this machine unless told otherwise")
    p = subparsers.add_parser("serve", help=desc, description=desc)
    p.add_argument("data", help="dataset folder or .xlsx workbook")
    p.add_argument("--notebooks", choices=list(NOTEBOOK_CHOICES), default="dashboard",
                   help="which views to serve (default: dashboard)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument("--scope", default="all",
                   help="what viewers may see: all, institution=ID[,ID…] or cluster=NAME[,NAME…]")
    p.add_argument("--token", default=None,
                   help="access token (default: a new random token, printed at start)")
    p.add_argument("--pool-size", type=int, default=2,
                   help="with --legacy: preheated dashboard kernels kept ready (default 2)")
    p.add_argument("--chapter-pool-size", type=int, default=1,
                   help="with --legacy: preheated kernels kept ready per e-learning chapter (default 1)")
    p.add_argument("--no-preheat", action="store_true",
                   help="run every view in a fresh kernel per viewer (slowest; for comparison)")
    p.add_argument("--cull-idle", type=int, default=DEFAULT_CULL_IDLE,
                   help="seconds before a kernel with no open page is shut down "
                        f"(default {DEFAULT_CULL_IDLE})")
    p.add_argument("--viewers", type=int, default=None,
                   help="viewers expected at the same moment (a seminar room): prints the plan "
                        "and its memory; with --legacy each served chapter keeps this many "
                        "kernels ready and a plan the machine cannot hold is refused")
    p.add_argument("--chapters", default=None,
                   help="which e-learning chapters to serve, e.g. 3 or 3,4 (default: all); "
                        "they are drawn for every institution before the server opens")
    p.add_argument("--max-kernels", type=int, default=None,
                   help="kernels at once; a page beyond it says so in Danish and retries "
                        "(default: what the memory holds)")
    p.add_argument("--legacy", action="store_true",
                   help="run the dashboard and chapters in a kernel per viewer, as before "
                        "(for comparison)")
    p.set_defaults(func=_cmd_serve)
    return p
