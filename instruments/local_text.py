"""Texts in each language of a questionnaire."""
from collections.abc import Iterator, Mapping
from types import MappingProxyType


class LocalText(Mapping):
    """A text in several languages; ``get(lang)`` falls back to another language rather than fail."""

    __slots__ = ("_texts",)

    def __init__(self, texts: Mapping[str, str]):
        self._texts = MappingProxyType(dict(texts))

    def __getitem__(self, lang: str) -> str:
        return self._texts[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def get(self, lang: str, default: str | None = None) -> str:
        if lang in self._texts:
            return self._texts[lang]
        for other in ("en", "zh", *self._texts):
            if other in self._texts:
                return self._texts[other]
        return default if default is not None else ""

    def __str__(self) -> str:
        return self.get("en")

    def __repr__(self) -> str:
        return f"LocalText({dict(self._texts)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._texts.items())))
