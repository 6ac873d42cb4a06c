"""The demo's population model: responses carry the structure it was drawn with."""
import numpy as np

from instruments import load_builtin
from survey_app.services.demo import ACSI_TRUE_PATHS, simulate_answers


def test_simulated_answers_follow_the_paths():
    instrument = load_builtin("acsi")
    rows = simulate_answers(instrument, ACSI_TRUE_PATHS, 4000, np.random.default_rng(1))
    def construct_mean(construct):
        ids = [i.id for i in instrument.items_of(construct)]
        return np.array([np.nanmean([r[i] if r[i] is not None else np.nan for i in ids]) for r, _ in rows])
    quality, expectations, loyalty = construct_mean("quality"), construct_mean("expectations"), construct_mean("loyalty")
    assert np.corrcoef(quality, expectations)[0, 1] > 0.35
    assert np.corrcoef(quality, loyalty)[0, 1] > 0.2
    values = [v for r, _ in rows for v in r.values() if v is not None]
    assert min(values) >= 1 and max(values) <= 10
