"""The ``nnlab`` command line: thin argument parsing over the library (no logic lives here).

    nnlab demo                      train the lecture CNN on bundled digits
    nnlab summary NAME --input-shape 224,224,3
    nnlab zoo                       list the model zoo
    nnlab data list | nnlab data fetch NAME
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    return run_demo(epochs=args.epochs, out=args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the lecture CNN on real bundled digits")
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument("--out", default="demo_output", help="folder for the curves PNG")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
