"""Photos sent with a complaint or a message: at most three, each a real photo under the size
limit, kept under a name that is safe to send back; finding one again, and its size in words."""
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import undefer

from ...extensions import db
from ...models import Attachment, Complaint
from ..errors import InvalidInput, NotFound
from ..platform.settings import settings

MAX_PHOTOS = 3
# Room for the name within the column, and for the extension after it is shortened.
MAX_FILENAME = 200
# Characters a download header or a file system would read as syntax rather than as a name.
UNSAFE_IN_FILENAME = frozenset('"\'`<>:*?|;')


# File signatures of the photo types accepted, so a renamed file is not taken for a photo.
PHOTO_SIGNATURES = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftypheic", "image/heic"),
    (4, b"ftypheix", "image/heic"),
    (4, b"ftypmif1", "image/heif"),
)
PHOTO_TYPES = frozenset(content_type for _offset, _signature, content_type in PHOTO_SIGNATURES)
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
              "image/heif": ".heif"}


@dataclass
class Photo:
    filename: str
    data: bytes


def check_photos(photos: list[Photo]) -> list[tuple[Photo, str]]:
    """The photos with their content types.

    :raise InvalidInput: for more than three, one too large, or a file that is not a photo.
    """
    checked, errors = photo_problems(photos)
    if errors:
        raise InvalidInput(errors["photos"], errors)
    return checked


def photo_problems(photos: list[Photo]) -> tuple[list[tuple[Photo, str]], dict[str, str]]:
    checked, errors = [], {}
    limit = settings().complaint_photo_max_bytes
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("Up to %(n)d photos.", n=MAX_PHOTOS)
    for photo in photos[:MAX_PHOTOS]:
        kind = photo_type(photo.data)
        name = clean_filename(photo.filename, kind)
        if len(photo.data) > limit:
            errors["photos"] = _("%(name)s is larger than %(mb)d MB.", name=name, mb=limit // (1024 * 1024))
        elif kind is None:
            errors["photos"] = _("%(name)s is not a JPEG, PNG, WebP or HEIC photo.", name=name)
        else:
            checked.append((Photo(name, photo.data), kind))
    return checked, errors


def clean_filename(sent: str, content_type: str | None = None) -> str:
    """The name a photo is kept under: the last part of the name the phone or browser sent, without
    control characters, line breaks or quotes, which would break the header that offers it back;
    letters of any script stay. A name with nothing left is "photo" with the type's extension."""
    name = unicodedata.normalize("NFC", sent or "").replace("\\", "/").rsplit("/", 1)[-1]
    spaced = "".join(" " if char.isspace() else char for char in name)
    kept = "".join(char for char in spaced if char not in UNSAFE_IN_FILENAME and unicodedata.category(char)[0] != "C")
    kept = " ".join(kept.split()).strip(". ")
    if not kept:
        return "photo" + EXTENSIONS.get(content_type, "")
    stem, dot, extension = kept.rpartition(".")
    if not dot:
        return kept[:MAX_FILENAME]
    extension = "." + extension[:15]
    return stem[:MAX_FILENAME - len(extension)] + extension


def photo_type(data: bytes) -> str | None:
    for offset, signature, content_type in PHOTO_SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return content_type
    return None


def photo_of(complaint: Complaint, attachment_id: int, *, public_only: bool = False) -> Attachment:
    """One photo of ``complaint`` with its bytes; with ``public_only``, only one the customer may see.

    :raise NotFound: for a photo of another complaint, or one kept from the customer.
    """
    query = sa.select(Attachment).where(Attachment.id == attachment_id, Attachment.complaint_id == complaint.id)
    if public_only:
        query = query.where(Attachment.public.is_(True))
    item = db.session.scalar(query.options(undefer(Attachment.data)))
    if item is None:
        raise NotFound(_("This photo is not part of the complaint."))
    return item


def size_in_words(size: int) -> str:
    """A file's size as people read it: bytes under a kilobyte, then KB and MB with one decimal
    where it matters, so no photo reads as "0 KB"."""
    if size < 1024:
        return ngettext("%(n)s byte", "%(n)s bytes", size, n=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(size / 1024, 1), format="#,##0.#"))
    return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1), format="#,##0.#"))
