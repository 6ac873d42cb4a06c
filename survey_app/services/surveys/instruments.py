"""Instrument versions in the database: loading the built-ins and reading a pinned version back."""
import json
from pathlib import Path

import sqlalchemy as sa

# Named here for the instrument commands and the demo too, so only services read the instruments package.
from instruments import (Instrument, InstrumentInvalid, builtin_paths, load_instrument, load_instrument_text,  # noqa: F401
                         validate_path)

from ...extensions import db
from ...models import InstrumentVersion, Survey
from ..errors import NotFound


def store_instrument(instrument: Instrument) -> InstrumentVersion:
    """Record this exact instrument document once; an equal document returns the stored row."""
    existing = db.session.scalar(
        sa.select(InstrumentVersion).where(InstrumentVersion.content_hash == instrument.content_hash)
    )
    if existing is not None:
        return existing
    version = InstrumentVersion(
        instrument_id=instrument.id,
        version=instrument.version,
        content_hash=instrument.content_hash,
        document=instrument.to_dict(),
    )
    db.session.add(version)
    db.session.flush()
    return version


def load_paths(paths: list[Path]) -> list[InstrumentVersion]:
    """Validate and store the instruments in ``paths``; raises InstrumentInvalid on the first bad file."""
    versions = [store_instrument(load_instrument(path)) for path in paths]
    db.session.commit()
    return versions


def latest_version(instrument_id: str) -> InstrumentVersion:
    """The most recently loaded version of an instrument.

    :raise NotFound: when no version of it has been loaded.
    """
    version = db.session.scalar(
        sa.select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument_id)
        .order_by(InstrumentVersion.id.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"No instrument {instrument_id!r} has been loaded.")
    return version


def available_instruments() -> list[InstrumentVersion]:
    """The newest version of every loaded instrument, by id."""
    newest = (
        sa.select(sa.func.max(InstrumentVersion.id)).group_by(InstrumentVersion.instrument_id).scalar_subquery()
    )
    return list(
        db.session.scalars(
            sa.select(InstrumentVersion).where(InstrumentVersion.id.in_(newest)).order_by(InstrumentVersion.instrument_id)
        )
    )


_parsed: dict[str, Instrument] = {}


def instrument_of_survey(connection: sa.Connection, survey_id: int) -> Instrument:
    """The instrument survey ``survey_id`` pinned, read through ``connection``: for a session's flush
    events, which may not load objects. The document is read only the first time its hash is seen."""
    version, survey = InstrumentVersion.__table__, Survey.__table__
    content_hash = connection.scalar(sa.select(version.c.content_hash).join(
        survey, survey.c.instrument_version_id == version.c.id).where(survey.c.id == survey_id))
    if content_hash not in _parsed:
        document = connection.scalar(sa.select(version.c.document).where(version.c.content_hash == content_hash))
        return _parse(content_hash, document)
    return _parsed[content_hash]


def instrument_of(version: InstrumentVersion) -> Instrument:
    """The instrument value a survey pinned, parsed once per process.

    A content hash names one immutable document, so the cache never goes stale.
    """
    instrument = _parsed.get(version.content_hash)
    return instrument if instrument is not None else _parse(version.content_hash, version.document)


def _parse(content_hash: str, document: dict) -> Instrument:
    instrument = load_instrument_text(json.dumps(document, sort_keys=True), source=f"instrument:{content_hash[:12]}")
    _parsed[content_hash] = instrument
    return instrument
