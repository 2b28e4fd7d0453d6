"""``nnlab experiment list | run NAME [--quick] [--seeds N] [--out DIR]`` (parsing in nnlab.cli)."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    """Add the ``experiment`` subcommand to the ``nnlab`` parser's subparsers."""
    p = sub.add_parser("experiment", help="run a lecture claim as a controlled study "
                                          "(nnlab experiment list)")
    p.add_argument("action", choices=["list", "run"])
    p.add_argument("name", nargs="?", help="study name (nnlab experiment list shows them)")
    p.add_argument("--quick", action="store_true", help="the small budget used by the tests")
    p.add_argument("--seeds", type=int, default=None, help="seeds per arm (default: the study's)")
    p.add_argument("--out", default="experiment_output", help="folder for PNG/MD/CSV/JSON")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from . import get_experiment, names, run_experiment
    if args.action == "list":
        for name in names():
            exp = get_experiment(name)
            print(f"{name:<22}{exp.lecture}: {exp.claim}")
        return 0
    if not args.name:
        print("nnlab experiment run: name a study; known: " + ", ".join(names()),
              file=sys.stderr)
        return 2
    try:
        get_experiment(args.name)
    except KeyError as exc:
        print(f"nnlab: error: {exc.args[0]}", file=sys.stderr)
        return 2
    result = run_experiment(args.name, quick=args.quick, seeds=args.seeds, out=args.out)
    print("wrote " + ", ".join(result.files.values()))
    return 0
