"""Data a model cannot be estimated on raise EstimationError, model mistakes ModelError."""
import numpy as np
import pandas as pd
import pytest
from conftest import MOBI_MODEL

from analysis import (ConvergenceWarning, EstimationError, ModelError, ModelSpecificationError,
                      ModelSyntaxError, Moments, NeedsRowsError, fit_model, parse_model)
from analysis.bootstrap import bootstrap
from analysis.compare import compare_groups
from analysis.engine import estimate
from analysis.nps import net_promoter_score, top_box

TWO_BLOCKS = "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"


def _two_blocks(n=40, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 0.5 * a + rng.standard_normal(n)
    return pd.DataFrame({"a1": a + rng.standard_normal(n), "a2": a + rng.standard_normal(n),
                         "b1": b + rng.standard_normal(n), "b2": b + rng.standard_normal(n)})


def test_hierarchy_keeps_value_error_and_separates_model_from_data():
    for error in (EstimationError, NeedsRowsError, ModelError, ModelSyntaxError,
                  ModelSpecificationError):
        assert issubclass(error, ValueError)
    assert issubclass(NeedsRowsError, EstimationError)
    assert issubclass(ModelSyntaxError, ModelError)
    assert issubclass(ModelSpecificationError, ModelError)
    assert not issubclass(ModelError, EstimationError)
    assert not issubclass(EstimationError, ModelError)


def test_too_few_rows(mobi):
    with pytest.raises(EstimationError, match="2 rows are too few"):
        fit_model(mobi.head(2), MOBI_MODEL)


def test_item_without_variation():
    data = _two_blocks().assign(b2=3.0)
    with pytest.raises(EstimationError, match="without variation: b2"):
        fit_model(data, TWO_BLOCKS)


def test_item_without_any_answer():
    data = _two_blocks().assign(a1=np.nan)
    with pytest.raises(EstimationError, match="without any answer: a1"):
        fit_model(data, TWO_BLOCKS)


def test_unknown_scale_ends():
    data = _two_blocks()
    model = parse_model(TWO_BLOCKS)
    full = Moments.from_rows(data, model.items)
    without_extremes = Moments(full.items, full.n, full.sums, full.cross)
    with pytest.raises(EstimationError, match="ends of the item scale are unknown"):
        fit_model(without_extremes, model)
    with pytest.raises(EstimationError, match="min < max"):
        fit_model(data, model, scale=(5, 5))


def test_singular_formative_block():
    data = _two_blocks().assign(a2=lambda d: d["a1"])
    with pytest.raises(EstimationError, match="perfectly collinear"):
        fit_model(data, "A <~ a1 + a2\nB =~ b1 + b2\nB ~ A")


def test_bad_option_values():
    data = _two_blocks()
    with pytest.raises(EstimationError, match="missing must be 'mean' or 'casewise'"):
        fit_model(data, TWO_BLOCKS, missing="pairwise")
    with pytest.raises(EstimationError, match="scheme must be one of"):
        fit_model(data, TWO_BLOCKS, scheme="horst")
    with pytest.raises(EstimationError, match="scheme must be one of"):
        estimate(np.eye(4)[None], parse_model(TWO_BLOCKS), scheme="horst")


def test_non_numeric_items_and_bad_tables():
    data = _two_blocks().astype(object)
    data.loc[0, "a1"] = "often"
    with pytest.raises(EstimationError, match="item columns must be numeric"):
        fit_model(data, TWO_BLOCKS)
    with pytest.raises(EstimationError, match="must be a table"):
        Moments.from_rows(np.zeros((2, 2, 2)))
    with pytest.raises(EstimationError, match="3 columns for 4 items"):
        fit_model(np.zeros((10, 3)), TWO_BLOCKS)


def test_moments_that_cannot_merge():
    with pytest.raises(EstimationError, match="nothing to merge"):
        Moments.merge([])
    a = Moments.from_rows(pd.DataFrame({"x": [1.0, 2.0]}))
    b = Moments.from_rows(pd.DataFrame({"y": [1.0, 2.0]}))
    with pytest.raises(EstimationError, match="same items in the same order"):
        a + b
    with pytest.raises(EstimationError, match="come together"):
        Moments(("x",), 2, [3.0], [[5.0]], pair_sums=[[3.0]])


def test_nps_without_answers_or_out_of_range():
    with pytest.raises(EstimationError, match="no answers"):
        net_promoter_score([np.nan, np.nan])
    with pytest.raises(EstimationError, match="between 0 and 10"):
        net_promoter_score([3, 11])
    with pytest.raises(EstimationError, match="no answers"):
        top_box([], scale_max=5)


def test_bootstrap_needs_two_resamples():
    res = fit_model(_two_blocks(), TWO_BLOCKS)
    with pytest.raises(EstimationError, match="at least 2 resamples"):
        bootstrap(res, 1)


def test_bootstrap_with_too_few_resamples_fitted():
    with pytest.warns(ConvergenceWarning):
        res = fit_model(_two_blocks(), TWO_BLOCKS, max_iter=1, tol=1e-300)
    with pytest.raises(EstimationError, match="too few resamples could be fitted"):
        bootstrap(res, 5, seed=1)


def test_bootstrap_and_comparison_need_rows():
    model = parse_model(TWO_BLOCKS)
    moments = Moments.from_rows(_two_blocks(), model.items)
    with pytest.raises(NeedsRowsError, match="resamples rows"):
        bootstrap(fit_model(moments, model), 10)
    with pytest.raises(EstimationError, match="rows"):
        compare_groups(moments, moments, model, n_resamples=10, n_permutations=10)
    with pytest.raises(EstimationError, match="casewise deletion needs rows"):
        fit_model(moments, model, missing="casewise")


def test_model_mistakes_are_not_estimation_errors():
    with pytest.raises(ModelError) as error:
        fit_model(_two_blocks(), "A =~ a1 + a2\nB ~ A")
    assert not isinstance(error.value, EstimationError)
