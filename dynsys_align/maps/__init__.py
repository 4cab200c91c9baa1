"""Update maps: the :class:`UpdateMap` extension point and the maps built on it.

``base`` defines what a map is (a compiled step, an optional compiled Jacobian and
a parameter vector); ``alignment`` holds the iterative alignment maps; ``classic``
holds reference systems with known answers. Nothing here imports the analyses.
"""

from .alignment import MRSIPO
from .base import UpdateMap, compiled_jacobian, compiled_step, entropy, softmax

__all__ = [
    "UpdateMap",
    "compiled_step",
    "compiled_jacobian",
    "entropy",
    "softmax",
    "MRSIPO",
]
