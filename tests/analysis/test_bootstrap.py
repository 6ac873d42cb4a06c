"""Bootstrap: reproducible, consistent with the fit, failures counted, intervals that cover."""
import json

import numpy as np
import pandas as pd
import pytest
from conftest import MOBI_MODEL

from analysis import Moments, NeedsRowsError, fit_model, parse_model
from analysis.bootstrap import FAMILIES, bootstrap


@pytest.fixture(scope="module")
def mobi_fit(mobi):
    return fit_model(mobi, MOBI_MODEL, scale=(1, 10))


def test_bootstrap_is_seeded_and_matches_the_fit(mobi_fit):
    first = bootstrap(mobi_fit, 200, seed=11)
    again = bootstrap(mobi_fit, 200, seed=11)
    other = bootstrap(mobi_fit, 200, seed=12)
    np.testing.assert_array_equal(first.replicates["paths"], again.replicates["paths"])
    assert not np.array_equal(first.replicates["paths"], other.replicates["paths"])
    tables = first.tables
    np.testing.assert_allclose(tables["paths"]["estimate"], mobi_fit.paths, atol=1e-12)
    np.testing.assert_allclose(tables["index"]["estimate"], mobi_fit.index, atol=1e-10)
    np.testing.assert_allclose(tables["impacts"]["estimate"], mobi_fit.impacts, atol=1e-10)
    np.testing.assert_allclose(tables["weights"]["estimate"], mobi_fit.std_weights, atol=1e-12)
    np.testing.assert_allclose(tables["loadings"]["estimate"], mobi_fit.loadings, atol=1e-12)
    np.testing.assert_allclose(tables["r2"]["estimate"], mobi_fit.r2, atol=1e-12)
    htmt = mobi_fit.htmt
    assert tables["htmt"].loc["Image<->Loyalty", "estimate"] == pytest.approx(
        htmt.loc["Image", "Loyalty"])
    for family in FAMILIES:
        table = tables[family]
        assert (table["ci_low"] <= table["ci_high"]).all()
        assert (table["se"] > 0).all()


def test_bootstrap_chunking_does_not_change_resamples(mobi_fit, monkeypatch):
    whole = bootstrap(mobi_fit, 90, seed=5)
    monkeypatch.setattr("analysis.bootstrap.MAX_CHUNK", 20)
    chunked = bootstrap(mobi_fit, 90, seed=5)
    np.testing.assert_allclose(whole.replicates["index"], chunked.replicates["index"],
                               atol=1e-10)


def test_bootstrap_one_resample_equals_fit_on_resampled_rows(mobi, mobi_fit):
    boot = bootstrap(mobi_fit, 1 + 1, seed=3)
    rng = np.random.default_rng(3)
    draws = rng.integers(0, len(mobi), size=(2, len(mobi)))[0]
    refit = fit_model(mobi.iloc[draws], MOBI_MODEL, scale=(1, 10))
    np.testing.assert_allclose(boot.replicates["paths"][0], refit.paths, atol=1e-10)


def test_bootstrap_reports_progress_and_json(mobi_fit):
    calls = []
    boot = bootstrap(mobi_fit, 50, seed=1, progress=lambda done, total: calls.append(
        (done, total)))
    assert calls[-1][0] == calls[-1][1]
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    out = boot.to_dict()
    json.dumps(out, allow_nan=False)
    assert set(out["paths"]["Image->Expectation"]) >= {"se", "ci_low", "ci_high"}
    assert out["n_resamples"] == 50 and out["jackknife"] == "leave-one-out"


def test_bootstrap_summary_names_keys_and_intervals(mobi_fit):
    boot = bootstrap(mobi_fit, 60, seed=8)
    summary = boot.summary()
    text = summary.as_text()
    assert text.startswith("Bootstrap: 60 resamples")
    row = boot.tables["paths"].loc["Satisfaction->Loyalty"]
    line = next(line for line in text.splitlines() if line.startswith("Satisfaction->Loyalty"))
    for value in row[["estimate", "se", "ci_low", "ci_high", "pct_low", "pct_high"]]:
        assert f"{value:.4f}" in line
    for name in ("Image", "Loyalty", "Image<->Loyalty", "CUSCO"):
        assert name in text
    assert "95% BCa" in text and "leave-one-out" in text
    html = summary.as_html()
    assert html.count("<table") == len(FAMILIES) and "Satisfaction-&gt;Loyalty" in html
    assert str(summary) == text


def test_bootstrap_to_dict_round_trips_through_json(mobi_fit):
    out = bootstrap(mobi_fit, 30, seed=2).to_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert set(out) >= {"n_resamples", "n_failed", "failures", "seed", "level", *FAMILIES}


def test_bootstrap_counts_failed_resamples_with_reason():
    rng = np.random.default_rng(0)
    n = 40
    a = rng.standard_normal(n)
    rare = np.zeros(n)
    rare[0] = 1.0  # a resample without row 0 leaves this item constant
    data = pd.DataFrame({"a1": a + rng.standard_normal(n), "a2": a + rng.standard_normal(n),
                         "b1": a + rng.standard_normal(n), "b2": rare})
    res = fit_model(data, "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A")
    boot = bootstrap(res, 100, seed=2)
    assert boot.failures["an item without variation"] > 10
    assert len(boot.replicates["paths"]) == 100 - boot.n_failed
    assert "left out: an item without variation" in boot.summary().as_text()


def test_bootstrap_needs_rows(mobi):
    model = parse_model(MOBI_MODEL)
    res = fit_model(Moments.from_rows(mobi, model.items), model)
    with pytest.raises(NeedsRowsError):
        bootstrap(res, 10)


def test_bootstrap_on_grouped_jackknife(mobi_fit, monkeypatch):
    monkeypatch.setattr("analysis.bootstrap.JACKKNIFE_MAX", 50)
    boot = bootstrap(mobi_fit, 100, seed=1)
    assert boot.jackknife == "leave-one-group-out (50 groups)"
    assert np.isfinite(boot.tables["paths"][["ci_low", "ci_high"]].to_numpy()).all()


def _population_value(cov, model):
    """The path a PLS fit converges to as n grows: the fit on the population covariance."""
    n = 10 ** 6
    items = model.items
    moments = Moments(items, n, np.zeros(len(items)), n * cov)
    return fit_model(moments, model, scale=(-5, 5)).paths["A->B"]


def test_bootstrap_intervals_cover_the_population_path_about_95_percent():
    model = parse_model("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A")
    loading, path = 0.8, 0.4
    lam = np.array([[loading, 0], [loading, 0], [0, loading], [0, loading]])
    phi = np.array([[1, path], [path, 1]])
    cov = lam @ phi @ lam.T
    np.fill_diagonal(cov, 1.0)
    truth = _population_value(cov, model)
    rng = np.random.default_rng(2024)
    chol = np.linalg.cholesky(cov)
    hits = {"bca": 0, "pct": 0}
    runs = 150
    for _ in range(runs):
        data = pd.DataFrame(rng.standard_normal((150, 4)) @ chol.T, columns=list(model.items))
        row = bootstrap(fit_model(data, model), 300, seed=int(rng.integers(1 << 30))
                        ).tables["paths"].loc["A->B"]
        hits["bca"] += row["ci_low"] <= truth <= row["ci_high"]
        hits["pct"] += row["pct_low"] <= truth <= row["pct_high"]
    for kind, count in hits.items():
        assert 0.89 <= count / runs <= 0.99, (kind, count / runs)
