"""Questionnaire instruments: the YAML format, its validating loader, the question kinds and the built-ins.

No Flask here: a loaded instrument is an immutable value the web app, the command line and the
analysis all read.
"""
from .kinds import NOT_STORED, QUESTION_KINDS, SCALE_ITEM, AnswerRefused, Message, QuestionKind
from .loader import (BUILTIN_DIR, InstrumentError, InstrumentInvalid, builtin_paths, content_hash, load_builtin,
                     load_instrument, load_instrument_text, validate_path)
from .local_text import LocalText
from .model import Condition, Construct, Instrument, Item, Option, Page, Question
from .scale import Scale

__all__ = [
    "BUILTIN_DIR", "NOT_STORED", "QUESTION_KINDS", "SCALE_ITEM", "AnswerRefused", "Condition",
    "Construct", "Instrument", "InstrumentError", "InstrumentInvalid", "Item", "LocalText", "Message", "Option",
    "Page", "Question", "QuestionKind", "Scale", "builtin_paths", "content_hash", "load_builtin", "load_instrument",
    "load_instrument_text", "validate_path",
]
