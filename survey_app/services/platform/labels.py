"""One table per enum of what the product says (and knows) about each member: forms take their
choices from it, pages and exports their words. A member left without its row is refused at
import, so a new member cannot reach a page unnamed."""
import enum
from collections.abc import Iterable, Iterator, Mapping


class EnumTable(Mapping):
    """A row for every member of ``kind``, looked up by member or by its value.

    A row is a label (lazy, so it reads in each request's language) or a tuple whose ``label``
    field is the member's name in a list.
    """

    def __init__(self, kind: type[enum.Enum], rows: Mapping):
        missing = [member for member in kind if member not in rows]
        if missing:
            raise ValueError(f"{kind.__name__} has no row for {', '.join(map(str, missing))}")
        self.kind = kind
        self._rows = {member: rows[member] for member in kind}

    def __getitem__(self, member):
        try:
            return self._rows[self.kind(member)]
        except ValueError:
            raise KeyError(member) from None

    def __iter__(self) -> Iterator:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def label(self, member):
        """The member's label, still lazy (for a form's choices or a page)."""
        row = self[member]
        return row.label if isinstance(row, tuple) else row

    def __call__(self, member) -> str:
        """The member's label as text, e.g. inside a sentence."""
        return str(self.label(member))

    def choices(self, members: Iterable | None = None) -> list[tuple[str, object]]:
        """``(value, label)`` of ``members`` (default: every member, in the enum's order), for a select field."""
        return [(self.kind(member).value, self.label(member)) for member in (self.kind if members is None else members)]
