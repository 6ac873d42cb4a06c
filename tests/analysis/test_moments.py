"""Moments: fitting from them equals fitting from rows, and they add up across shards."""
import json

import numpy as np
import pandas as pd
import pytest
from conftest import MOBI_MODEL, SATISFACTION_MODEL

from analysis import Moments, NeedsRowsError, fit_model, parse_model


def _with_gaps(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = frame.to_numpy(dtype=float)
    values[rng.random(values.shape) < share] = np.nan
    return pd.DataFrame(values, columns=frame.columns)


def _assert_same_fit(a, b, tol=1e-10):
    for name in ("outer_weights", "loadings", "paths", "r2", "total_effects", "index", "impacts"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=tol, err_msg=name)
    np.testing.assert_allclose(a.reliability, b.reliability, atol=tol)
    np.testing.assert_allclose(a.htmt, b.htmt, atol=tol)
    assert a.iterations == b.iterations


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_moments_fit_equals_rows_fit(mobi, scheme):
    model = parse_model(MOBI_MODEL)
    rows = fit_model(mobi, model, scheme=scheme)
    moments = fit_model(Moments.from_rows(mobi, model.items), model, scheme=scheme)
    _assert_same_fit(rows, moments)
    assert not moments.from_rows


def test_moments_fit_needs_rows_for_scores_and_casewise(mobi):
    model = parse_model(MOBI_MODEL)
    res = fit_model(Moments.from_rows(mobi, model.items), model)
    with pytest.raises(NeedsRowsError, match="rows"):
        res.scores
    with pytest.raises(NeedsRowsError, match="casewise"):
        fit_model(Moments.from_rows(mobi, model.items), model, missing="casewise")


def test_merged_shards_equal_whole(mobi):
    model = parse_model(MOBI_MODEL)
    data = _with_gaps(mobi, 0.05, seed=1)
    edges = np.linspace(0, len(data), 8).astype(int)
    shards = [Moments.from_rows(data.iloc[a:b], model.items) for a, b in zip(edges, edges[1:])]
    whole = Moments.from_rows(data, model.items)
    merged = Moments.merge(shards)
    assert merged.n == whole.n
    np.testing.assert_allclose(merged.covariance(), whole.covariance(), atol=1e-12)
    _assert_same_fit(fit_model(merged, model), fit_model(data, model))


def test_merge_of_complete_and_gappy_shards(mobi):
    model = parse_model(MOBI_MODEL)
    first, second = mobi.iloc[:100], _with_gaps(mobi.iloc[100:], 0.1, seed=2)
    merged = Moments.from_rows(first, model.items) + Moments.from_rows(second, model.items)
    whole = Moments.from_rows(pd.concat([first.reset_index(drop=True), second]), model.items)
    np.testing.assert_allclose(merged.covariance(), whole.covariance(), atol=1e-12)


def test_mean_replacement_is_exact(mobi):
    model = parse_model(MOBI_MODEL)
    data = _with_gaps(mobi, 0.08, seed=3)
    imputed = data.fillna(data.mean())
    _assert_same_fit(fit_model(data, model), fit_model(imputed, model))


def test_casewise_deletion_drops_incomplete_rows(mobi):
    model = parse_model(MOBI_MODEL)
    data = _with_gaps(mobi, 0.01, seed=4)
    complete = data.dropna()
    res = fit_model(data, model, missing="casewise")
    assert res.n == len(complete) and res.n_dropped == len(data) - len(complete)
    _assert_same_fit(res, fit_model(complete, model))


def test_reverse_coding_on_moments_equals_recoded_rows(mobi):
    base = parse_model(MOBI_MODEL)
    scales = {i: (1.0, 10.0) for i in base.items}
    model = type(base)(base.constructs, base.paths, scales, reverse=("PERQ2", "CUSCO"))
    data = _with_gaps(mobi, 0.05, seed=5)
    expected = fit_model(data, type(base)(base.constructs, base.paths, scales))
    flipped = data.copy()
    flipped[["PERQ2", "CUSCO"]] = 11 - flipped[["PERQ2", "CUSCO"]]
    _assert_same_fit(fit_model(flipped, model), expected)
    _assert_same_fit(fit_model(Moments.from_rows(flipped, model.items), model), expected)


def test_moments_round_trip_through_json(mobi):
    data = _with_gaps(mobi, 0.05, seed=6)
    moments = Moments.from_rows(data)
    text = json.dumps(moments.to_dict(), allow_nan=False)
    again = Moments.from_dict(json.loads(text))
    np.testing.assert_array_equal(again.cross, moments.cross)
    np.testing.assert_array_equal(again.pair_counts, moments.pair_counts)
    assert again.items == moments.items and again.n == moments.n


def test_moments_are_read_only(mobi):
    moments = Moments.from_rows(mobi)
    with pytest.raises(AttributeError):
        moments.n = 3
    with pytest.raises(ValueError):
        moments.cross[0, 0] = 1.0


def test_merge_rejects_different_items(satisfaction, mobi):
    model = parse_model(SATISFACTION_MODEL)
    with pytest.raises(ValueError, match="same items"):
        Moments.from_rows(mobi) + Moments.from_rows(satisfaction[list(model.items)])
