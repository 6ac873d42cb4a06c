"""NPS, top-box shares and the comparison of two groups."""
import json

import numpy as np
import pandas as pd
import pytest
from conftest import MOBI_MODEL

from analysis import EstimationError
from analysis.compare import compare_groups
from analysis.nps import net_promoter_score, top_box


def test_nps_worked_by_hand():
    scores = [10, 9, 9, 8, 7, 6, 3, 10, np.nan, 0]  # 4 promoters, 2 passives, 3 detractors
    res = net_promoter_score(scores)
    assert res.n == 9
    assert res.nps == pytest.approx(100 * (4 - 3) / 9)
    se = 100 * np.sqrt((7 / 9 - (1 / 9) ** 2) / 9)
    assert res.ci_high - res.nps == pytest.approx(1.959964 * se, rel=1e-5)
    assert res.passives == pytest.approx(2 / 9)
    json.dumps(res.to_dict(), allow_nan=False)


def test_nps_interval_is_clipped_and_validated():
    assert net_promoter_score([10] * 5).ci_high == 100.0
    with pytest.raises(EstimationError, match="between 0 and 10"):
        net_promoter_score([11, 3])
    with pytest.raises(EstimationError, match="no answers"):
        net_promoter_score([np.nan])


def test_top_two_box_with_wilson_interval():
    res = top_box([10, 9, 8, 5, 10, 1, 9, np.nan], scale_max=10)
    assert (res.count, res.n) == (4, 7)
    assert res.share == pytest.approx(4 / 7)
    assert res.ci_low < res.share < res.ci_high
    json.dumps(res.to_dict(), allow_nan=False)


def test_compare_groups_finds_a_shifted_index_and_equal_paths(mobi):
    rng = np.random.default_rng(1)
    order = rng.permutation(len(mobi))
    first = mobi.iloc[order[:125]]
    second = mobi.iloc[order[125:]].copy()
    loyalty = ["CUSL1", "CUSL2", "CUSL3"]
    second[loyalty] = np.clip(second[loyalty] - 2, 1, 10)  # wave b is less loyal
    res = compare_groups(first, second, MOBI_MODEL, names=("2024", "2025"), n_resamples=200,
                         n_permutations=200, seed=3, scale=(1, 10))
    assert res.index.loc["Loyalty", "ci_high"] < 0
    assert res.index.loc["Image", "ci_low"] < 0 < res.index.loc["Image", "ci_high"]
    assert (res.paths["p_value"] > 0).all() and (res.paths["p_value"] <= 1).all()
    assert res.paths["p_value"].min() > 0.01  # same population apart from the shift
    json.dumps(res.to_dict(), allow_nan=False)


def test_permutation_test_detects_a_different_path():
    rng = np.random.default_rng(5)

    def group(path, n=150):
        a = rng.standard_normal(n)
        b = path * a + np.sqrt(1 - path ** 2) * rng.standard_normal(n)
        noise = lambda: 0.4 * rng.standard_normal(n)  # noqa: E731
        return pd.DataFrame({"a1": a + noise(), "a2": a + noise(), "b1": b + noise(),
                             "b2": b + noise()})

    res = compare_groups(group(0.2), group(0.7), "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A",
                         n_resamples=50, n_permutations=300, seed=1)
    assert res.paths.loc["A->B", "p_value"] < 0.01


def test_comparison_summary_and_json(mobi):
    res = compare_groups(mobi.iloc[:125], mobi.iloc[125:], MOBI_MODEL, names=("2024", "2025"),
                         n_resamples=40, n_permutations=40, seed=7, scale=(1, 10))
    summary = res.summary()
    text = summary.as_text()
    assert text.startswith("Comparison of 2024 and 2025")
    loyalty = res.index.loc["Loyalty"]
    line = next(line for line in text.splitlines() if line.startswith("Loyalty "))
    for value in loyalty[["a", "b", "difference", "ci_low", "ci_high"]]:
        assert f"{value:.4f}" in line
    path = res.paths.loc["Satisfaction->Loyalty"]
    line = next(line for line in text.splitlines() if line.startswith("Satisfaction->Loyalty"))
    assert f"{path['difference']:.4f}" in line and f"{path['p_value']:.4f}" in line
    assert "95% percentile interval" in text and "40" in text
    html = summary.as_html()
    assert html.count("<table") == 2 and "<th>2024</th>" in html
    out = res.to_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["groups"] == ["2024", "2025"]
