"""Photos sent with a complaint or a message: at most three, each a real photo under the size limit."""
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import InvalidInput
from ..platform.settings import settings

MAX_PHOTOS = 3


# File signatures of the photo types accepted, so a renamed file is not taken for a photo.
PHOTO_SIGNATURES = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftypheic", "image/heic"),
    (4, b"ftypheix", "image/heic"),
    (4, b"ftypmif1", "image/heif"),
)


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
        if len(photo.data) > limit:
            errors["photos"] = _("%(name)s is larger than %(mb)d MB.", name=photo.filename, mb=limit // (1024 * 1024))
        elif kind is None:
            errors["photos"] = _("%(name)s is not a JPEG, PNG, WebP or HEIC photo.", name=photo.filename)
        else:
            checked.append((Photo(photo.filename[-200:] or "photo", photo.data), kind))
    return checked, errors


def photo_type(data: bytes) -> str | None:
    for offset, signature, content_type in PHOTO_SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return content_type
    return None
