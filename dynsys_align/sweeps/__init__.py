"""Sweeps: bifurcation diagrams and regime maps over parameter grids.

``bifurcation`` holds :func:`bifurcation_diagram` (attractor samples along one
parameter), ``regime_map`` holds :func:`regime_map` (regime kinds over a grid of
one to three parameters, optionally times a batch of preference matrices), and
``backends`` runs either in chunks, locally (compiled, parallel) or on a
``dask.distributed`` cluster, with on-disk chunk checkpoints and resume.

Modules here may import :mod:`dynsys_align.maps`, :mod:`dynsys_align.analysis`,
the validation helpers and the exceptions; nothing here is imported by them.
"""

from .backends import BACKENDS
from .bifurcation import BifurcationDiagram, bifurcation_diagram
from .regime_map import RegimeMap, regime_map

__all__ = [
    "BACKENDS",
    "BifurcationDiagram",
    "bifurcation_diagram",
    "RegimeMap",
    "regime_map",
]
