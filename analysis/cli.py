"""Command line: ``python -m analysis fit ...`` and ``python -m analysis moments ...``.

``fit`` prints the results of a PLS path model as JSON (``--format json``, the default) or as
a readable report; ``moments`` writes the item moments of a table, per group with ``--by``, so
that ``fit --moments`` can fit without the rows.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from .bootstrap import bootstrap
from .errors import NeedsRowsError
from .model import ModelSpec, from_instrument
from .moments import Moments
from .pls import fit_model
from .syntax import parse_model

MOMENTS_FORMAT = "analysis.moments/1"
DEFAULT_RESAMPLES = 5000


def load_model(path: str) -> ModelSpec:
    """An instrument (``.yaml``/``.yml``) or a lavaan-style model text file."""
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        # Only a model given as an instrument needs the instruments package; a model text does not.
        from instruments import load_instrument
        return from_instrument(load_instrument(path))
    return parse_model(Path(path).read_text(encoding="utf-8"))


class ProgressBar:
    """A progress callback that draws a bar on stderr once the work has taken a second."""

    def __init__(self, stream=sys.stderr, delay: float = 1.0, width: int = 30):
        self.stream, self.delay, self.width = stream, delay, width
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.start
        if elapsed < self.delay:
            return
        filled = int(self.width * done / total)
        self.stream.write(f"\rbootstrap [{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{100 * done / total:5.1f}%  {elapsed:6.1f} s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Satisfaction-index statistics.")
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser("fit", help="fit a PLS path model and compute the indices")
    fit.add_argument("--model", required=True, help="instrument (.yaml) or model text (.txt)")
    source = fit.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="CSV file, one row per respondent")
    source.add_argument("--moments", help="moments JSON written by 'moments'")
    fit.add_argument("--group", help="group of the moments file to fit (default: all rows)")
    fit.add_argument("--scheme", choices=["path", "centroid", "factorial"], default="path")
    fit.add_argument("--no-scale", action="store_true",
                     help="only centre the items (R plspm scaled = FALSE)")
    fit.add_argument("--missing", choices=["mean", "casewise"], default="mean")
    fit.add_argument("--bootstrap", type=int, nargs="?", const=DEFAULT_RESAMPLES, default=0,
                     metavar="N", help=f"bootstrap resamples (default {DEFAULT_RESAMPLES})")
    fit.add_argument("--seed", type=int, default=None)
    fit.add_argument("--scale-min", type=float, help="lowest answer of the item scale")
    fit.add_argument("--scale-max", type=float, help="highest answer of the item scale")
    fit.add_argument("--tol", type=float, default=1e-6)
    fit.add_argument("--max-iter", type=int, default=100)
    fit.add_argument("--format", choices=["json", "text"], default="json")

    moments = commands.add_parser("moments", help="write the item moments of a CSV file")
    moments.add_argument("data", help="CSV file, one row per respondent")
    moments.add_argument("--model", required=True, help="instrument (.yaml) or model text")
    moments.add_argument("--by", help="column whose values split the rows into groups")
    moments.add_argument("-o", "--output", required=True, help="JSON file to write")
    return parser


# The responses export of the app writes "don't know" as this code and an unanswered question as
# an empty cell; both are missing answers here. Its first column is the response number, and an
# export with the question texts has them in a row under the header, which has words, not a
# number, in that column.
NOT_ANSWERED_CODES = ("dk",)
EXPORT_ID_COLUMN = "response_id"


def read_rows(path: str) -> pd.DataFrame:
    """A CSV of one row per respondent, plain or as the app exports responses."""
    data = pd.read_csv(path, encoding="utf-8-sig", na_values=list(NOT_ANSWERED_CODES))
    if EXPORT_ID_COLUMN in data.columns:
        data = data[pd.to_numeric(data[EXPORT_ID_COLUMN], errors="coerce").notna()].copy()
    for column in data.columns[data.dtypes == object]:
        try:
            data[column] = pd.to_numeric(data[column])
        except (TypeError, ValueError):
            continue  # a text column (a wave, a store, a comment): only the items must be numbers
    return data


def _scale(args) -> tuple[float, float] | None:
    if (args.scale_min is None) != (args.scale_max is None):
        raise ValueError("give both --scale-min and --scale-max")
    return None if args.scale_min is None else (args.scale_min, args.scale_max)


def _read_moments(path: str, group: str | None) -> Moments:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != MOMENTS_FORMAT:
        raise ValueError(f"{path} is not a moments file written by 'python -m analysis moments'")
    if group is None:
        return Moments.from_dict(data["total"])
    if group not in data["groups"]:
        known = ", ".join(data["groups"]) or "none"
        raise ValueError(f"no group {group!r} in {path} (groups: {known})")
    return Moments.from_dict(data["groups"][group])


def run_fit(args) -> int:
    model = load_model(args.model)
    if args.moments:
        if args.bootstrap:
            raise NeedsRowsError("--bootstrap resamples rows; use --data instead of --moments")
        data = _read_moments(args.moments, args.group)
    else:
        if args.group:
            raise ValueError("--group selects a group of a --moments file")
        data = read_rows(args.data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_model(data, model, scheme=args.scheme, scaled=not args.no_scale,
                        missing=args.missing, tol=args.tol, max_iter=args.max_iter,
                        scale=_scale(args))
        out = res.to_dict()
        boot = None
        if args.bootstrap:
            boot = bootstrap(res, args.bootstrap, seed=args.seed, progress=ProgressBar())
            out["bootstrap"] = boot.to_dict()
    messages = sorted({str(w.message) for w in caught})
    for message in messages:
        print(f"warning: {message}", file=sys.stderr)
    if args.format == "json":
        out["warnings"] = messages
        json.dump(out, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(res.summary().as_text())
        if boot is not None:
            sys.stdout.write("\n" + boot.summary().as_text())
    return 0


def run_moments(args) -> int:
    model = load_model(args.model)
    data = read_rows(args.data)
    items = list(model.items)
    total = Moments.from_rows(data, items)
    groups = {}
    if args.by:
        if args.by not in data.columns:
            raise KeyError(f"the data have no column {args.by}")
        for value, part in data.groupby(args.by, sort=True, dropna=True):
            groups[str(value)] = Moments.from_rows(part, items).to_dict()
    out = {"format": MOMENTS_FORMAT, "by": args.by, "total": total.to_dict(), "groups": groups}
    Path(args.output).write_text(json.dumps(out, allow_nan=False), encoding="utf-8")
    return 0


def main(argv=None) -> int:
    """Entry point; returns the exit status (2 for errors a user can fix)."""
    args = _parser().parse_args(argv)
    # ValueError covers the analysis errors (ModelError, EstimationError), this module's own
    # argument errors and files pandas cannot read.
    try:
        return run_fit(args) if args.command == "fit" else run_moments(args)
    except (OSError, ValueError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 2
