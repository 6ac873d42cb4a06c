"""Questionnaire instruments: the YAML format, its validating loader and the built-in instruments.

No Flask here: a loaded instrument is an immutable value the web app, the command line and the
analysis all read.
"""
from .loader import (BUILTIN_DIR, InstrumentError, InstrumentInvalid, builtin_paths, content_hash, load_builtin,
                     load_instrument, load_instrument_text, validate_path)
from .model import Condition, Construct, Instrument, Item, LocalText, Option, Page, Question, Scale

__all__ = [
    "BUILTIN_DIR", "Condition", "Construct", "Instrument", "InstrumentError", "InstrumentInvalid", "Item",
    "LocalText", "Option", "Page", "Question", "Scale", "builtin_paths", "content_hash", "load_builtin",
    "load_instrument", "load_instrument_text", "validate_path",
]
