"""Reading instrument YAML: parse, validate everything at once, and report errors with file and line."""
import hashlib
import json
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import yaml

from .kinds import QUESTION_KINDS
from .local_text import LocalText
from .model import Condition, Construct, Instrument, Item, Option, Page, Question
from .scale import Scale

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
MODES = ("reflective", "formative")


@dataclass(frozen=True)
class InstrumentError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class InstrumentInvalid(ValueError):
    """An instrument file has errors; ``errors`` lists every one of them."""

    def __init__(self, errors: list[InstrumentError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate an instrument file.

    :raise InstrumentInvalid: listing every error with its line.
    """
    path = Path(path)
    return load_instrument_text(path.read_text(encoding="utf-8"), source=str(path))


def load_instrument_text(text: str, source: str = "<string>") -> Instrument:
    """Load and validate an instrument from YAML (or JSON) text."""
    reader = _Reader(source)
    instrument = reader.read(text)
    if reader.errors:
        raise InstrumentInvalid(reader.errors)
    return instrument


def validate_path(path: str | Path) -> list[InstrumentError]:
    """Every error in an instrument file; an empty list when it is valid."""
    try:
        load_instrument(path)
    except InstrumentInvalid as invalid:
        return invalid.errors
    return []


def builtin_paths() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def load_builtin(instrument_id: str) -> Instrument:
    return load_instrument(BUILTIN_DIR / f"{instrument_id}.yaml")


def content_hash(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Reader:
    """Builds an Instrument from a document while collecting errors with the line of each part."""

    def __init__(self, source: str):
        self.source = source
        self.errors: list[InstrumentError] = []
        self.lines: dict[tuple, int] = {}

    # -- errors and lines ---------------------------------------------------------------------
    def error(self, path: tuple, message: str) -> None:
        while path and path not in self.lines:
            path = path[:-1]
        self.errors.append(InstrumentError(self.source, self.lines.get(path, 1), message))

    def _plain(self, node, path: tuple):
        """Turn a YAML node into plain data with string keys, remembering each part's line."""
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                key = str(yaml.safe_load(yaml.serialize(key_node)))
                result[key] = self._plain(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._plain(child, (*path, index)) for index, child in enumerate(node.value)]
        return yaml.safe_load(yaml.serialize(node))

    # -- reading ------------------------------------------------------------------------------
    def read(self, text: str) -> Instrument | None:
        try:
            node = yaml.compose(text)
        except yaml.YAMLError as problem:
            mark = getattr(problem, "problem_mark", None)
            self.errors.append(InstrumentError(self.source, mark.line + 1 if mark else 1, f"not valid YAML: {problem}"))
            return None
        document = self._plain(node, ()) if node is not None else None
        if not isinstance(document, dict):
            self.error((), "an instrument is a mapping with id, version, title, scales, constructs and items")
            return None
        return self._instrument(document)

    def _instrument(self, doc: dict) -> Instrument | None:
        for key in ("id", "version", "title", "constructs", "items"):
            if key not in doc:
                self.error((), f"missing '{key}'")
        languages = tuple(doc.get("languages") or ("zh", "en"))
        self.languages = languages
        title = self._text(doc.get("title"), ("title",))
        introduction = self._text(doc.get("introduction") or {lang: "" for lang in languages}, ("introduction",), blank_ok=True)
        scales = self._scales(doc.get("scales") or [])
        constructs = self._constructs(doc.get("constructs") or [])
        known_constructs = {c.id for c in constructs}
        items = self._items(doc.get("items") or [], scales, known_constructs)
        questions = self._questions(doc.get("questions") or [])
        paths = self._paths(doc.get("paths") or [], known_constructs)
        for construct in constructs:
            if not any(item.construct == construct.id for item in items):
                self.error(("constructs", self._index_of(doc, "constructs", construct.id)), f"construct '{construct.id}' has no items")
        pages = self._pages(doc.get("pages"), constructs, items, questions)
        self._conditions(items, questions, pages, doc)
        if self.errors:
            return None
        return Instrument(
            id=str(doc["id"]), version=str(doc["version"]), title=title, introduction=introduction,
            languages=languages, scales=scales, constructs=tuple(constructs), items=tuple(items),
            paths=tuple(paths), questions=tuple(questions), pages=tuple(pages),
            content_hash=content_hash(doc), source=self.source, document=doc,
        )

    @staticmethod
    def _index_of(doc, section, element_id) -> int:
        for index, entry in enumerate(doc.get(section) or []):
            if isinstance(entry, dict) and entry.get("id") == element_id:
                return index
        return 0

    def _text(self, value, path: tuple, blank_ok: bool = False) -> LocalText:
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict):
            self.error(path, f"'{path[-1]}' needs a text for each of {', '.join(self.languages)}")
            return LocalText({})
        for lang in self.languages:
            if lang not in value or (not blank_ok and not str(value[lang] or "").strip()):
                self.error(path, f"missing {lang} translation of '{path[-1]}'")
        return LocalText({lang: str(text or "") for lang, text in value.items()})

    def _unique(self, entries, section: str, seen: dict) -> list[tuple[int, dict]]:
        valid = []
        if not isinstance(entries, list):
            self.error((section,), f"'{section}' must be a list")
            return valid
        for index, entry in enumerate(entries):
            path = (section, index)
            if not isinstance(entry, dict) or not entry.get("id"):
                self.error(path, f"each entry of '{section}' needs an id")
                continue
            entry_id = str(entry["id"])
            if entry_id in seen:
                self.error(path, f"duplicate id '{entry_id}' (first at line {seen[entry_id]})")
                continue
            seen[entry_id] = self.lines.get(path, 1)
            valid.append((index, entry))
        return valid

    def _scales(self, entries) -> dict[str, Scale]:
        scales = {}
        for index, entry in self._unique(entries, "scales", {}):
            path = ("scales", index)
            low, high = entry.get("min"), entry.get("max")
            if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool) or isinstance(high, bool):
                self.error(path, f"scale '{entry['id']}' needs whole-number min and max")
                continue
            if low >= high:
                self.error(path, f"scale '{entry['id']}': min {low} must be below max {high}")
                continue
            labels = {}
            for key, text in (entry.get("labels") or {}).items():
                try:
                    point = int(key)
                except ValueError:
                    self.error((*path, "labels", key), f"scale '{entry['id']}': label key {key!r} is not a number")
                    continue
                if not low <= point <= high:
                    self.error((*path, "labels", key), f"scale '{entry['id']}': label for {point} is outside {low}–{high}")
                    continue
                labels[point] = self._text(text, (*path, "labels", key))
            for end in (low, high):
                if end not in labels:
                    self.error(path, f"scale '{entry['id']}' needs an anchor label for {end}")
            scales[str(entry["id"])] = Scale(str(entry["id"]), low, high, labels, bool(entry.get("dont_know", False)))
        return scales

    def _constructs(self, entries) -> list[Construct]:
        constructs = []
        for index, entry in self._unique(entries, "constructs", {}):
            mode = entry.get("mode", "reflective")
            if mode not in MODES:
                self.error(("constructs", index, "mode"), f"mode must be reflective or formative, not {mode!r}")
            constructs.append(Construct(str(entry["id"]), self._text(entry.get("name"), ("constructs", index, "name")), mode))
        return constructs

    def _items(self, entries, scales, constructs) -> list[Item]:
        self.element_lines: dict[str, int] = {}
        items = []
        for index, entry in self._unique(entries, "items", self.element_lines):
            path = ("items", index)
            if entry.get("construct") not in constructs:
                self.error((*path, "construct"), f"item '{entry['id']}' refers to unknown construct {entry.get('construct')!r}")
            scale = scales.get(str(entry.get("scale")))
            if scale is None:
                self.error((*path, "scale"), f"item '{entry['id']}' refers to unknown scale {entry.get('scale')!r}")
                continue
            items.append(Item(
                id=str(entry["id"]), construct=str(entry.get("construct")), text=self._text(entry.get("text"), (*path, "text")),
                scale=scale, required=bool(entry.get("required", True)), reverse=bool(entry.get("reverse", False)),
                condition=self._condition(entry.get("when"), (*path, "when")),
            ))
        return items

    def _questions(self, entries) -> list[Question]:
        questions = []
        for index, entry in self._unique(entries, "questions", self.element_lines):
            path = ("questions", index)
            name = entry.get("kind")
            kind = QUESTION_KINDS.get(name) if isinstance(name, str) else None
            if kind is None:
                self.error((*path, "kind"), f"question '{entry['id']}' has unknown kind {name!r}; use one of {', '.join(QUESTION_KINDS)}")
                continue
            questions.append(Question(
                id=str(entry["id"]), kind=kind, text=self._text(entry.get("text"), (*path, "text")),
                condition=self._condition(entry.get("when"), (*path, "when")), **kind.read(entry, path, self),
            ))
        return questions

    def options(self, entries, path) -> list[Option]:
        """The options of a choice question; a kind reads its entry through this and :meth:`error`."""
        options, seen = [], set()
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or "value" not in entry:
                self.error((*path, index), "each option needs a value and a label")
                continue
            value = str(entry["value"])
            if value in seen:
                self.error((*path, index), f"duplicate option value '{value}'")
                continue
            seen.add(value)
            options.append(Option(value, self._text(entry.get("label"), (*path, index, "label"))))
        return options

    def _condition(self, when, path) -> Condition | None:
        if when is None:
            return None
        if not isinstance(when, dict) or "question" not in when:
            self.error(path, "'when' needs a question and 'in', 'min' or 'max'")
            return None
        values = when.get("in", [])
        values = tuple(values if isinstance(values, list) else [values])
        condition = Condition(str(when["question"]), values, when.get("min"), when.get("max"))
        if not values and condition.min is None and condition.max is None:
            self.error(path, "'when' needs 'in', 'min' or 'max'")
        return condition

    def _paths(self, entries, constructs) -> list[tuple[str, str]]:
        paths, graph = [], {c: set() for c in constructs}
        for index, entry in enumerate(entries):
            path = ("paths", index)
            if isinstance(entry, str) and "->" in entry:
                entry = [part.strip() for part in entry.split("->", 1)]
            if not isinstance(entry, list) or len(entry) != 2:
                self.error(path, "a path is [from, to] or 'from -> to'")
                continue
            source, target = (str(part) for part in entry)
            unknown = [name for name in (source, target) if name not in constructs]
            if unknown:
                self.error(path, f"path {source} -> {target} refers to unknown construct '{unknown[0]}'")
                continue
            paths.append((source, target))
            graph[target].add(source)
        try:
            tuple(TopologicalSorter(graph).static_order())
        except CycleError as cycle:
            self.error(("paths",), "the structural paths have a cycle: " + " -> ".join(cycle.args[1]))
        return paths

    def _pages(self, entries, constructs, items, questions) -> list[Page]:
        known = {e.id for e in (*items, *questions)}
        if entries is None:
            pages = [Page(c.id, c.name, tuple(i.id for i in items if i.construct == c.id)) for c in constructs]
            pages = [p for p in pages if p.elements]
            if questions:
                more = LocalText({"zh": "其他问题", "en": "A few more questions"})
                pages.append(Page("more", more, tuple(q.id for q in questions)))
            return pages
        pages, placed = [], {}
        for index, entry in self._unique(entries, "pages", {}):
            path = ("pages", index)
            elements = []
            for position, element_id in enumerate(entry.get("elements") or []):
                element_id = str(element_id)
                if element_id not in known:
                    self.error((*path, "elements", position), f"page '{entry['id']}' lists unknown element '{element_id}'")
                elif element_id in placed:
                    self.error((*path, "elements", position), f"'{element_id}' is on page '{placed[element_id]}' already")
                else:
                    placed[element_id] = entry["id"]
                    elements.append(element_id)
            pages.append(Page(str(entry["id"]), self._text(entry.get("title"), (*path, "title")), tuple(elements)))
        for element_id in known - placed.keys():
            self.error(("pages",), f"'{element_id}' is on no page")
        return pages

    def _conditions(self, items, questions, pages, doc) -> None:
        order = {element_id: n for n, element_id in enumerate(e for page in pages for e in page.elements)}
        for section, elements in (("items", items), ("questions", questions)):
            for element in elements:
                if element.condition is None:
                    continue
                path = (section, self._index_of(doc, section, element.id), "when")
                target = element.condition.question
                if target not in self.element_lines:
                    self.error(path, f"'{element.id}' depends on unknown question '{target}'")
                elif target in order and element.id in order and order[target] >= order[element.id]:
                    self.error(path, f"'{element.id}' depends on '{target}', which comes after it")
