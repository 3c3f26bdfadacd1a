"""``nest.spatial``: positions of nodes and the parameters that read them.

- :class:`grid` and :class:`free` describe positions for
  ``Create(model, n, positions=...)`` (see :mod:`.layers`);
- ``distance`` (``.x``, ``.y``, ``.z``), ``pos``, ``source_pos`` and
  ``target_pos`` are Parameters for node and connection values (see
  :mod:`.parameters`); the kernels of ``nest.spatial_distributions`` are in
  :mod:`.distributions`;
- masks (:mod:`.masks`), the spatial connection rules (:mod:`.connect`) and
  the tools (``Displacement``, ``FindNearestElement``, ``DumpLayerNodes``
  ...: :mod:`.tools`, plots in :mod:`.plotting`) complete NEST's spatial
  module.
"""
from pynestlite.spatial.layers import free, grid  # noqa: F401
from pynestlite.spatial.parameters import distance, pos, source_pos, target_pos  # noqa: F401

__all__ = ["grid", "free", "distance", "pos", "source_pos", "target_pos"]
