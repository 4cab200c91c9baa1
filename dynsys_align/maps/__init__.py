"""Update maps: the :class:`UpdateMap` extension point and the maps built on it.

``base`` defines what a map is (a compiled step, an optional compiled Jacobian and
a parameter vector) and ``_kernels`` the compiled drivers every analysis uses;
``alignment`` (MRS-IPO), ``dpo`` (MRS-DPO) and ``finite_step`` (IPO with a finite
learning rate) hold the iterative alignment maps; ``classic`` holds reference
systems with known answers. Nothing here imports the analyses.
"""

from .alignment import MRSIPO
from .base import UpdateMap, compiled_jacobian, compiled_step, entropy, softmax
from .classic import Henon, Logistic, Replicator
from .dpo import MRSDPO
from .finite_step import FiniteStepIPO

__all__ = [
    "UpdateMap",
    "compiled_step",
    "compiled_jacobian",
    "entropy",
    "softmax",
    "MRSIPO",
    "MRSDPO",
    "FiniteStepIPO",
    "Logistic",
    "Henon",
    "Replicator",
]
