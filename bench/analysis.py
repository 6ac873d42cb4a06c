"""Analysis benchmark: the ECSI model on mobi.csv, ours against the PyPI package plspm 0.5.7.

Prints, each the median of several runs on this machine:
  * one fit (250 rows);
  * 5,000 bootstrap resamples with percentile and BCa intervals, in-process, and the whole
    command `python -m analysis fit ... --bootstrap 5000` including start-up;
  * the time per resample against plspm's;
  * one fit on 100,000 rows (resampled from mobi), and from their moments;
  * 1,000 resamples on 100,000 rows, with the peak memory of that process;
  * merging 1,000 moment shards and fitting.
plspm is installed into bench/.plspm-venv (with pandas<3, which it needs) and timed in a
subprocess; after a warm-up its bootstrap is timed on N and 2N resamples (N = 10), and the
time per resample (the slope) extrapolated to 5,000. Run with
`make bench-analysis`.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import Moments, fit_model, parse_model
from analysis.bootstrap import bootstrap

ROOT = Path(__file__).resolve().parent.parent
# The public ECSI data sets, vendored with the R plspm reference results the tests compare against.
ECSI = ROOT / "tests" / "analysis" / "results"
PLSPM_VENV = ROOT / "bench" / ".plspm-venv"
PLSPM_RESAMPLES = int(os.environ.get("BENCH_PLSPM_RESAMPLES", "10"))

BLOCKS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": [f"PERQ{k}" for k in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
PATHS = {
    "Image": ["Expectation", "Satisfaction", "Loyalty"],
    "Expectation": ["Quality", "Value", "Satisfaction"],
    "Quality": ["Value", "Satisfaction"],
    "Value": ["Satisfaction"],
    "Satisfaction": ["Complaints", "Loyalty"],
    "Complaints": ["Loyalty"],
}
MODEL = "\n".join([f"{lv} =~ {' + '.join(items)}" for lv, items in BLOCKS.items()]
                  + [f"{target} ~ {source}" for source, targets in PATHS.items()
                     for target in targets])


def median_time(work, runs: int) -> float:
    """Median wall time of ``runs`` calls, after one warm-up call."""
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {model}; Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def big_table(data: pd.DataFrame, n: int) -> pd.DataFrame:
    rows = np.random.default_rng(1).integers(0, len(data), n)
    return data.iloc[rows].reset_index(drop=True)


BIG_BOOTSTRAP = textwrap.dedent("""
    import resource, sys, time
    import pandas as pd
    from analysis import fit_model
    from analysis.bootstrap import bootstrap
    from bench.analysis import MODEL
    data = pd.read_pickle(sys.argv[1])
    res = fit_model(data, MODEL)
    start = time.perf_counter()
    bootstrap(res, 1000, seed=1)
    elapsed = time.perf_counter() - start
    print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
""")


def big_bootstrap(frame: pd.DataFrame, runs: int) -> tuple[float, float]:
    """Median time and peak memory (MB) of 1,000 resamples on the frame, each in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.pkl"
        frame.to_pickle(path)
        results = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", BIG_BOOTSTRAP, str(path)], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.split()
            results.append((float(out[0]), float(out[1])))
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def command_time(runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "mobi.txt"
        model.write_text(MODEL)
        command = [sys.executable, "-m", "analysis", "fit", "--model", str(model), "--data",
                   str(ECSI / "mobi.csv"), "--bootstrap", "5000", "--seed", "1"]
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


PLSPM_SCRIPT = textwrap.dedent("""
    import json, statistics, sys, time, warnings
    warnings.simplefilter("ignore")
    import pandas as pd
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scheme import Scheme
    blocks, paths, resamples = json.loads(sys.argv[2])
    data = pd.read_csv(sys.argv[1], index_col=0)
    structure = c.Structure()
    for source, targets in paths.items():
        structure.add_path([source], targets)
    config = c.Config(structure.path(), scaled=True)
    for lv, items in blocks.items():
        config.add_lv(lv, Mode.A, *[c.MV(m) for m in items])
    fits = []
    for _ in range(3):
        start = time.perf_counter()
        Plspm(data, config, Scheme.PATH)
        fits.append(time.perf_counter() - start)
    fit = statistics.median(fits)
    # Its first bootstraps carry a large, erratic start-up cost: warm up, then take the slope
    # between two sizes, which leaves out the fixed cost (worker pool, first fit).
    Plspm(data, config, Scheme.PATH, bootstrap=True, bootstrap_iterations=2)
    boot = {}
    for size in (resamples, 2 * resamples):
        start = time.perf_counter()
        Plspm(data, config, Scheme.PATH, bootstrap=True, bootstrap_iterations=size)
        boot[size] = time.perf_counter() - start
    slope = (boot[2 * resamples] - boot[resamples]) / resamples
    method = "slope"
    if slope <= 0:
        slope, method = boot[2 * resamples] / (2 * resamples), "upper bound"
    print(json.dumps({"fit": fit, "per_resample": slope, "method": method}))
""")


def plspm_figures() -> dict | None:
    """Install plspm 0.5.7 into its own environment (once) and time it; None if impossible."""
    python = PLSPM_VENV / "bin" / "python"
    try:
        if not python.exists():
            print("installing plspm 0.5.7 into bench/.plspm-venv ...", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(PLSPM_VENV)], check=True,
                           capture_output=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "plspm==0.5.7",
                            "pandas<3"], check=True, capture_output=True, timeout=900)
        import json
        out = subprocess.run([str(python), "-c", PLSPM_SCRIPT, str(ECSI / "mobi.csv"),
                              json.dumps([BLOCKS, PATHS, PLSPM_RESAMPLES])], check=True,
                             capture_output=True, text=True, timeout=1800).stdout
        return json.loads(out.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        detail = getattr(error, "stderr", "") or error
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        print(f"plspm 0.5.7 could not be installed or run ({str(detail).strip()[-300:]}); "
              "printing our figures alone")
        return None


def row(label: str, value: str, goal: str = "") -> None:
    print(f"  {label:<48} {value:>14}   {goal}")


def main() -> None:
    print(f"Analysis benchmark on {machine()}")
    print("Full ECSI model on mobi.csv: 7 constructs, 24 items, 250 rows, path scheme, "
          "standardised items.\n")
    data = pd.read_csv(ECSI / "mobi.csv", index_col=0)
    model = parse_model(MODEL)

    fit = median_time(lambda: fit_model(data, model), 50)
    res = fit_model(data, model)
    boot = median_time(lambda: bootstrap(res, 5000, seed=1), 5)
    command = command_time(3)
    big = big_table(data, 100_000)
    big_fit = median_time(lambda: fit_model(big, model), 7)
    big_moments = Moments.from_rows(big, model.items)
    moments_fit = median_time(lambda: fit_model(big_moments, model), 50)
    edges = np.linspace(0, len(big), 1001).astype(int)
    shards = [Moments.from_rows(big.iloc[a:b], model.items) for a, b in zip(edges, edges[1:])]
    merge_fit = median_time(lambda: fit_model(Moments.merge(shards), model), 20)
    big_boot, peak = big_bootstrap(big, 3)

    print("ours (median of several runs)")
    row("one fit, 250 rows", f"{fit * 1e3:.2f} ms", "goal <= 2.5 ms")
    row("5,000 resamples, percentile + BCa, in-process", f"{boot:.3f} s", "goal <= 0.7 s")
    row("python -m analysis fit --bootstrap 5000 (whole)", f"{command:.2f} s", "goal <= 2 s")
    row("per resample (in-process)", f"{boot / 5000 * 1e6:.0f} us")
    row("one fit, 100,000 rows", f"{big_fit * 1e3:.1f} ms", "goal <= 25 ms")
    row("one fit from the moments of 100,000 rows", f"{moments_fit * 1e3:.2f} ms",
        "goal <= 2.5 ms")
    row("1,000 resamples on 100,000 rows", f"{big_boot:.2f} s", "goal <= 8 s")
    row("  peak memory of that process", f"{peak:.0f} MB", "goal < 1,500 MB")
    row("merge 1,000 moment shards and fit", f"{merge_fit * 1e3:.1f} ms", "goal <= 20 ms")

    print("\nplspm 0.5.7 (PyPI), same model and scheme; it centres the items whatever 'scaled'")
    theirs = plspm_figures()
    if theirs:
        row("one fit, 250 rows", f"{theirs['fit'] * 1e3:.0f} ms")
        row(f"per resample ({theirs['method']}, {PLSPM_RESAMPLES} and "
            f"{2 * PLSPM_RESAMPLES} resamples)",
            f"{theirs['per_resample']:.3f} s")
        row("5,000 resamples (extrapolated)", f"{theirs['per_resample'] * 5000:.0f} s")
        row("speed-up per fit", f"{theirs['fit'] / fit:.0f}x")
        row("speed-up per resample", f"{theirs['per_resample'] / (boot / 5000):.0f}x",
            "goal >= 2,000x")


if __name__ == "__main__":
    main()
