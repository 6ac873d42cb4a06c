"""The PLS path-modelling algorithm on stacks of covariance matrices.

Every quantity of a PLS path model with standardised construct scores is a function of the
item covariance matrix S alone: a construct score Yⱼ = Xwⱼ has variance wⱼᵀSwⱼ, the
covariances of the items with the scores are SW, and the scores' correlations are WᵀSW. This
module runs Wold's algorithm in Lohmöller's formulation on a stack of B such matrices at once
(shape (B, p, p)), so that one fit (B = 1), a bootstrap (B resamples) or a jackknife (n
leave-one-out tables) are the same few batched array operations. A resample leaves the stack as
soon as it converges.

One iteration, for blocks j with items Xⱼ and the current weights W:

1. outer estimate: Yⱼ = Xwⱼ scaled to unit variance, Rᵧ = cor(Y);
2. inner weights E from the scheme: centroid eᵢⱼ = sign(rᵢⱼ), factorial eᵢⱼ = rᵢⱼ, path
   eᵢⱼ = the regression coefficient of Yⱼ on its predecessors for i → j and rᵢⱼ for j → i
   (only for adjacent i, j);
3. inner estimate Zⱼ = Σᵢ eᵢⱼYᵢ;
4. new weights: mode A wⱼ = cov(Xⱼ, Zⱼ), mode B wⱼ = Sⱼⱼ⁻¹ cov(Xⱼ, Zⱼ);
5. stop when Σ(|w_old| − |w_new|)² < tol.

This is R plspm's ``get_weights`` step for step (starting weights, unnormalised comparison,
final scaling to unit-variance scores), which is what makes the results agree to 1e-6 at its
loose default tolerance.

References
----------
Wold, H. (1982). Soft modeling: the basic design and some extensions. In Jöreskog & Wold
(eds.), *Systems under indirect observation*, part II, 1–54.
Lohmöller, J.-B. (1989). *Latent variable path modeling with partial least squares*.
Physica, Heidelberg.
Sanchez, G. (2013). *PLS path modeling with R*. Trowchez Editions.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import EstimationError
from .model import ModelSpec

SCHEMES = ("path", "centroid", "factorial")


class Estimate(NamedTuple):
    """Stacked results of :func:`estimate`, one entry per covariance matrix."""

    weights: np.ndarray       # (B, p) weights giving unit-variance scores
    iterations: np.ndarray    # (B,) iterations used
    converged: np.ndarray     # (B,) tolerance reached within the limit
    item_lv: np.ndarray       # (B, p, J) covariances of items with the scores
    lv_corr: np.ndarray       # (B, J, J) correlations of the scores
    paths: np.ndarray         # (B, J, J) path coefficients, [from, to]
    r2: np.ndarray            # (B, J) R² (0 for exogenous constructs)
    total: np.ndarray         # (B, J, J) total effects, [from, to]
    failed: np.ndarray        # (B,) a matrix was singular or a result not finite


def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``solve(a, b)`` for b of shape (B, k); singular systems give NaN, not an error."""
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for k in range(len(a)):
            try:
                out[k] = np.linalg.solve(a[k], b[k])
            except np.linalg.LinAlgError:
                pass
        return out


def _scores(s, w, odm):
    """Dense weights, item-score covariances and score covariances for weights w."""
    wd = w[:, :, None] * odm
    sw = s @ wd
    return wd, sw, np.swapaxes(wd, 1, 2) @ sw


def _inner_weights(r, model: ModelSpec, scheme: str) -> np.ndarray:
    adjacency = model.adjacency
    if scheme == "centroid":
        return np.sign(r) * adjacency
    if scheme == "factorial":
        return r * adjacency
    e = r * model.path_matrix.T  # successors: the correlation, eᵢⱼ for j → i
    for j in model.endogenous:
        preds = list(model.predecessors[j])
        if len(preds) == 1:
            e[:, preds[0], j] = r[:, preds[0], j]
        else:
            e[:, preds, j] = solve(r[:, preds][:, :, preds], r[:, preds, j])
    return e


def _update(s, w, model, scheme, mode_b):
    wd, sw, c = _scores(s, w, model.odm)
    d = np.sqrt(np.diagonal(c, axis1=1, axis2=2))
    r = c / d[:, :, None] / d[:, None, :]
    g = (sw / d[:, None, :]) @ _inner_weights(r, model, scheme)
    new = np.einsum("bpj,pj->bp", g, model.odm)
    for j in mode_b:
        block = model.slices[j]
        new[:, block] = solve(s[:, block, block], g[:, block, j])
    return new


def estimate(s: np.ndarray, model: ModelSpec, scheme: str = "path", tol: float = 1e-6,
             max_iter: int = 100) -> Estimate:
    """Fit the model to each covariance matrix of the stack ``s`` (shape (B, p, p)).

    Parameters
    ----------
    s : ndarray, shape (B, p, p)
        Item covariance (or correlation) matrices, items in ``model.items`` order.
    model : ModelSpec
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme.
    tol, max_iter : float, int
        Stop when Σ(|w_old| − |w_new|)² < tol, or after max_iter iterations.
    """
    if scheme not in SCHEMES:
        raise EstimationError(f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
    b, p, _ = s.shape
    odm = model.odm
    mode_b = [j for j, c in enumerate(model.constructs) if c.mode == "B"]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.ones((b, p))
        _, _, c = _scores(s, w, odm)
        w = w / np.sqrt(np.diagonal(c, axis1=1, axis2=2))[:, model.block]
        weights = np.empty((b, p))
        iterations = np.full(b, max_iter)
        converged = np.zeros(b, dtype=bool)
        active = np.arange(b)
        sa = s
        for it in range(1, max_iter + 1):
            new = _update(sa, w, model, scheme, mode_b)
            change = ((np.abs(w) - np.abs(new)) ** 2).sum(axis=1)
            done = (change < tol) | ~np.isfinite(change)
            if it == max_iter:
                done[:] = True
            finished = active[done]
            weights[finished] = new[done]
            iterations[finished] = it
            converged[finished] = change[done] < tol
            if done.all():
                break
            keep = ~done
            active, sa, w = active[keep], sa[keep], new[keep]
        return _finish(s, weights, iterations, converged, model)


def _finish(s, w, iterations, converged, model) -> Estimate:
    odm, j = model.odm, len(model.names)
    _, sw, c = _scores(s, w, odm)
    # Fix each block's sign so that its score correlates positively with its items overall.
    direction = np.einsum("bpj,pj->bj", sw, odm)
    scale = np.where(direction < 0, -1.0, 1.0) / np.sqrt(np.diagonal(c, axis1=1, axis2=2))
    w = w * scale[:, model.block]
    sw = sw * scale[:, None, :]
    r = c * scale[:, :, None] * scale[:, None, :]
    b = len(s)
    paths = np.zeros((b, j, j))
    r2 = np.zeros((b, j))
    for k in model.endogenous:
        preds = list(model.predecessors[k])
        beta = solve(r[:, preds][:, :, preds], r[:, preds, k])
        paths[:, preds, k] = beta
        r2[:, k] = np.einsum("bi,bi->b", beta, r[:, preds, k])
    total = paths.copy()
    power = paths
    for _ in range(j - 1):
        power = power @ paths
        total += power
    failed = ~(np.isfinite(w).all(axis=1) & np.isfinite(total).all(axis=(1, 2))
               & np.isfinite(r2).all(axis=1))
    return Estimate(w, iterations, converged, sw, r, paths, r2, total, failed)
