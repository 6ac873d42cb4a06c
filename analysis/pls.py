"""PLS path modelling: :func:`fit_model` and its :class:`PLSResults`.

The fit works on the item covariance matrix (see :mod:`analysis.engine`), so a table of rows
and its :class:`~analysis.moments.Moments` give the same results; only construct scores per
respondent and casewise deletion need the rows themselves.
"""
from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.special import stdtr

from . import index as acsi
from . import reliability as rel
from .dataset import prepare
from .engine import estimate
from .errors import ConvergenceWarning, EstimationError, NeedsRowsError, NegativeWeightWarning
from .model import ModelSpec
from .results import Summary, pair_key, to_builtin
from .syntax import parse_model


def fit_model(data, model, *, scheme: str = "path", scaled: bool = True,
              missing: str = "mean", tol: float = 1e-6, max_iter: int = 100,
              scale: tuple[float, float] | None = None) -> "PLSResults":
    """Fit a PLS path model to rows or to their moments.

    Parameters
    ----------
    data : DataFrame, ndarray or Moments
        One row per respondent and one column per item (NaN for "don't know"), or the
        :class:`~analysis.moments.Moments` of such a table.
    model : ModelSpec or str
        The model, or lavaan-style text for :func:`~analysis.syntax.parse_model`.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme (Lohmöller 1989).
    scaled : bool
        Standardise the items before estimation (SmartPLS, seminr); ``False`` only centres them
        (R plspm ``scaled = FALSE``), so outer weights are on the raw item scale.
    missing : {"mean", "casewise"}
        Mean replacement of missing answers, or casewise deletion (needs rows).
    tol, max_iter : float, int
        Stop when Σ(|w_old| − |w_new|)² < tol, or after ``max_iter`` iterations
        (:class:`~analysis.errors.ConvergenceWarning`).
    scale : (min, max), optional
        Ends of the answer scale for items the model gives none for (0-100 index).

    Returns
    -------
    PLSResults

    Raises
    ------
    ModelError
        The model text does not parse, or the model is not valid.
    EstimationError
        The data cannot support the fit: too few rows, items without answers or variation,
        unknown scale ends, a singular block or regression, an unknown ``scheme`` or
        ``missing``; :class:`~analysis.errors.NeedsRowsError` for casewise deletion on moments.

    References
    ----------
    Lohmöller, J.-B. (1989). *Latent variable path modeling with partial least squares*.
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path modeling.
    *Computational Statistics & Data Analysis* 48, 159-205.
    """
    if isinstance(model, str):
        model = parse_model(model)
    prepared = prepare(data, model, missing, scale)
    cov = prepared.moments.covariance()
    sd = np.sqrt(np.diag(cov))
    flat = [i for i, v in zip(model.items, sd) if not v > 0]
    if flat:
        raise EstimationError(f"item(s) without variation: {', '.join(flat)}")
    fitted = cov / np.outer(sd, sd) if scaled else cov
    result = estimate(fitted[None], model, scheme, tol, max_iter)
    if result.failed[0]:
        raise EstimationError("the model cannot be estimated on these data: a block or a "
                              "structural regression has perfectly collinear variables")
    if not result.converged[0]:
        warnings.warn(f"PLS iteration did not reach tol={tol} in {max_iter} iterations",
                      ConvergenceWarning, stacklevel=2)
    return PLSResults(model, prepared, result, cov, scheme=scheme, scaled=scaled,
                      missing=missing, tol=tol, max_iter=max_iter)


class PLSResults:
    """Results of :func:`fit_model`. Read-only; derived quantities are computed when first read.

    Attributes
    ----------
    model : ModelSpec
    n : int
        Rows used (after casewise deletion).
    n_dropped : int
        Rows removed by casewise deletion.
    scheme, scaled, missing, tol, max_iter
        The settings of the fit.
    iterations : int
    converged : bool
    moments : Moments
        The moments the fit used (reverse-coded items recoded).
    scale : ndarray, shape (p, 2)
        Scale ends of each item, used by the 0-100 index.
    from_rows : bool
        Whether the fit had the rows (construct scores need them).
    """

    def __init__(self, model: ModelSpec, prepared, result, cov, *, scheme, scaled, missing,
                 tol, max_iter):
        self.model = model
        self.n = prepared.moments.n
        self.n_dropped = prepared.n_dropped
        self.scheme, self.scaled, self.missing = scheme, scaled, missing
        self.tol, self.max_iter = tol, max_iter
        self.iterations = int(result.iterations[0])
        self.converged = bool(result.converged[0])
        self.moments = prepared.moments
        self.scale = prepared.scale
        self.from_rows = prepared.rows is not None
        self._rows = prepared.rows
        self._result = result
        self._cov = cov
        self._frozen = True

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError("PLSResults are read-only")
        object.__setattr__(self, name, value)

    def __repr__(self):
        return (f"PLSResults(n={self.n}, constructs={len(self.model.names)}, "
                f"scheme={self.scheme!r}, scaled={self.scaled}, iterations={self.iterations})")

    # -- outer model ----------------------------------------------------------------------
    @cached_property
    def sd(self) -> pd.Series:
        """Population standard deviation of each item (after mean replacement)."""
        return pd.Series(np.sqrt(np.diag(self._cov)), index=self.model.items)

    @cached_property
    def outer_weights(self) -> pd.Series:
        """Weights as estimated: for standardised items when ``scaled``, else for centred items."""
        return pd.Series(self._result.weights[0], index=self.model.items)

    @cached_property
    def std_weights(self) -> pd.Series:
        """Weights for standardised items (score = Σ wᵢ zᵢ with unit variance)."""
        w = self.outer_weights
        return w if self.scaled else w * self.sd

    @cached_property
    def raw_weights(self) -> pd.Series:
        """Weights per raw item unit: score = Σ wᵢ (xᵢ − x̄ᵢ)."""
        return pd.Series(acsi.raw_weights(self.outer_weights.to_numpy(), self.sd.to_numpy(),
                                          self.scaled), index=self.model.items)

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every item with every construct score."""
        values = self._result.item_lv[0] / self._fit_sd[:, None]
        return pd.DataFrame(values, index=self.model.items, columns=self.model.names)

    @cached_property
    def _fit_sd(self) -> np.ndarray:
        return np.ones(len(self.model.items)) if self.scaled else self.sd.to_numpy()

    @cached_property
    def loadings(self) -> pd.Series:
        """Correlation of each item with its own construct's score."""
        return pd.Series((self.cross_loadings.to_numpy() * self.model.odm).sum(axis=1),
                         index=self.model.items)

    @cached_property
    def communalities(self) -> pd.Series:
        """Squared loadings."""
        return self.loadings ** 2

    @cached_property
    def redundancies(self) -> pd.Series:
        """Communality times the R² of the item's construct (0 for exogenous constructs)."""
        return self.communalities * self._result.r2[0][self.model.block]

    # -- inner model ----------------------------------------------------------------------
    @cached_property
    def lv_correlations(self) -> pd.DataFrame:
        """Correlations of the construct scores."""
        names = list(self.model.names)
        return pd.DataFrame(self._result.lv_corr[0], index=names, columns=names)

    @cached_property
    def path_coefficients(self) -> pd.DataFrame:
        """Path coefficients as a matrix, rows "from" and columns "to"."""
        names = list(self.model.names)
        return pd.DataFrame(self._result.paths[0], index=names, columns=names)

    @cached_property
    def inner_model(self) -> pd.DataFrame:
        """Each path with its OLS standard error, t and two-sided p.

        For outcome j with k predictors, se(β) = √((1 − R²ⱼ)/(n − k − 1) · diag(R⁻¹)), R the
        predictors' correlation matrix: ordinary least squares on the standardised scores with
        an intercept, as R plspm reports.
        """
        rows = []
        r = self._result.lv_corr[0]
        for k in self.model.endogenous:
            preds = list(self.model.predecessors[k])
            df = self.n - len(preds) - 1
            r2 = self._result.r2[0][k]
            diag = np.diag(np.linalg.inv(r[np.ix_(preds, preds)]))
            for i, d in zip(preds, diag):
                beta = self._result.paths[0][i, k]
                se = np.sqrt((1 - r2) / df * d)
                t = beta / se
                rows.append((pair_key(self.model.names[i], self.model.names[k]),
                             self.model.names[i], self.model.names[k], beta, se, t,
                             2 * stdtr(df, -abs(t))))
        return pd.DataFrame(rows, columns=["path", "from", "to", "estimate", "se", "t", "p"]
                            ).set_index("path")

    @cached_property
    def paths(self) -> pd.Series:
        """Path coefficients keyed "From->To", in the model's order."""
        return self.inner_model["estimate"]

    @cached_property
    def r2(self) -> pd.Series:
        """R² of each endogenous construct."""
        k = list(self.model.endogenous)
        return pd.Series(self._result.r2[0][k], index=[self.model.names[j] for j in k])

    @cached_property
    def r2_adj(self) -> pd.Series:
        """Adjusted R²: 1 − (1 − R²)(n − 1)/(n − k − 1)."""
        k = np.array([len(self.model.predecessors[j]) for j in self.model.endogenous])
        return 1 - (1 - self.r2) * (self.n - 1) / (self.n - k - 1)

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effect of every pair joined by a directed path."""
        direct, total = self._result.paths[0], self._result.total[0]
        names = self.model.names
        rows = [(pair_key(names[i], names[j]), names[i], names[j], direct[i, j],
                 total[i, j] - direct[i, j], total[i, j])
                for i, j in self.model.reachable]
        return pd.DataFrame(rows, columns=["pair", "from", "to", "direct", "indirect", "total"]
                            ).set_index("pair")

    @cached_property
    def total_effects(self) -> pd.Series:
        """Total effects keyed "From->To"."""
        return self.effects["total"]

    @cached_property
    def gof(self) -> float:
        """Goodness of fit: √(mean communality of multi-item blocks × mean R² of endogenous).

        Tenenhaus et al. (2004); computed as R plspm does (communalities weighted by items).
        """
        sizes = self.model.odm.sum(axis=0)[self.model.block]
        communality = self.communalities[sizes > 1].mean()
        return float(np.sqrt(communality * self.r2.mean()))

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Standardised construct scores per respondent (needs rows)."""
        if not self.from_rows:
            raise NeedsRowsError("construct scores need the rows; this fit was made from moments")
        x = self._rows - self.moments.means
        x = np.where(np.isnan(x), 0.0, x)
        if self.scaled:
            x = x / self.sd.to_numpy()
        return pd.DataFrame(x @ (self.outer_weights.to_numpy()[:, None] * self.model.odm),
                            columns=self.model.names)

    # -- measurement quality --------------------------------------------------------------
    @cached_property
    def _item_corr(self) -> np.ndarray:
        return rel.correlation(self._cov)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Per construct: alpha, rho_a, rho_c, dg_rho, ave, eig_1st, eig_2nd (mode A blocks).

        Formative (mode B) blocks get only ``ave`` and the eigenvalues; the reliability of a
        composite of causes is not defined.
        """
        rows = {}
        loadings, weights = self.loadings.to_numpy(), self.std_weights.to_numpy()
        for c, block in zip(self.model.constructs, self.model.slices):
            row = rel.block_reliability(self._item_corr[block, block], loadings[block],
                                        weights[block])
            if c.mode == "B":
                row.update(alpha=np.nan, rho_a=np.nan, rho_c=np.nan, dg_rho=np.nan)
            rows[c.name] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios of the reflective constructs."""
        names = list(self.model.names)
        keep = [j for j, c in enumerate(self.model.constructs) if c.mode == "A"]
        table = rel.htmt(self._item_corr[None], self.model)[0]
        return pd.DataFrame(table, index=names, columns=names).iloc[keep, keep]

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with √AVE on the diagonal."""
        return rel.fornell_larcker(self._result.lv_corr[0], self.reliability["ave"].to_numpy(),
                                   self.model.names)

    @cached_property
    def vif_inner(self) -> pd.Series:
        """VIF of each predictor in the structural regressions, keyed "From->To"."""
        return self._by_path(rel.vif_inner(self._result.lv_corr[0], self.model))

    @cached_property
    def vif_outer(self) -> pd.Series:
        """VIF of each item within its block."""
        return pd.Series(rel.vif_outer(self._item_corr, self.model), index=self.model.items)

    @cached_property
    def f2(self) -> pd.Series:
        """Cohen's f² effect size of each path, keyed "From->To"."""
        return self._by_path(rel.f_squared(self._result.lv_corr[0], self._result.r2[0],
                                           self.model))

    def _by_path(self, values: dict) -> pd.Series:
        names = self.model.names
        return pd.Series({pair_key(names[i], names[j]): v for (i, j), v in values.items()},
                         dtype=float)

    # -- indices and drivers --------------------------------------------------------------
    @cached_property
    def index(self) -> pd.Series:
        """ACSI 0-100 index of every construct (see :mod:`analysis.index`).

        Warns :class:`~analysis.errors.NegativeWeightWarning` when an outer weight is negative.
        """
        negative = self.raw_weights[self.raw_weights < 0]
        if len(negative):
            warnings.warn(f"negative outer weight(s) for {', '.join(negative.index)}: the index "
                          "of their construct is not a weighted mean", NegativeWeightWarning,
                          stacklevel=2)
        values = acsi.indices(self.raw_weights.to_numpy()[None], self.moments.means[None],
                              self.scale, self.model)[0]
        return pd.Series(values, index=self.model.names)

    @cached_property
    def unstandardised_effects(self) -> pd.DataFrame:
        """Total effects between 0-100 index scores, rows "from", columns "to"."""
        names = list(self.model.names)
        values = acsi.unstandardised_effects(self._result.total, self.raw_weights.to_numpy()[None],
                                             self._cov[None], self.scale, self.model)[0]
        return pd.DataFrame(values, index=names, columns=names)

    @cached_property
    def impacts(self) -> pd.Series:
        """ACSI impacts keyed "From->To": index change of the target for +5 on the driver."""
        table = self.unstandardised_effects.to_numpy()
        names = self.model.names
        return pd.Series({pair_key(names[i], names[j]): acsi.IMPACT_POINTS * table[i, j]
                          for i, j in self.model.reachable}, dtype=float)

    def ipma(self, target: str | None = None) -> acsi.IPMAResult:
        """Importance-performance map for ``target`` (default: the loyalty construct)."""
        raw = self.raw_weights.to_numpy()[None]
        return acsi.ipma(target or acsi.default_target(self.model),
                         self.unstandardised_effects.to_numpy(), self.index.to_numpy(),
                         acsi.rescaled_weights(raw, self.model)[0],
                         acsi.performance(self.moments.means, self.scale), self.model)

    # -- output ---------------------------------------------------------------------------
    @property
    def settings(self) -> dict:
        """How the model was fitted."""
        return {"scheme": self.scheme, "scaled": self.scaled, "missing": self.missing,
                "tol": self.tol, "max_iter": self.max_iter, "iterations": self.iterations,
                "converged": self.converged, "from_rows": self.from_rows}

    def to_dict(self) -> dict:
        """All results as JSON-safe built-ins (NaN as None); keys as the command line prints."""
        rel_cols = ["alpha", "rho_a", "rho_c", "ave", "dg_rho"]
        htmt = self.htmt
        out = {
            "n": self.n, "n_dropped": self.n_dropped, "settings": self.settings,
            "paths": self.paths, "inner_model": self.inner_model[["estimate", "se", "t", "p"]]
            .to_dict(orient="index"),
            "r2": self.r2, "r2_adj": self.r2_adj,
            "weights": self.std_weights, "outer_weights": self.outer_weights,
            "loadings": self.loadings, "communalities": self.communalities,
            "cross_loadings": self.cross_loadings.to_dict(orient="index"),
            "total_effects": self.total_effects,
            "effects": self.effects[["direct", "indirect", "total"]].to_dict(orient="index"),
            "index": self.index, "impacts": self.impacts,
            "reliability": self.reliability[rel_cols].to_dict(orient="index"),
            "htmt": {f"{a}<->{b}": htmt.loc[a, b] for k, a in enumerate(htmt.index)
                     for b in htmt.index[k + 1:]},
            "fornell_larcker": self.fornell_larcker.to_dict(orient="index"),
            "vif": {"inner": self.vif_inner, "outer": self.vif_outer}, "f2": self.f2,
            "gof": self.gof, "ipma": self.ipma().to_dict(),
        }
        return to_builtin(out)

    def summary(self) -> Summary:
        """A readable report of the fit."""
        settings = {"observations": self.n, **self.settings, "GoF": round(self.gof, 4)}
        if self.n_dropped:
            settings["dropped (casewise)"] = self.n_dropped
        inner = self.inner_model[["estimate", "se", "t", "p"]].copy()
        inner["f2"] = self.f2
        constructs = self.reliability[["alpha", "rho_a", "rho_c", "ave"]].copy()
        constructs.insert(0, "R2", self.r2)
        constructs.insert(0, "index", self.index)
        outer = pd.DataFrame({"construct": [self.model.names[j] for j in self.model.block],
                              "weight": self.std_weights, "loading": self.loadings,
                              "vif": self.vif_outer})
        return Summary("PLS path model", settings, [
            ("Constructs: index (0-100), R2, reliability", constructs),
            ("Paths", inner),
            ("Total effects and impacts (index points for +5)",
             pd.DataFrame({"total": self.total_effects, "impact": self.impacts})),
            ("Outer model (weights for standardised items)", outer),
            ("HTMT", self.htmt),
        ])
