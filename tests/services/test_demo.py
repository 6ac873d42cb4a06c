"""The demo's population model: responses carry the structure it was drawn with."""
import numpy as np

from instruments import load_builtin
from survey_app.demo import ACSI_TRUE_PATHS, simulate_answers


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


def _quality(instrument, row) -> float:
    return np.nanmean([row[i.id] if row[i.id] is not None else np.nan for i in instrument.items_of("quality")])


def test_simulated_answers_carry_the_stores_they_are_given():
    instrument = load_builtin("acsi")
    rows = simulate_answers(instrument, ACSI_TRUE_PATHS, 2000, np.random.default_rng(2),
                            store_shift={"east": -1.0, "west": 1.0})
    assert {store for _, store in rows} == {"east", "west"}
    east = np.mean([_quality(instrument, r) for r, store in rows if store == "east"])
    west = np.mean([_quality(instrument, r) for r, store in rows if store == "west"])
    assert west - east > 1.0
    assert {store for _, store in simulate_answers(instrument, ACSI_TRUE_PATHS, 50, np.random.default_rng(2))} == {None}


def test_demo_survey_has_two_waves_and_three_stores(app):
    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import Response, ResponseSegment
    from survey_app.demo import STORES, create_demo
    from survey_app.services.surveys.publishing import survey_by_slug

    create_demo()
    survey = survey_by_slug("demo")
    waves = dict(db.session.execute(sa.select(Response.wave_id, sa.func.count()).where(Response.survey_id == survey.id)
                                    .group_by(Response.wave_id)).all())
    stores = set(db.session.scalars(
        sa.select(ResponseSegment.value).join(Response).where(Response.survey_id == survey.id)))
    assert sum(waves.values()) == 500 and set(waves) == {w.id for w in survey.waves} and len(waves) == 2
    assert stores == set(STORES)
