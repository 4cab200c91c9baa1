"""Analyses that work on any :class:`~dynsys_align.maps.UpdateMap`.

Fixed points and multipliers, Lyapunov spectra, periodic orbits, continuation
and bifurcations, and regime classification. Modules here may import
:mod:`dynsys_align.maps`, the validation helpers and the exceptions, never the
sweeps, plotting or the command line.
"""
