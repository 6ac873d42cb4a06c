"""Lavaan-style model text, as semopy, lavaan and cSEM users write it.

::

    # measurement
    Image   =~ IMAG1 + IMAG2 + IMAG3      # reflective block (mode A)
    Quality <~ PERQ1 + PERQ2              # formative block (mode B)
    # structural
    Satisfaction ~ Image + Quality
    Loyalty + Complaints ~ Satisfaction   # several outcomes at once

A line may continue on the next one after a trailing ``+``. Errors name the offending line.
"""
from __future__ import annotations

import re

from .errors import ModelSpecificationError, ModelSyntaxError
from .model import Construct, ModelSpec

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_OPERATORS = (("=~", "A"), ("<~", "B"), ("~", None))


def parse_model(text: str, scales: dict | None = None) -> ModelSpec:
    """Parse lavaan-style model text into a :class:`~analysis.model.ModelSpec`.

    Parameters
    ----------
    text : str
        The model; ``=~`` declares a reflective block, ``<~`` a formative block and ``~`` a
        structural regression. ``#`` starts a comment.
    scales : dict, optional
        ``item -> (min, max)`` to attach to the model.

    Raises
    ------
    ModelSyntaxError
        With the line number and text of the first offending line.
    """
    blocks: dict[str, tuple[str, tuple[str, ...], int, str]] = {}
    paths: list[tuple[str, str, int, str]] = []
    for number, line in _logical_lines(text):
        op, mode = _operator(line, number)
        left, right = (part.strip() for part in line.split(op, 1))
        lhs = _terms(left, number, line, "left")
        rhs = _terms(right, number, line, "right")
        if mode is not None:
            if len(lhs) != 1:
                raise ModelSyntaxError(f"a block declares one construct, found {len(lhs)}",
                                       number, line)
            name = lhs[0]
            if name in blocks:
                raise ModelSyntaxError(f"construct {name} is already declared on line "
                                       f"{blocks[name][2]}", number, line)
            if len(set(rhs)) != len(rhs):
                raise ModelSyntaxError("an item is listed twice", number, line)
            blocks[name] = (mode, tuple(rhs), number, line)
        else:
            paths.extend((source, target, number, line) for target in lhs for source in rhs)
    if not blocks:
        raise ModelSyntaxError("no measurement block (Construct =~ item1 + item2) was found")
    _check_references(blocks, paths)
    constructs = tuple(Construct(name, mode, items) for name, (mode, items, _, _) in blocks.items())
    try:
        return ModelSpec(constructs, tuple((s, t) for s, t, _, _ in paths), dict(scales or {}))
    except ModelSpecificationError as error:
        raise ModelSyntaxError(str(error)) from error


def _logical_lines(text: str):
    """Yield (first line number, text): comments removed, trailing-``+`` continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if pending:
            pending = f"{pending} {line}"
        else:
            pending, start = line, number
        if not pending.endswith("+"):
            yield start, pending
            pending = ""
    if pending:
        raise ModelSyntaxError("the line ends with '+' but nothing follows", start, pending)


def _operator(line: str, number: int) -> tuple[str, str | None]:
    if line.count("~") > 1:
        raise ModelSyntaxError("more than one operator on a line", number, line)
    for op, mode in _OPERATORS:
        if op in line:
            return op, mode
    if "=" in line or "<" in line:
        raise ModelSyntaxError("unknown operator; use =~ (reflective), <~ (formative) or ~ "
                               "(structural)", number, line)
    raise ModelSyntaxError("no operator; use =~ (reflective), <~ (formative) or ~ (structural)",
                           number, line)


def _terms(side: str, number: int, line: str, where: str) -> list[str]:
    if not side:
        raise ModelSyntaxError(f"nothing on the {where} of the operator", number, line)
    terms = [t.strip() for t in side.split("+")]
    for term in terms:
        if not term:
            raise ModelSyntaxError("an empty term between '+' signs", number, line)
        if "*" in term:
            raise ModelSyntaxError(f"{term!r}: fixed values and labels (x*name) are not "
                                   "supported", number, line)
        if not _NAME.match(term):
            raise ModelSyntaxError(f"{term!r} is not a valid name", number, line)
    return terms


def _check_references(blocks: dict, paths: list) -> None:
    owner: dict[str, str] = {}
    for name, (_, items, number, line) in blocks.items():
        for item in items:
            if item in blocks:
                raise ModelSyntaxError(f"{item} is a construct and cannot be an item of {name}",
                                       number, line)
            if item in owner:
                raise ModelSyntaxError(f"item {item} is already in block {owner[item]}",
                                       number, line)
            owner[item] = name
    seen = set()
    for source, target, number, line in paths:
        for end in (target, source):
            if end not in blocks:
                hint = f" ({end} is an item of {owner[end]})" if end in owner else ""
                raise ModelSyntaxError(f"{end} is not a declared construct{hint}", number, line)
        if source == target:
            raise ModelSyntaxError(f"{source} cannot point to itself", number, line)
        if (source, target) in seen:
            raise ModelSyntaxError(f"the path {source} -> {target} is declared twice", number, line)
        seen.add((source, target))
