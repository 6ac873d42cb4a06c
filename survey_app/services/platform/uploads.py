"""The text of an uploaded CSV file, read strictly.

Excel saves "CSV UTF-8" with a byte-order mark, plain "CSV" on Chinese Windows in GB18030 (of
which GBK is a part), and other tools UTF-8 without the mark. A file is read in the first of
these that decodes every byte; one that none decodes is refused, because decoding it with
replacement characters would store "����" in place of the names.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import InvalidInput

BOM = b"\xef\xbb\xbf"
# (Python codec, the name a report gives it), tried in this order: GB18030 would also decode
# much UTF-8, but as the wrong characters, so UTF-8 goes first.
ENCODINGS = (("utf-8-sig", "UTF-8"), ("gb18030", "GB18030"))
# U+FFFD, what a tool writes for characters it could not read: a file that already carries it lost
# those names before it was saved, and storing it would keep "����" as a customer's name.
LOST_TEXT = "\ufffd"


@dataclass(frozen=True)
class UploadedText:
    text: str
    # How the file was read, as the import report names it: "UTF-8 (with BOM)", "UTF-8" or "GB18030".
    encoding: str


def read_csv_upload(data: bytes) -> UploadedText:
    """:raise InvalidInput: when the bytes are neither UTF-8 (with or without BOM) nor GB18030."""
    for codec, name in ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(BOM):
            name = _("%(encoding)s (with BOM)", encoding=name)
        return UploadedText(text, name)
    raise InvalidInput(_("The file is not UTF-8 or GB18030 text; save it as CSV UTF-8 and try again."))


def refuse_lost_text(cells: Iterable) -> None:
    """:raise InvalidInput: when a text cell of a row carries :data:`LOST_TEXT`."""
    if any(isinstance(cell, str) and LOST_TEXT in cell for cell in cells):
        raise InvalidInput(_("Contains “%(mark)s”, which stands for text lost before the file was saved: correct the "
                             "row and import it again.", mark=LOST_TEXT))
