"""dynsys_align: iterative LLM preference alignment as a discrete dynamical system."""

import logging

from .exceptions import (
    ConvergenceError,
    DataFormatError,
    DynsysAlignError,
    InvalidParameter,
    InvalidPolicy,
    InvalidPreferenceMatrix,
    NoFiniteOptimum,
)
from .maps import MRSIPO, UpdateMap, compiled_jacobian, compiled_step, entropy, softmax

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
