"""Column types and defaults shared by every model."""
import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, TypeDecorator


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite keeps no zone, so values are stored naive in UTC and given their zone back when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def str_enum(enum_class: type[enum.StrEnum], length: int = 32) -> Enum:
    """A column type storing an enum's values (readable in SQL) as plain strings on every database."""
    return Enum(enum_class, native_enum=False, length=length, values_callable=lambda members: [m.value for m in members],
                validate_strings=True)
