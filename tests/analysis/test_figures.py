"""Figures build from result objects and serialise."""
import pytest
from conftest import MOBI_MODEL

from analysis import fit_model
from analysis.bootstrap import bootstrap
from analysis.figures import index_bars, ipma_map, path_diagram


@pytest.fixture(scope="module")
def fitted(mobi):
    res = fit_model(mobi, MOBI_MODEL, scale=(1, 10))
    return res, bootstrap(res, 100, seed=1)


def test_path_diagram_labels_paths_and_r2(fitted):
    res, boot = fitted
    fig = path_diagram(res, boot)
    texts = [a.text for a in fig.layout.annotations if a.text]
    assert f"{res.paths['Satisfaction->Loyalty']:.2f}" in texts
    assert any("R²=" in t for t in fig.data[0].text)
    assert len(fig.data[0].x) == len(res.model.names)
    fig.to_json()


def test_index_bars_carry_intervals(fitted):
    res, boot = fitted
    fig = index_bars(res, boot)
    bar = fig.data[0]
    assert list(bar.x) == list(res.model.names)
    assert all(v >= 0 for v in bar.error_y.array)
    fig.to_json()


def test_ipma_map_at_both_levels(fitted):
    res, _ = fitted
    ipma = res.ipma()
    assert len(ipma_map(ipma).data[0].x) == len(ipma.constructs)
    assert len(ipma_map(ipma, level="items").data[0].x) == len(ipma.items)
