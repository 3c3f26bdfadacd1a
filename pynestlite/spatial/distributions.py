"""``nest.spatial_distributions``: distance-dependent kernels for spatial
connection probabilities, weights and delays (see
:mod:`pynestlite.spatial.parameters` for their formulas)."""
from pynestlite.spatial.parameters import exponential, gabor, gamma, gaussian, gaussian2D  # noqa: F401

__all__ = ["exponential", "gaussian", "gaussian2D", "gamma", "gabor"]
