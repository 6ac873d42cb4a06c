"""PLS results where no reference tool exists: a table worked by hand, a simulated population."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import MOBI_MODEL

from analysis import ConvergenceWarning, NegativeWeightWarning, fit_model

TINY = pd.DataFrame({"x1": [1, 2, 3, 4], "x2": [2, 1, 4, 3], "y": [1, 3, 2, 4]}, dtype=float)


def test_tiny_table_worked_by_hand():
    """var = 1.25 for every item, cov(x1, y) = 1, cov(x2, y) = 0, cov(x1, x2) = 0.75.

    Mode A makes A's weights proportional to cov(x, y) = (1, 0): A is x1 standardised, so the
    path is cor(x1, y) = 0.8, R² = 0.64, the loadings 1 and cor(x1, x2) = 0.6.
    """
    res = fit_model(TINY, "A =~ x1 + x2\nB =~ y\nB ~ A", scheme="centroid", scaled=False,
                    scale=(1, 4))
    np.testing.assert_allclose(res.outer_weights, [1 / np.sqrt(1.25), 0, 1 / np.sqrt(1.25)],
                               atol=1e-12)
    assert res.paths["A->B"] == pytest.approx(0.8)
    assert res.r2["B"] == pytest.approx(0.64)
    assert res.r2_adj["B"] == pytest.approx(1 - 0.36 * 3 / 2)
    np.testing.assert_allclose(res.loadings, [1.0, 0.6, 1.0], atol=1e-12)
    assert res.inner_model.loc["A->B", "se"] == pytest.approx(np.sqrt(0.36 / 2))
    rel = res.reliability.loc["A"]
    assert rel["alpha"] == pytest.approx(0.75)        # 2 (1 − 2 / 3.2)
    assert rel["rho_c"] == pytest.approx(0.8)         # 1.6² / (1.6² + 0.64)
    assert rel["ave"] == pytest.approx(0.68)          # (1 + 0.36) / 2
    assert res.htmt.loc["A", "B"] == pytest.approx(0.4 / np.sqrt(0.6))
    assert res.gof == pytest.approx(np.sqrt(0.68 * 0.64))
    assert res.index["A"] == pytest.approx(50.0)      # x1 mean 2.5 on 1..4
    assert res.index["B"] == pytest.approx(50.0)
    assert res.impacts["A->B"] == pytest.approx(5 * 0.8)  # equal index sds
    assert res.f2["A->B"] == pytest.approx(0.64 / 0.36)


def simulate(n, paths, loading, rng):
    """Items of three constructs with known standardised paths A -> B -> C and A -> C."""
    a = rng.standard_normal(n)
    b = paths["A->B"] * a + np.sqrt(1 - paths["A->B"] ** 2) * rng.standard_normal(n)
    explained = paths["A->C"] * a + paths["B->C"] * b
    var = paths["A->C"] ** 2 + paths["B->C"] ** 2 + 2 * paths["A->C"] * paths["B->C"] * paths[
        "A->B"]
    c = explained + np.sqrt(1 - var) * rng.standard_normal(n)
    columns = {}
    for name, eta in (("a", a), ("b", b), ("c", c)):
        for k in range(4):
            noise = np.sqrt(1 - loading ** 2) * rng.standard_normal(n)
            columns[f"{name}{k}"] = loading * eta + noise
    return pd.DataFrame(columns)


SIM_MODEL = """A =~ a0 + a1 + a2 + a3
B =~ b0 + b1 + b2 + b3
C =~ c0 + c1 + c2 + c3
B ~ A
C ~ A + B"""
SIM_PATHS = {"A->B": 0.5, "A->C": 0.3, "B->C": 0.4}


def test_simulated_population_paths_are_recovered():
    data = simulate(20_000, SIM_PATHS, 0.97, np.random.default_rng(7))
    res = fit_model(data, SIM_MODEL)
    for key, value in SIM_PATHS.items():
        assert res.paths[key] == pytest.approx(value, abs=0.03)


def test_mobi_full_model_is_sensible(mobi):
    res = fit_model(mobi, MOBI_MODEL, scale=(1, 10))
    assert res.converged
    assert (res.loadings > 0).all()
    assert 0 < res.index["Satisfaction"] < 100
    assert res.paths["Satisfaction->Loyalty"] > 0.3
    ipma = res.ipma()
    assert ipma.target == "Loyalty"
    assert set(ipma.constructs.index) == {"Image", "Expectation", "Quality", "Value",
                                          "Satisfaction", "Complaints"}
    np.testing.assert_allclose(
        ipma.items.groupby("construct")["importance"].sum()[ipma.constructs.index],
        ipma.constructs["importance"])


def test_to_dict_is_json_safe(mobi):
    res = fit_model(mobi, MOBI_MODEL, scale=(1, 10))
    out = res.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["n"] == 250
    assert set(out["paths"]) == {f"{a}->{b}" for a, b in res.model.paths}
    assert set(out["reliability"]["Image"]) == {"alpha", "rho_a", "rho_c", "ave", "dg_rho"}
    assert out["reliability"]["Complaints"]["alpha"] == 1.0
    assert "Complaints<->Loyalty" in out["htmt"]


def test_summary_text_names_the_parts(mobi):
    text = fit_model(mobi, MOBI_MODEL, scale=(1, 10)).summary().as_text()
    for part in ("PLS path model", "Paths", "HTMT", "Satisfaction->Loyalty", "GoF"):
        assert part in text


def test_results_are_read_only(mobi):
    res = fit_model(mobi, MOBI_MODEL)
    with pytest.raises(AttributeError):
        res.n = 1


def test_non_convergence_warns(mobi):
    with pytest.warns(ConvergenceWarning):
        res = fit_model(mobi, MOBI_MODEL, max_iter=2, tol=1e-15)
    assert not res.converged and res.iterations == 2


def test_negative_weight_warns_on_index():
    rng = np.random.default_rng(3)
    y = rng.standard_normal(200)
    data = pd.DataFrame({"f1": y + rng.standard_normal(200), "f2": y + rng.standard_normal(200),
                         "f3": rng.standard_normal(200) - 0.3 * y, "y1": y})
    data["f3"] += 0.8 * data["f1"]
    res = fit_model(data, "F <~ f1 + f2 + f3\nY =~ y1\nY ~ F")
    assert (res.raw_weights < 0).any()
    with pytest.warns(NegativeWeightWarning, match="f3"):
        res.index


def test_mode_b_and_schemes_agree_on_simple_model():
    data = simulate(2_000, SIM_PATHS, 0.9, np.random.default_rng(8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fits = [fit_model(data, SIM_MODEL.replace("A =~", "A <~"), scheme=s)
                for s in ("path", "centroid", "factorial")]
    for fit in fits[1:]:
        np.testing.assert_allclose(fit.paths, fits[0].paths, atol=0.02)
