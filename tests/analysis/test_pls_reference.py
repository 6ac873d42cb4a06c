"""PLS estimates against R plspm on satisfaction.csv (centroid, mode A, scaled = FALSE)."""
import numpy as np
import pandas as pd
import pytest
from conftest import SATISFACTION_MODEL, ecsi

from analysis import fit_model

TOL = 1e-6


@pytest.fixture(scope="module")
def res(satisfaction):
    return fit_model(satisfaction, SATISFACTION_MODEL, scheme="centroid", scaled=False)


def test_fit_reports_convergence(res):
    assert res.converged and 1 < res.iterations < 100
    assert res.n == 250


def test_outer_model_matches_plspm(res, reference):
    ref = reference("outer-model", index_col="name")
    np.testing.assert_allclose(res.outer_weights[ref.index], ref["weight"], atol=TOL)
    np.testing.assert_allclose(res.loadings[ref.index], ref["loading"], atol=TOL)
    np.testing.assert_allclose(res.communalities[ref.index], ref["communality"], atol=TOL)
    np.testing.assert_allclose(res.redundancies[ref.index], ref["redundancy"], atol=TOL)


def test_cross_loadings_match_plspm(res, reference):
    ref = reference("crossloadings", index_col="name").drop(columns="block")
    np.testing.assert_allclose(res.cross_loadings.loc[ref.index, ref.columns], ref, atol=TOL)


def test_inner_model_matches_plspm(res, reference):
    ref = reference("inner-model", index_col=0)
    ours = res.inner_model.set_index("from").loc[ref.index]
    ours = ours[ours["to"] == "SAT"]
    np.testing.assert_allclose(ours["estimate"], ref["Estimate"], atol=TOL)
    np.testing.assert_allclose(ours["se"], ref["Std. Error"], atol=TOL)
    np.testing.assert_allclose(ours["t"], ref["t value"], atol=TOL)
    np.testing.assert_allclose(ours["p"], ref["Pr(>|t|)"], atol=TOL, rtol=1e-6)


def test_inner_summary_matches_plspm(res, reference):
    ref = reference("inner-summary", index_col=0)
    r2 = res.r2.reindex(ref.index).fillna(0.0)
    np.testing.assert_allclose(r2, ref["r_squared"], atol=TOL)
    block = res.model.block
    names = list(res.model.names)
    communality = res.communalities.groupby(block).mean().set_axis(names)
    redundancy = res.redundancies.groupby(block).mean().set_axis(names)
    np.testing.assert_allclose(communality[ref.index], ref["block_communality"], atol=TOL)
    np.testing.assert_allclose(redundancy[ref.index], ref["mean_redundancy"], atol=TOL)
    np.testing.assert_allclose(res.reliability.loc[ref.index, "ave"], ref["ave"], atol=TOL)


def test_effects_match_plspm(res, reference):
    ref = reference("effects", index_col=0)
    ref.index = [f"{a}->{b}" for a, b in zip(ref["from"], ref["to"])]
    ours = res.effects.reindex(ref.index).fillna(0.0)
    for column in ("direct", "indirect", "total"):
        np.testing.assert_allclose(ours[column], ref[column], atol=TOL)
    reachable = ref[ref["total"] != 0].index
    assert set(res.effects.index) == set(reachable)


def test_scores_match_plspm(res, reference):
    ref = reference("scores")
    np.testing.assert_allclose(res.scores[ref.columns], ref, atol=TOL)


def test_unidimensionality_matches_plspm(res):
    ref = pd.read_csv(ecsi("satisfaction_unidim.csv"), index_col=0)
    ours = res.reliability.loc[ref.index]
    np.testing.assert_allclose(ours["alpha"], ref["cronbach_alpha"], atol=TOL)
    np.testing.assert_allclose(ours["dg_rho"], ref["dillon_goldstein_rho"], atol=TOL)
    np.testing.assert_allclose(ours["eig_1st"], ref["eig_1st"], atol=TOL)
    np.testing.assert_allclose(ours["eig_2nd"], ref["eig_2nd"], atol=TOL)


def test_gof_matches_plspm(res):
    assert res.gof == pytest.approx(0.609741624338411, abs=TOL)


def test_standardised_fit_differs_from_centred(satisfaction, res):
    """README: IMAG->EXPE is 0.560 standardised against 0.579 centred."""
    std = fit_model(satisfaction, SATISFACTION_MODEL, scheme="centroid", scaled=True)
    assert std.paths["IMAG->EXPE"] == pytest.approx(0.560, abs=5e-4)
    assert res.paths["IMAG->EXPE"] == pytest.approx(0.579, abs=5e-4)
