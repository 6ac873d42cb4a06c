"""The command line, run as a subprocess exactly as a user would."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import MOBI_MODEL, ROOT, ecsi


def run(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "mobi.txt"
    path.write_text(MOBI_MODEL)
    return path


def test_fit_json_has_the_documented_keys(model_file):
    out = json.loads(run("fit", "--model", model_file, "--data", ecsi("mobi.csv"),
                         "--scale-min", 1, "--scale-max", 10).stdout)
    assert out["n"] == 250
    for key in ("paths", "r2", "weights", "loadings", "total_effects", "index",
                "reliability", "htmt"):
        assert out[key], key
    assert out["paths"]["Satisfaction->Loyalty"] == pytest.approx(0.4855, abs=1e-4)
    assert set(out["reliability"]["Image"]) >= {"alpha", "rho_a", "rho_c", "ave"}
    assert 0 < out["index"]["Loyalty"] < 100
    assert "bootstrap" not in out


def test_fit_with_bootstrap(model_file):
    proc = run("fit", "--model", model_file, "--data", ecsi("mobi.csv"), "--bootstrap", 200,
               "--seed", 4, "--no-scale", "--scheme", "centroid")
    out = json.loads(proc.stdout)
    boot = out["bootstrap"]
    assert boot["n_resamples"] == 200 and boot["seed"] == 4
    for family in ("paths", "index"):
        for value in boot[family].values():
            assert value["ci_low"] <= value["ci_high"] and value["se"] > 0
    assert out["settings"]["scaled"] is False and out["settings"]["scheme"] == "centroid"


def test_fit_text_report(model_file):
    text = run("fit", "--model", model_file, "--data", ecsi("mobi.csv"), "--format", "text",
               "--bootstrap", 50, "--seed", 1).stdout
    assert "PLS path model" in text and "Bootstrap: 50 resamples" in text


def test_moments_by_group_then_fit(model_file, tmp_path):
    data = pd.read_csv(ecsi("mobi.csv"), index_col=0)
    data["wave"] = ["2024" if k % 2 else "2025" for k in range(len(data))]
    csv = tmp_path / "waves.csv"
    data.to_csv(csv, index=False)
    moments = tmp_path / "moments.json"
    run("moments", csv, "--model", model_file, "--by", "wave", "-o", moments)
    stored = json.loads(moments.read_text())
    assert set(stored["groups"]) == {"2024", "2025"} and stored["total"]["n"] == 250
    from_rows = json.loads(run("fit", "--model", model_file, "--data", csv).stdout)
    from_moments = json.loads(run("fit", "--model", model_file, "--moments", moments).stdout)
    for key in ("paths", "index", "weights", "r2"):
        for name, value in from_rows[key].items():
            assert from_moments[key][name] == pytest.approx(value, abs=1e-10)
    wave = json.loads(run("fit", "--model", model_file, "--moments", moments,
                          "--group", "2024").stdout)
    assert wave["n"] == 125
    bad = run("fit", "--model", model_file, "--moments", moments, "--group", "1999", check=False)
    assert bad.returncode == 2 and "no group '1999'" in bad.stderr
    boot = run("fit", "--model", model_file, "--moments", moments, "--bootstrap", check=False)
    assert boot.returncode == 2 and "rows" in boot.stderr


def test_syntax_error_is_reported_with_line(tmp_path):
    model = tmp_path / "bad.txt"
    model.write_text("A =~ a1 + a2\nB ~ A\n")
    proc = run("fit", "--model", model, "--data", ecsi("mobi.csv"), check=False)
    assert proc.returncode == 2
    assert "line 2" in proc.stderr and "B is not a declared construct" in proc.stderr


def test_missing_column_is_reported(model_file, tmp_path):
    csv = tmp_path / "short.csv"
    pd.read_csv(ecsi("mobi.csv"), index_col=0).drop(columns="CUSCO").to_csv(csv)
    proc = run("fit", "--model", model_file, "--data", csv, check=False)
    assert proc.returncode == 2 and "CUSCO" in proc.stderr


def test_progress_bar_appears_for_long_bootstraps():
    from io import StringIO

    from analysis.cli import ProgressBar
    stream = StringIO()
    bar = ProgressBar(stream, delay=0.0)
    bar(5, 10)
    bar(10, 10)
    assert "50.0%" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = StringIO()
    bar = ProgressBar(quiet, delay=60.0)
    bar(5, 10)
    bar(10, 10)
    assert quiet.getvalue() == ""


def test_instrument_models_load_lazily(tmp_path, monkeypatch):
    """A .yaml model goes through instruments.load_instrument, imported only when needed."""
    import types

    from test_syntax_model import _instrument

    from analysis import cli
    fake = types.ModuleType("instruments")
    fake.load_instrument = lambda path: _instrument()
    monkeypatch.setitem(sys.modules, "instruments", fake)
    model = cli.load_model(str(Path(tmp_path) / "survey.yaml"))
    assert model.names == ("quality", "satisfaction")


def app_export(data: pd.DataFrame, path: Path, *, labels: bool) -> None:
    """``data`` written as the app's responses export writes it: a BOM, the response number, time and
    wave first, "don't know" as dk, a skipped question empty, and with ``labels`` the question texts
    in a row under the header."""
    table = data.astype(object)
    table.iloc[::7, 0] = "dk"      # "don't know"
    table.iloc[3::11, 1] = ""      # not answered
    table.insert(0, "wave", ["2025 wave 1" if k % 2 else "2025 wave 2" for k in range(len(table))])
    table.insert(0, "submitted_at", "2025-03-01T09:30:15+00:00")
    table.insert(0, "response_id", range(1, len(table) + 1))
    if labels:
        texts = pd.DataFrame([["Response number", "Submitted at (UTC)", "Wave",
                               *(f"How do you rate {name}?" for name in data.columns)]], columns=table.columns)
        table = pd.concat([texts, table], ignore_index=True)
    path.write_bytes(table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))


@pytest.mark.parametrize("labels", [False, True])
def test_read_rows_takes_the_apps_export_with_dont_know_as_missing(tmp_path, labels):
    from analysis.cli import read_rows

    data = pd.read_csv(ecsi("mobi.csv"), index_col=0)
    path = tmp_path / "responses.csv"
    app_export(data, path, labels=labels)
    rows = read_rows(str(path))
    assert len(rows) == len(data) and list(rows.columns[:3]) == ["response_id", "submitted_at", "wave"]
    first, second = data.columns[:2]
    assert rows[first].isna().sum() == len(range(0, len(data), 7))
    assert rows[second].isna().sum() == len(range(3, len(data), 11))
    assert all(rows[item].dtype.kind == "f" or rows[item].dtype.kind == "i" for item in data.columns)
    assert rows["wave"].iloc[0] == "2025 wave 2"


def test_fit_and_moments_run_on_the_apps_export(model_file, tmp_path):
    data = pd.read_csv(ecsi("mobi.csv"), index_col=0)
    export = tmp_path / "responses.csv"
    app_export(data, export, labels=True)
    out = json.loads(run("fit", "--model", model_file, "--data", export, "--scale-min", 1, "--scale-max", 10).stdout)
    assert out["n"] == 250 and all(0 < value < 100 for value in out["index"].values())
    moments = tmp_path / "moments.json"
    run("moments", export, "--model", model_file, "--by", "wave", "-o", moments)
    stored = json.loads(moments.read_text())
    assert stored["total"]["n"] == 250 and set(stored["groups"]) == {"2025 wave 1", "2025 wave 2"}


def test_a_text_where_an_item_needs_a_number_is_reported(model_file, tmp_path):
    data = pd.read_csv(ecsi("mobi.csv"), index_col=0).astype(object)
    data.iloc[5, 0] = "seven"
    csv = tmp_path / "typo.csv"
    data.to_csv(csv)
    proc = run("fit", "--model", model_file, "--data", csv, check=False)
    assert proc.returncode == 2 and "numeric" in proc.stderr
