"""Update maps: the :class:`UpdateMap` extension point and the maps built on it.

``base`` defines what a map is (a compiled step, an optional compiled Jacobian and
a parameter vector) and ``_kernels`` the compiled drivers every analysis uses;
``alignment`` (MRS-IPO), ``dpo`` (MRS-DPO) and ``finite_step`` (IPO with a finite
learning rate) hold the iterative alignment maps; ``classic`` holds reference
systems with known answers. Nothing here imports the analyses.
"""

from .. import _lazy

_EXPORTS = {
    "base": (
        "UpdateMap", "compiled_step", "compiled_jacobian", "entropy", "softmax",
        "softmax_into", "stack_vector",
    ),
    "alignment": ("MRSIPO",),
    "dpo": ("MRSDPO",),
    "finite_step": ("FiniteStepIPO",),
    "classic": ("Logistic", "Henon", "Replicator"),
}

__getattr__, __dir__, __all__ = _lazy.attach(__name__, _EXPORTS)
