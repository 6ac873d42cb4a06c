"""Statistics of the satisfaction index: PLS path models, indices, drivers, bootstrap, NPS.

Pure Python (numpy, scipy, statsmodels, pandas, plotly); no web framework, no database. Inputs
are tables or :class:`Moments`, outputs plain result objects with ``to_dict()``.
"""
from .errors import (ConvergenceWarning, EstimationError, ModelError, ModelSpecificationError,
                     ModelSyntaxError, NeedsRowsError, NegativeWeightWarning)
from .model import Construct, ModelSpec, from_instrument
from .moments import Moments
from .pls import PLSResults, fit_model
from .syntax import parse_model

__all__ = ["ConvergenceWarning", "Construct", "EstimationError", "ModelError", "ModelSpec",
           "ModelSpecificationError", "ModelSyntaxError", "Moments", "NeedsRowsError",
           "NegativeWeightWarning", "PLSResults", "fit_model", "from_instrument", "parse_model"]
