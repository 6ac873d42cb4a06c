"""The model specification: measurement blocks, their modes and the structural paths.

A :class:`ModelSpec` is an immutable value built from lavaan-style text
(:func:`analysis.syntax.parse_model`), from an instrument (:func:`from_instrument`) or
directly. Items are held block by block, so each block is a contiguous slice of the item
vector; the estimation code relies on that layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .errors import ModelSpecificationError

MODES = ("A", "B")


@dataclass(frozen=True)
class Construct:
    """One latent variable: its name, its outer mode ("A" reflective, "B" formative) and items."""

    name: str
    mode: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """A PLS path model.

    Parameters
    ----------
    constructs : tuple of Construct
        The measurement blocks, in the order results are reported.
    paths : tuple of (str, str)
        Structural paths ``(from, to)``; the inner model must be recursive (acyclic).
    scales : dict, optional
        ``item -> (min, max)``, the ends of each item's answer scale (used by the 0-100 index).
    reverse : tuple of str, optional
        Reverse-coded items, recoded ``x -> min + max - x`` before fitting.
    """

    constructs: tuple[Construct, ...]
    paths: tuple[tuple[str, str], ...]
    scales: dict = field(default_factory=dict, compare=False)
    reverse: tuple[str, ...] = ()

    def __post_init__(self):
        names = [c.name for c in self.constructs]
        if not names:
            raise ModelSpecificationError("the model has no measurement blocks")
        if len(set(names)) != len(names):
            raise ModelSpecificationError("a construct is declared twice")
        seen: dict[str, str] = {}
        for c in self.constructs:
            if c.mode not in MODES:
                raise ModelSpecificationError(f"construct {c.name}: mode must be 'A' or 'B'")
            if not c.items:
                raise ModelSpecificationError(f"construct {c.name} has no items")
            for item in c.items:
                if item in seen:
                    raise ModelSpecificationError(
                        f"item {item} is in both {seen[item]} and {c.name}")
                seen[item] = c.name
        for source, target in self.paths:
            for end in (source, target):
                if end not in names:
                    raise ModelSpecificationError(f"path {source} -> {target}: "
                                                  f"{end} is not a construct of the model")
            if source == target:
                raise ModelSpecificationError(f"path {source} -> {target} points to itself")
        if len(set(self.paths)) != len(self.paths):
            raise ModelSpecificationError("a structural path is declared twice")
        for item in self.reverse:
            if item not in seen:
                raise ModelSpecificationError(f"reverse-coded item {item} is not in the model")
            if item not in self.scales:
                raise ModelSpecificationError(f"reverse-coded item {item} needs a scale")
        if not self.paths:
            raise ModelSpecificationError("the model has no structural paths")
        if self._has_cycle():
            raise ModelSpecificationError("the structural model has a cycle; only recursive "
                                          "models can be estimated")

    def _has_cycle(self) -> bool:
        reach = self.path_matrix.copy()
        for _ in range(len(self.constructs)):
            reach = np.minimum(reach + reach @ self.path_matrix, 1)
        return bool(np.any(np.diag(reach)))

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Construct names in model order."""
        return tuple(c.name for c in self.constructs)

    @cached_property
    def items(self) -> tuple[str, ...]:
        """Item names, block by block."""
        return tuple(i for c in self.constructs for i in c.items)

    @cached_property
    def block(self) -> np.ndarray:
        """Index of each item's construct, shape (p,)."""
        return np.repeat(np.arange(len(self.constructs)),
                         [len(c.items) for c in self.constructs])

    @cached_property
    def slices(self) -> tuple[slice, ...]:
        """The slice of the item vector that holds each block."""
        ends = np.cumsum([0] + [len(c.items) for c in self.constructs])
        return tuple(slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:]))

    @cached_property
    def path_matrix(self) -> np.ndarray:
        """``P[i, j] = 1`` when construct i points to construct j, shape (J, J)."""
        index = {n: k for k, n in enumerate(self.names)}
        matrix = np.zeros((len(self.names),) * 2)
        for source, target in self.paths:
            matrix[index[source], index[target]] = 1.0
        return matrix

    @cached_property
    def reachable(self) -> tuple[tuple[int, int], ...]:
        """Pairs ``(i, j)`` joined by a directed path i → … → j: those with a total effect."""
        reach, power = self.path_matrix.copy(), self.path_matrix
        for _ in range(len(self.constructs)):
            power = power @ self.path_matrix
            reach = np.minimum(reach + power, 1)
        return tuple((int(i), int(j)) for i, j in zip(*np.nonzero(reach)))

    @cached_property
    def adjacency(self) -> np.ndarray:
        """Symmetric 0/1 matrix of constructs joined by a path in either direction."""
        return self.path_matrix + self.path_matrix.T

    @cached_property
    def odm(self) -> np.ndarray:
        """Outer design matrix: ``odm[i, j] = 1`` when item i belongs to construct j."""
        return (self.block[:, None] == np.arange(len(self.constructs))[None, :]).astype(float)

    @cached_property
    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        """For each construct, the indices of the constructs pointing to it."""
        return tuple(tuple(np.flatnonzero(self.path_matrix[:, j])) for j in range(len(self.names)))

    @cached_property
    def endogenous(self) -> tuple[int, ...]:
        """Indices of constructs with at least one predecessor."""
        return tuple(j for j, preds in enumerate(self.predecessors) if preds)

    def item_scale(self, default: tuple[float, float]) -> np.ndarray:
        """``(p, 2)`` array of scale ends, from the model or else ``default``."""
        return np.array([self.scales.get(i, default) for i in self.items], dtype=float)


def from_instrument(inst) -> ModelSpec:
    """Build the model of an instrument.

    Parameters
    ----------
    inst : Instrument
        Anything with ``constructs`` (``.id``, ``.mode`` in {"reflective", "formative"}),
        ``items`` (``.id``, ``.construct``, ``.reverse``, ``.scale.min``, ``.scale.max``) and
        ``paths`` (``(from_id, to_id)`` pairs), as :func:`instruments.load_instrument` returns.
    """
    modes = {"reflective": "A", "formative": "B"}
    constructs = []
    for c in inst.constructs:
        if c.mode not in modes:
            raise ModelSpecificationError(f"construct {c.id}: unknown mode {c.mode!r}")
        items = tuple(i.id for i in inst.items if i.construct == c.id)
        constructs.append(Construct(c.id, modes[c.mode], items))
    measured = [c for c in constructs if c.items]
    if len(measured) != len(constructs):
        empty = [c.name for c in constructs if not c.items]
        raise ModelSpecificationError(f"construct(s) without items: {', '.join(empty)}")
    in_model = [i for i in inst.items if any(i.construct == c.name for c in constructs)]
    scales = {i.id: (float(i.scale.min), float(i.scale.max)) for i in in_model}
    reverse = tuple(i.id for i in in_model if i.reverse)
    return ModelSpec(tuple(constructs), tuple((a, b) for a, b in inst.paths), scales, reverse)
