"""Each enum the pages name has exactly one label table, and every member a label in English and Chinese."""
import importlib
import pkgutil
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import LazyString, force_locale

from survey_app import services
from survey_app.models import (ActorKind, AuditAction, CallbackStatus, Channel, ConsentSource, ContactChannel,
                               ContactPurpose, CustomerEventKind, DuplicateReason, DuplicateStatus, JobStatus, Remedy,
                               Role, Severity, SurveyStatus)
from survey_app.services.customers.callbacks import SkipReason
from survey_app.services.customers.consent import ConsentNote, ContactReason
from survey_app.services.customers.timeline import EntryKind
from survey_app.services.platform.labels import EnumTable

NAMED_ENUMS = {ActorKind, AuditAction, CallbackStatus, Channel, ConsentNote, ConsentSource, ContactChannel,
               ContactPurpose, ContactReason, CustomerEventKind, DuplicateReason, DuplicateStatus, EntryKind, JobStatus,
               Remedy, Role, Severity, SkipReason, SurveyStatus}
CATALOGUE = Path(__file__).resolve().parent.parent / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def label_tables() -> list[EnumTable]:
    """Every table the services define: the one place each enum's words are kept."""
    found = {}
    for info in pkgutil.walk_packages(services.__path__, services.__name__ + "."):
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, EnumTable):
                found[id(value)] = value
    return list(found.values())


def test_each_named_enum_has_exactly_one_table():
    counts = Counter(table.kind for table in label_tables())
    assert {kind for kind, n in counts.items() if n > 1} == set()
    assert NAMED_ENUMS - set(counts) == set()


@pytest.mark.parametrize("table", label_tables(), ids=lambda table: table.kind.__name__)
def test_every_member_has_its_words_in_english_and_chinese(app, table):
    with CATALOGUE.open("rb") as catalogue_file:
        catalogue = read_po(catalogue_file)
    for member, row in table.items():
        words = [row] if isinstance(row, LazyString) else [field for field in row if isinstance(field, LazyString)]
        assert words, f"{table.kind.__name__}.{member.name} has no label"
        for text in words:
            with force_locale("en"):
                msgid = str(text)
            translated = catalogue.get(msgid)
            assert msgid and translated is not None and translated.string and not translated.fuzzy, \
                f"{table.kind.__name__}.{member.name}: {msgid!r} has no Chinese translation"
