"""Preference matrices, their tournaments and the social-choice notions built on them.

A preference matrix over ``K`` candidate responses is a ``K x K`` array with
``P_ij = Pr(i is preferred to j)``, ``P_ij + P_ji = 1`` and ``P_ii = 1/2``. This
module holds :class:`PreferenceMatrix`, an immutable, validated wrapper with the
views the rest of the package needs (the tournament graph, the Condorcet winner,
the Smith set, Copeland scores, transitivity and Bradley-Terry predicates, the
skew-symmetric part ``S = P - 1/2``), and the constructors of standard matrices:
:func:`cyclic`, :func:`transitive`, :func:`bradley_terry`, :func:`from_tournament`,
:func:`from_attribute_scores`, :func:`random`, :func:`from_name` and
:func:`load_matrix`.

Ties and tolerances
-------------------
Every comparison of an entry with ``1/2`` (or with another entry) is made with the
matrix's tie tolerance ``tie_tol`` (default :data:`TIE_TOL` ``= 1e-12``):

* ``i`` *beats* ``j`` when ``P_ij > 1/2 + tie_tol``;
* ``i`` and ``j`` *tie* when ``|P_ij - 1/2| <= tie_tol``;
* ``a >= b`` in a transitivity rule means ``a >= b - tie_tol`` and ``a > b``
  means ``a > b + tie_tol``.

A tie is not an edge of the tournament graph, a Condorcet winner must beat every
other response strictly, and the Smith set is the smallest non-empty set whose
every member beats every non-member strictly (so a tie across the boundary
merges the two sides).

This module may import numpy, scipy, networkx, :mod:`dynsys_align.exceptions`
and :mod:`dynsys_align._validation`; nothing else from the package.
"""

from __future__ import annotations

import csv
import logging
import numbers
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.special import expit

from ._validation import PREFERENCE_ATOL, as_preference_array, check_positive
from .exceptions import DataFormatError, InvalidParameter, InvalidPreferenceMatrix

__all__ = [
    "BUILTIN_NAMES",
    "TIE_TOL",
    "PreferenceMatrix",
    "bradley_terry",
    "cyclic",
    "from_attribute_scores",
    "from_name",
    "from_tournament",
    "load_matrix",
    "random",
    "transitive",
]

logger = logging.getLogger(__name__)

#: Default tolerance below which ``|P_ij - 1/2|`` counts as a tie.
TIE_TOL = 1e-12

#: Default tolerance (in probability) of :meth:`PreferenceMatrix.is_bradley_terry`.
BT_ATOL = 1e-9


# ----------------------------------------------------------------------------
# small argument checks used by the constructors (and by dynsys_align.data)
# ----------------------------------------------------------------------------


def _as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Return a numpy Generator from a Generator or a non-negative integer seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (numbers.Integral, np.integer)) and not isinstance(
        rng, (bool, np.bool_)
    ):
        if int(rng) < 0:
            raise InvalidParameter(
                f"{name} seed must be a non-negative integer, got {name} = {rng!r}"
            )
        return np.random.default_rng(int(rng))
    raise InvalidParameter(
        f"{name} must be a numpy Generator or a non-negative integer seed, "
        f"got {rng!r}"
    )


def _check_count(K, name: str = "K", minimum: int = 2) -> int:
    """Return ``K`` as an int, requiring an integer >= ``minimum``."""
    if isinstance(K, (bool, np.bool_)) or not isinstance(K, (numbers.Integral,
                                                             np.integer)):
        raise InvalidParameter(f"{name} must be an integer, got {name} = {K!r}")
    if int(K) < minimum:
        raise InvalidParameter(
            f"{name} must be an integer >= {minimum}, got {name} = {int(K)}"
        )
    return int(K)


def _check_margin(margin, name: str = "margin") -> float:
    """Return ``margin`` as a float, requiring a value in (0, 1/2]."""
    m = check_positive(margin, name)
    if m > 0.5:
        raise InvalidParameter(f"{name} must lie in (0, 1/2], got {name} = {m!r}")
    return m


def _check_labels(labels, K: int) -> tuple[str, ...]:
    """Return labels as a tuple of K distinct strings (default "0".."K-1")."""
    if labels is None:
        return tuple(str(i) for i in range(K))
    if isinstance(labels, str) or not isinstance(labels, (Sequence, np.ndarray)):
        raise InvalidParameter(
            f"labels must be a sequence of K = {K} names, got {labels!r}"
        )
    out = tuple(str(x) for x in labels)
    if len(out) != K:
        raise InvalidParameter(
            f"labels must have one name per response (K = {K}), got {len(out)}: "
            f"{out!r}"
        )
    if len(set(out)) != K:
        dup = sorted({x for x in out if out.count(x) > 1})
        raise InvalidParameter(f"labels must be distinct, repeated: {dup!r}")
    return out


def _complementary(A: np.ndarray) -> np.ndarray:
    """Nearest exactly complementary matrix to a validated preference array.

    Each pair is averaged, ``u = (A_ij + 1 - A_ji) / 2``; the larger side
    ``w = max(u, 1 - u) >= 1/2`` is stored and the other side gets ``1 - w``.
    Both ``1 - w`` and ``P - 1/2`` are then exact in binary floating point, so
    ``P + P^T = 1`` and ``S = -S^T`` hold without rounding error.
    """
    K = A.shape[0]
    iu, ju = np.triu_indices(K, k=1)
    u = 0.5 * (A[iu, ju] + (1.0 - A[ju, iu]))
    w = np.maximum(u, 1.0 - u)
    top = u >= 0.5
    P = np.full((K, K), 0.5)
    P[iu, ju] = np.where(top, w, 1.0 - w)
    P[ju, iu] = np.where(top, 1.0 - w, w)
    return P


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


# ----------------------------------------------------------------------------
# the preference matrix
# ----------------------------------------------------------------------------


class PreferenceMatrix:
    """An immutable, validated preference matrix over K candidate responses.

    ``PreferenceMatrix(matrix, labels=None, *, atol=1e-9, tie_tol=1e-12)``

    Parameters
    ----------
    matrix : array_like, shape (K, K), or PreferenceMatrix
        ``matrix[i, j]`` is the probability that response ``i`` is preferred to
        response ``j``. From a PreferenceMatrix its labels are kept unless
        ``labels`` is given.
    labels : sequence of str, optional
        One distinct name per response (converted with ``str``); ``"0"`` ..
        ``"K-1"`` by default.
    atol : float, optional
        Tolerance of the rules ``P_ij + P_ji = 1`` and ``P_ii = 1/2``.
    tie_tol : float, optional
        ``|P_ij - 1/2| <= tie_tol`` counts as a tie (see the module notes);
        must lie in [0, 1/2).

    Raises
    ------
    InvalidPreferenceMatrix
        If the matrix is not square, has K < 2, is not finite, has an entry
        outside [0, 1], or breaks ``P + P^T = 1`` by more than ``atol`` (which
        also bounds ``|P_ii - 1/2|`` by ``atol / 2``).
    InvalidParameter
        If ``labels`` has the wrong length or repeats a name, or ``tie_tol`` is
        out of range.

    Notes
    -----
    The stored matrix is the complementary matrix ``(P + 1 - P^T) / 2`` nearest
    to the input; it differs from the input by at most ``atol / 2`` (plus
    rounding) and, by construction, has ``P_ii = 1/2``, ``P + P^T = 1`` and
    ``S = P - 1/2`` skew-symmetric exactly in floating point. It is a
    read-only array. Two matrices are equal when their stored entries, labels
    and tie tolerances are equal; matrices are hashable.

    Derived views (graph, Smith set, ...) are computed on first use and cached.
    The transitivity checks cost O(K^3) time (O(K^2) memory), the rest
    O(K^2) (the Smith set and the cycle test use networkx).

    Examples
    --------
    >>> from dynsys_align.preferences import PreferenceMatrix
    >>> P = PreferenceMatrix([[0.5, 0.7, 0.2],
    ...                       [0.3, 0.5, 0.6],
    ...                       [0.8, 0.4, 0.5]], labels=["a", "b", "c"])
    >>> P.K, P.is_cyclic, P.condorcet_winner
    (3, True, None)
    >>> sorted(P.smith_set)
    [0, 1, 2]
    >>> P.copeland_scores()
    array([0, 0, 0])
    """

    __slots__ = ("_P", "_labels", "_tie_tol", "_cache")

    def __init__(self, matrix, labels=None, *, atol: float = PREFERENCE_ATOL,
                 tie_tol: float = TIE_TOL):
        atol = check_positive(atol, "atol", allow_zero=True)
        tie_tol = check_positive(tie_tol, "tie_tol", allow_zero=True)
        if tie_tol >= 0.5:
            raise InvalidParameter(
                f"tie_tol must lie in [0, 1/2), got tie_tol = {tie_tol!r}"
            )
        if isinstance(matrix, PreferenceMatrix):
            A = np.array(matrix.matrix, dtype=float)
            if labels is None:
                labels = matrix.labels
        else:
            A = as_preference_array(matrix, atol=atol)
        self._P = _readonly(_complementary(A))
        self._labels = _check_labels(labels, A.shape[0])
        self._tie_tol = tie_tol
        self._cache = {}

    # -- basic views ---------------------------------------------------------

    @property
    def matrix(self) -> np.ndarray:
        """The preference matrix as a read-only float64 array of shape (K, K)."""
        return self._P

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("PreferenceMatrix cannot be viewed without a copy")
        return np.array(self._P, dtype=dtype)

    @property
    def K(self) -> int:
        """Number of candidate responses."""
        return self._P.shape[0]

    @property
    def labels(self) -> tuple[str, ...]:
        """Names of the responses, one per row."""
        return self._labels

    @property
    def tie_tol(self) -> float:
        """Tolerance below which ``|P_ij - 1/2|`` counts as a tie."""
        return self._tie_tol

    @property
    def skew(self) -> np.ndarray:
        """The skew-symmetric part ``S = P - 1/2`` (read-only array)."""
        if "skew" not in self._cache:
            self._cache["skew"] = _readonly(self._P - 0.5)
        return self._cache["skew"]

    @property
    def skew_norm(self) -> float:
        """Spectral norm ``||P - 1/2||_2`` (largest singular value of ``S``).

        It enters the contraction condition
        ``alpha + beta lam ||S||_2 / 2 < 1`` of the MRS-IPO map.
        """
        if "skew_norm" not in self._cache:
            self._cache["skew_norm"] = float(np.linalg.norm(self.skew, 2))
        return self._cache["skew_norm"]

    def _beats(self) -> np.ndarray:
        # strict dominance: P_ij > 1/2 + tie_tol (never true on the diagonal)
        if "beats" not in self._cache:
            self._cache["beats"] = _readonly(self._P > 0.5 + self._tie_tol)
        return self._cache["beats"]

    # -- tournament and social choice ----------------------------------------

    @property
    def graph(self) -> nx.DiGraph:
        """The tournament of ``P`` as a frozen networkx DiGraph.

        Nodes are ``0 .. K-1`` with a ``"label"`` attribute; there is an edge
        ``i -> j`` (``i`` beats ``j``) iff ``P_ij > 1/2 + tie_tol``, with the
        attribute ``"margin" = P_ij - 1/2``. Ties have no edge.
        """
        if "graph" not in self._cache:
            G = nx.DiGraph()
            G.add_nodes_from((i, {"label": lab}) for i, lab in enumerate(self._labels))
            for i, j in zip(*np.nonzero(self._beats()), strict=True):
                G.add_edge(int(i), int(j), margin=float(self._P[i, j] - 0.5))
            self._cache["graph"] = nx.freeze(G)
        return self._cache["graph"]

    @property
    def condorcet_winner(self) -> int | None:
        """Index of the response that beats every other one strictly, or None."""
        if "condorcet" not in self._cache:
            wins = self._beats().sum(axis=1)
            top = np.flatnonzero(wins == self.K - 1)
            self._cache["condorcet"] = int(top[0]) if top.size else None
        return self._cache["condorcet"]

    @property
    def smith_set(self) -> frozenset[int]:
        """The Smith set: the smallest non-empty set beating every outsider.

        Every member beats every non-member strictly. It is computed as the
        top strongly connected component of the graph with an edge ``i -> j``
        whenever ``P_ij >= 1/2 - tie_tol`` (``i`` beats or ties ``j``). That
        graph has an edge in at least one direction between any two nodes, so
        its condensation is a path and the top component is unique. For a
        tournament without ties it is the top component of :attr:`graph`.
        A Condorcet winner ``c`` gives the Smith set ``{c}``.
        """
        if "smith" not in self._cache:
            weak = self._P >= 0.5 - self._tie_tol
            np.fill_diagonal(weak, False)
            G = nx.from_numpy_array(weak.astype(np.int8), create_using=nx.DiGraph)
            C = nx.condensation(G)
            (top,) = (c for c in C.nodes if C.in_degree(c) == 0)
            self._cache["smith"] = frozenset(int(i) for i in C.nodes[top]["members"])
        return self._cache["smith"]

    def copeland_scores(self) -> np.ndarray:
        """Copeland scores: strict wins minus strict losses of each response.

        Ties (``|P_ij - 1/2| <= tie_tol``) count 0 for both sides.

        Returns
        -------
        ndarray of int, shape (K,)
            Scores summing to zero.

        Examples
        --------
        >>> from dynsys_align.preferences import transitive
        >>> transitive(3, 0.2).copeland_scores()
        array([ 2,  0, -2])
        """
        B = self._beats()
        return B.sum(axis=1) - B.sum(axis=0)

    @property
    def is_tournament(self) -> bool:
        """True when no two distinct responses tie (every pair has a winner)."""
        B = self._beats()
        off = ~np.eye(self.K, dtype=bool)
        return bool(np.all((B | B.T)[off]))

    @property
    def is_cyclic(self) -> bool:
        """True when the tournament graph (ties excluded) has a directed cycle.

        A matrix can be acyclic and still not weakly transitive when ties are
        present (``0 > 1 > 2`` with ``0 ~ 2``).
        """
        if "cyclic" not in self._cache:
            self._cache["cyclic"] = not nx.is_directed_acyclic_graph(self.graph)
        return self._cache["cyclic"]

    def _holds_for_all_triples(self, premise, conclusion) -> bool:
        """Check ``premise(P_ij, P_jk) -> conclusion(P_ij, P_jk, P_ik)``.

        Loops over the middle index ``j`` so memory stays O(K^2).
        """
        P = self._P
        for j in range(self.K):
            A = P[:, j][:, None]  # P_ij
            B = P[j, :][None, :]  # P_jk
            if not np.all(~premise(A, B) | conclusion(A, B, P)):
                return False
        return True

    def is_weakly_transitive(self) -> bool:
        """Weak stochastic transitivity.

        For all ``i, j, k``: ``P_ij >= 1/2`` and ``P_jk >= 1/2`` imply
        ``P_ik >= 1/2`` (comparisons with tolerance ``tie_tol``).

        Returns
        -------
        bool

        Examples
        --------
        >>> from dynsys_align.preferences import cyclic, transitive
        >>> transitive(4, 0.3).is_weakly_transitive(), cyclic(3, 0.2).is_weakly_transitive()
        (True, False)
        """
        t = self._tie_tol
        return self._holds_for_all_triples(
            lambda A, B: (A >= 0.5 - t) & (B >= 0.5 - t),
            lambda A, B, C: C >= 0.5 - t,
        )

    def is_strongly_transitive(self, strict: bool = False) -> bool:
        """Strong stochastic transitivity (SST), optionally strict.

        Parameters
        ----------
        strict : bool, optional
            ``False``: for all ``i, j, k``, ``P_ij >= 1/2`` and ``P_jk >= 1/2``
            imply ``P_ik >= max(P_ij, P_jk)``.
            ``True``: the matrix is a tournament (no ties off the diagonal) and
            for all ``i, j, k``, ``P_ij > 1/2`` and ``P_jk > 1/2`` imply
            ``P_ik > max(P_ij, P_jk)``. Comparisons use the tolerance
            ``tie_tol``.

        Returns
        -------
        bool

        Notes
        -----
        Strict SST implies that the tournament is a linear order, so there is a
        unique top response (the setting of the entropy-collapse theorem).
        Without the tournament requirement a matrix of ties only would be
        vacuously strictly SST. A Bradley-Terry matrix is SST, strictly so when
        its scores are distinct.

        Examples
        --------
        >>> from dynsys_align.preferences import PreferenceMatrix
        >>> P = PreferenceMatrix([[0.5, 0.7, 0.7],
        ...                       [0.3, 0.5, 0.6],
        ...                       [0.3, 0.4, 0.5]])
        >>> P.is_strongly_transitive(), P.is_strongly_transitive(strict=True)
        (True, False)
        """
        t = self._tie_tol
        if strict:
            return self.is_tournament and self._holds_for_all_triples(
                lambda A, B: (A > 0.5 + t) & (B > 0.5 + t),
                lambda A, B, C: C > np.maximum(A, B) + t,
            )
        return self._holds_for_all_triples(
            lambda A, B: (A >= 0.5 - t) & (B >= 0.5 - t),
            lambda A, B, C: C >= np.maximum(A, B) - t,
        )

    # -- Bradley-Terry ---------------------------------------------------------

    def _bt_fit(self, atol: float):
        """Return ``(scores, None)`` or ``(None, reason)``."""
        atol = check_positive(atol, "atol", allow_zero=True)
        P = self._P
        extreme = (P <= 0.0) | (P >= 1.0)
        if np.any(extreme):
            i, j = np.argwhere(extreme)[0]
            return None, (
                f"P[{i}, {j}] = {P[i, j]!r} is 0 or 1, which needs an infinite "
                "Bradley-Terry score difference"
            )
        with np.errstate(divide="ignore"):
            L = np.log(P) - np.log1p(-P)
        # least-squares fit of L_ij = s_i - s_j with mean(s) = 0 (L is skew)
        s = L.mean(axis=1)
        dev = np.abs(expit(s[:, None] - s[None, :]) - P)
        if dev.max() > atol:
            i, j = np.unravel_index(np.argmax(dev), dev.shape)
            return None, (
                f"P is not Bradley-Terry within atol = {atol:g}: the best fit "
                f"misses P[{i}, {j}] = {P[i, j]:.6g} by {dev[i, j]:.3g}"
            )
        return s - s.mean(), None

    def is_bradley_terry(self, atol: float = BT_ATOL) -> bool:
        """True when ``P_ij = sigmoid(s_i - s_j)`` for some finite scores ``s``.

        Parameters
        ----------
        atol : float, optional
            Largest allowed ``|sigmoid(s_i - s_j) - P_ij|`` (in probability).

        Returns
        -------
        bool

        Notes
        -----
        The scores are the least-squares solution ``s_i = mean_j logit(P_ij)``
        of ``logit(P_ij) = s_i - s_j``; the test checks the fitted matrix
        entrywise. An entry of exactly 0 or 1 makes the answer False (no finite
        scores), however close the matrix is to a limit of BT matrices.

        Examples
        --------
        >>> from dynsys_align.preferences import bradley_terry, cyclic
        >>> bradley_terry([1.0, 0.0, -2.0]).is_bradley_terry()
        True
        >>> cyclic(3, 0.2).is_bradley_terry()
        False
        """
        return self._bt_fit(atol)[0] is not None

    def bradley_terry_scores(self, atol: float = BT_ATOL) -> np.ndarray:
        """Bradley-Terry scores with mean zero, for an exactly BT matrix.

        Parameters
        ----------
        atol : float, optional
            Largest allowed ``|sigmoid(s_i - s_j) - P_ij|``.

        Returns
        -------
        ndarray, shape (K,)
            Scores ``s`` with ``P_ij = sigmoid(s_i - s_j)`` and ``sum(s) = 0``.

        Raises
        ------
        InvalidPreferenceMatrix
            If no finite scores reproduce ``P`` within ``atol`` (an entry is 0
            or 1, or the matrix is not BT).

        Examples
        --------
        >>> import numpy as np
        >>> from dynsys_align.preferences import bradley_terry
        >>> s = bradley_terry([3.0, 1.0, 2.0]).bradley_terry_scores()
        >>> np.allclose(s, [1.0, -1.0, 0.0])
        True
        """
        s, reason = self._bt_fit(atol)
        if s is None:
            raise InvalidPreferenceMatrix(reason)
        return s

    # -- derived matrices ------------------------------------------------------

    def restrict(self, indices) -> PreferenceMatrix:
        """The preference matrix among a subset of the responses.

        Parameters
        ----------
        indices : sequence of int
            At least two distinct indices in ``0 .. K-1``, in the wanted order.

        Returns
        -------
        PreferenceMatrix
            ``P[indices][:, indices]`` with the matching labels.

        Raises
        ------
        InvalidParameter
            If an index is out of range or repeated, or fewer than two are given.

        Examples
        --------
        >>> from dynsys_align.preferences import transitive
        >>> transitive(4, 0.3).restrict([3, 0]).condorcet_winner
        1
        """
        try:
            idx = np.asarray(indices)
            ok = idx.ndim == 1 and (idx.size == 0 or np.issubdtype(idx.dtype,
                                                                  np.integer))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InvalidParameter(
                f"indices must be a sequence of integers, got {indices!r}"
            )
        if idx.size < 2 or len(set(idx.tolist())) != idx.size:
            raise InvalidParameter(
                f"indices must name at least two distinct responses, got {idx.tolist()}"
            )
        if idx.min() < 0 or idx.max() >= self.K:
            raise InvalidParameter(
                f"indices must lie in 0 .. {self.K - 1}, got {idx.tolist()}"
            )
        return PreferenceMatrix(
            self._P[np.ix_(idx, idx)],
            [self._labels[i] for i in idx],
            tie_tol=self._tie_tol,
        )

    # -- dunder --------------------------------------------------------------

    def __eq__(self, other):
        if not isinstance(other, PreferenceMatrix):
            return NotImplemented
        return (
            self._labels == other._labels
            and self._tie_tol == other._tie_tol
            and np.array_equal(self._P, other._P)
        )

    def __hash__(self):
        return hash((self._P.tobytes(), self._labels, self._tie_tol))

    def __reduce__(self):
        # rebuild through the constructor so the copy is validated and read-only
        return _rebuild, (np.array(self._P), self._labels, self._tie_tol)

    def __repr__(self) -> str:
        body = np.array2string(self._P, precision=4, separator=", ",
                               prefix="PreferenceMatrix(")
        extra = ""
        if self._labels != tuple(str(i) for i in range(self.K)):
            extra += f", labels={self._labels!r}"
        if self._tie_tol != TIE_TOL:
            extra += f", tie_tol={self._tie_tol!r}"
        return f"PreferenceMatrix({body}{extra})"


def _rebuild(matrix, labels, tie_tol) -> PreferenceMatrix:
    return PreferenceMatrix(matrix, labels, tie_tol=tie_tol)


# ----------------------------------------------------------------------------
# constructors
# ----------------------------------------------------------------------------


def cyclic(K: int = 3, margin: float = 0.2, labels=None) -> PreferenceMatrix:
    """A rotational (cyclic) tournament with all margins equal to ``margin``.

    Parameters
    ----------
    K : int >= 3, optional
        Number of responses.
    margin : float in (0, 1/2], optional
        Every decided pair has ``P_ij = 1/2 + margin`` for the winner.
    labels : sequence of str, optional
        Response names.

    Returns
    -------
    PreferenceMatrix
        A tournament (no ties) containing the cycle ``0 > 1 > ... > K-1 > 0``.

    Raises
    ------
    InvalidParameter
        If ``K`` is not an integer >= 3 or ``margin`` is outside (0, 1/2].

    Notes
    -----
    Response ``i`` beats ``i + d (mod K)`` for ``d = 1 .. floor((K - 1) / 2)``.
    For odd ``K`` this is the regular tournament: every response wins and loses
    ``(K - 1) / 2`` times, nobody is a Condorcet winner, the Smith set is
    everything and ``S`` is circulant (for ``K = 3``, rock-paper-scissors, its
    eigenvalues are ``0`` and ``+- i margin sqrt(3)``). For even ``K`` each
    diametrically opposite pair ``(i, i + K/2)`` with ``i < K/2`` is won by
    ``i``, which gives a near-regular tournament (``K/2`` wins for the first
    half, ``K/2 - 1`` for the second). For ``K = 4`` it is the tournament
    ``0 > 1 > 2 > 3 > 0`` plus ``0 > 2`` and ``1 > 3``.

    Examples
    --------
    >>> from dynsys_align.preferences import cyclic
    >>> cyclic(3, 0.2).matrix
    array([[0.5, 0.7, 0.3],
           [0.3, 0.5, 0.7],
           [0.7, 0.3, 0.5]])
    >>> cyclic(4, 0.2).copeland_scores()
    array([ 1,  1, -1, -1])
    """
    K = _check_count(K, "K", minimum=3)
    margin = _check_margin(margin)
    P = np.full((K, K), 0.5)
    for i in range(K):
        for d in range(1, (K - 1) // 2 + 1):
            j = (i + d) % K
            P[i, j] = 0.5 + margin
            P[j, i] = 0.5 - margin
    if K % 2 == 0:
        for i in range(K // 2):
            P[i, i + K // 2] = 0.5 + margin
            P[i + K // 2, i] = 0.5 - margin
    return PreferenceMatrix(P, labels)


def transitive(K: int = 3, margin: float = 0.2, labels=None) -> PreferenceMatrix:
    """A strictly SST matrix that ranks the responses in index order, 0 first.

    ``P_ij = 1/2 + margin (j - i) / (K - 1)``: the gap between two responses
    grows linearly with their distance in the ranking, and ``margin`` is the
    gap between the first and the last.

    Parameters
    ----------
    K : int >= 2, optional
        Number of responses.
    margin : float in (0, 1/2], optional
        ``P_{0, K-1} - 1/2``.
    labels : sequence of str, optional
        Response names.

    Returns
    -------
    PreferenceMatrix
        A strictly strongly transitive tournament with Condorcet winner 0.

    Raises
    ------
    InvalidParameter
        If ``K`` is not an integer >= 2 or ``margin`` is outside (0, 1/2].

    Notes
    -----
    For ``K >= 3`` the matrix is not Bradley-Terry (``logit`` is not additive
    along the ranking), so it separates "SST" from "BT". Use
    :func:`bradley_terry` for a BT matrix.

    Examples
    --------
    >>> from dynsys_align.preferences import transitive
    >>> transitive(3, 0.2).matrix
    array([[0.5, 0.6, 0.7],
           [0.4, 0.5, 0.6],
           [0.3, 0.4, 0.5]])
    """
    K = _check_count(K, "K", minimum=2)
    margin = _check_margin(margin)
    r = np.arange(K, dtype=float)
    P = 0.5 + margin * (r[None, :] - r[:, None]) / (K - 1)
    return PreferenceMatrix(P, labels)


def bradley_terry(scores, labels=None) -> PreferenceMatrix:
    """The Bradley-Terry matrix ``P_ij = sigmoid(s_i - s_j)``.

    Parameters
    ----------
    scores : array_like, shape (K,)
        Finite scores, K >= 2.
    labels : sequence of str, optional
        Response names.

    Returns
    -------
    PreferenceMatrix

    Raises
    ------
    InvalidParameter
        If ``scores`` is not a finite vector of length >= 2.

    Notes
    -----
    Score differences beyond about 37 give entries that round to exactly 0 or
    1 in float64; such a matrix is no longer BT with finite scores.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.preferences import bradley_terry
    >>> P = bradley_terry([np.log(3.0), 0.0])
    >>> P.matrix
    array([[0.5 , 0.75],
           [0.25, 0.5 ]])
    """
    s = _score_vector(scores, "scores")
    return PreferenceMatrix(expit(s[:, None] - s[None, :]), labels)


def _score_vector(scores, name: str) -> np.ndarray:
    try:
        s = np.array(scores, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(f"{name} must be numeric, got {scores!r}") from exc
    if s.ndim != 1 or s.size < 2:
        raise InvalidParameter(
            f"{name} must be a vector with at least 2 entries, got shape {s.shape}"
        )
    if not np.all(np.isfinite(s)):
        raise InvalidParameter(f"{name} must be finite, got {s!r}")
    return s


def from_tournament(G, margin: float = 0.2) -> PreferenceMatrix:
    """A preference matrix from a directed graph whose edges are wins.

    Parameters
    ----------
    G : networkx.DiGraph
        An edge ``u -> v`` means ``u`` beats ``v``. An edge may carry a
        ``"margin"`` attribute in (0, 1/2] overriding ``margin``. Pairs with no
        edge become ties (``P = 1/2``).
    margin : float in (0, 1/2], optional
        ``P_uv - 1/2`` for edges without their own margin.

    Returns
    -------
    PreferenceMatrix
        If the nodes are exactly the integers ``0 .. K-1``, node ``i`` is row
        ``i`` and the labels come from the nodes' ``"label"`` attributes when
        every node has one (so ``from_tournament(P.graph)`` rebuilds ``P`` up to
        rounding of the margins). Otherwise rows follow ``G.nodes`` order and
        labels are ``str(node)``.

    Raises
    ------
    InvalidParameter
        If ``G`` is not a networkx DiGraph (multigraphs and undirected graphs
        are refused), has fewer than 2 nodes, a self-loop, both ``u -> v`` and
        ``v -> u``, or a margin outside (0, 1/2].

    Examples
    --------
    >>> import networkx as nx
    >>> from dynsys_align.preferences import from_tournament
    >>> P = from_tournament(nx.DiGraph([("a", "b"), ("b", "c")]), margin=0.3)
    >>> P.labels, P.matrix[0, 2]
    (('a', 'b', 'c'), np.float64(0.5))
    """
    if not isinstance(G, nx.DiGraph) or G.is_multigraph():
        raise InvalidParameter(
            f"G must be a networkx DiGraph (not a multigraph), got {type(G).__name__}"
        )
    margin = _check_margin(margin)
    nodes = list(G.nodes)
    K = len(nodes)
    if K < 2:
        raise InvalidParameter(f"G must have at least 2 nodes, got {K}")
    integer_nodes = all(
        isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)
        for v in nodes
    ) and sorted(int(v) for v in nodes) == list(range(K))
    if integer_nodes:
        nodes = list(range(K))
        attr = [G.nodes[v].get("label") for v in nodes]
        labels = attr if all(a is not None for a in attr) else None
    else:
        labels = [str(v) for v in nodes]
    index = {v: i for i, v in enumerate(nodes)}
    P = np.full((K, K), 0.5)
    for u, v, data in G.edges(data=True):
        if u == v:
            raise InvalidParameter(f"G must have no self-loops, found {u!r} -> {v!r}")
        if G.has_edge(v, u):
            raise InvalidParameter(
                f"G must not contain both {u!r} -> {v!r} and {v!r} -> {u!r}"
            )
        m = _check_margin(data["margin"], f"margin of edge {u!r} -> {v!r}") if (
            "margin" in data) else margin
        P[index[u], index[v]] = 0.5 + m
        P[index[v], index[u]] = 0.5 - m
    return PreferenceMatrix(P, labels)


def from_attribute_scores(scores, rng, temperature: float = 1.0,
                          labels=None) -> PreferenceMatrix:
    """A preference matrix from per-attribute scores, one random attribute per pair.

    For each pair ``i < j`` (in the order ``(0, 1), (0, 2), ..., (K-2, K-1)``)
    one attribute ``a`` is drawn uniformly at random and
    ``P_ij = sigmoid((scores[i, a] - scores[j, a]) / temperature)``,
    ``P_ji = 1 - P_ij``. This is the construction the paper "How Sampling Shapes
    LLM Alignment" (arXiv 2602.12180) applied to HelpSteer ratings.

    Parameters
    ----------
    scores : array_like, shape (K, n_attr)
        Finite scores of K >= 2 responses on n_attr >= 1 attributes.
    rng : numpy.random.Generator or int
        Source of the attribute draws (a seed is turned into a Generator).
        Exactly ``K (K - 1) / 2`` integers are drawn from it.
    temperature : float > 0, optional
        Divides the score differences.
    labels : sequence of str, optional
        Response names.

    Returns
    -------
    PreferenceMatrix

    Raises
    ------
    InvalidParameter
        If ``scores`` is not a finite (K, n_attr) array with K >= 2, n_attr >= 1,
        ``rng`` is neither a Generator nor a seed, or ``temperature <= 0``.

    Notes
    -----
    The random attribute choice is what makes the matrix non-BT and sometimes
    cyclic. Equal scores on the drawn attribute give an exact tie; with
    coarse integer ratings ties are frequent. With a single attribute the
    result is the BT matrix of ``scores[:, 0] / temperature``.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.preferences import from_attribute_scores
    >>> scores = np.array([[4, 1], [2, 3], [0, 4]])
    >>> P = from_attribute_scores(scores, rng=np.random.default_rng(0))
    >>> P.K, P.is_tournament
    (3, True)

    With one attribute there is nothing to draw and the result is BT:

    >>> from_attribute_scores([[1.0], [0.0]], rng=0).matrix.round(4)
    array([[0.5   , 0.7311],
           [0.2689, 0.5   ]])
    """
    try:
        X = np.array(scores, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(f"scores must be numeric, got {scores!r}") from exc
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise InvalidParameter(
            "scores must have shape (K, n_attr) with K >= 2 and n_attr >= 1, "
            f"got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise InvalidParameter(
            f"scores must be finite, scores[{bad[0]}, {bad[1]}] = {X[tuple(bad)]}"
        )
    gen = _as_generator(rng)
    temperature = check_positive(temperature, "temperature")

    K, n_attr = X.shape
    iu, ju = np.triu_indices(K, k=1)
    attr = gen.integers(n_attr, size=iu.size)
    P = np.full((K, K), 0.5)
    P[iu, ju] = expit((X[iu, attr] - X[ju, attr]) / temperature)
    P[ju, iu] = 1.0 - P[iu, ju]
    return PreferenceMatrix(P, labels)


def random(K: int, rng, labels=None) -> PreferenceMatrix:
    """A random preference matrix with independent uniform entries.

    Each ``P_ij`` with ``i < j`` is drawn uniformly from [0, 1] (in row-major
    order of the upper triangle) and ``P_ji = 1 - P_ij``.

    Parameters
    ----------
    K : int >= 2
        Number of responses.
    rng : numpy.random.Generator or int
        Source of randomness (a seed is turned into a Generator).
    labels : sequence of str, optional
        Response names.

    Returns
    -------
    PreferenceMatrix
        With probability one a tournament (no ties); for K >= 3 it is cyclic
        with positive probability (1/4 for K = 3).

    Raises
    ------
    InvalidParameter
        If ``K`` is not an integer >= 2 or ``rng`` is neither a Generator nor a
        seed.

    Examples
    --------
    >>> from dynsys_align.preferences import random
    >>> P = random(5, rng=1)
    >>> P.K, P.is_tournament
    (5, True)
    """
    K = _check_count(K, "K", minimum=2)
    gen = _as_generator(rng)
    iu, ju = np.triu_indices(K, k=1)
    P = np.full((K, K), 0.5)
    P[iu, ju] = gen.random(iu.size)
    P[ju, iu] = 1.0 - P[iu, ju]
    return PreferenceMatrix(P, labels)


def _smith4() -> PreferenceMatrix:
    # a 3-cycle on 0, 1, 2 that beats response 3: Smith set {0, 1, 2}
    G = nx.DiGraph([(0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)])
    return from_tournament(G, 0.2)


def _condorcet4() -> PreferenceMatrix:
    # response 0 beats everyone, the others form a 3-cycle
    G = nx.DiGraph([(0, 1), (0, 2), (0, 3), (1, 2), (2, 3), (3, 1)])
    return from_tournament(G, 0.2)


_BUILTINS = {
    "cyclic3": (lambda: cyclic(3, 0.2),
                "rock-paper-scissors, margin 0.2"),
    "cyclic4": (lambda: cyclic(4, 0.2),
                "0>1>2>3>0 plus 0>2 and 1>3, margin 0.2"),
    "cyclic5": (lambda: cyclic(5, 0.2),
                "regular rotational tournament on 5 responses, margin 0.2"),
    "transitive3": (lambda: transitive(3, 0.2),
                    "strictly SST ranking 0>1>2, P_02 = 0.7"),
    "transitive4": (lambda: transitive(4, 0.3),
                    "strictly SST ranking 0>1>2>3, P_03 = 0.8"),
    "bt4": (lambda: bradley_terry([1.5, 0.5, -0.5, -1.5]),
            "Bradley-Terry with scores 1.5, 0.5, -0.5, -1.5"),
    "condorcet4": (_condorcet4,
                   "0 beats all (margin 0.2), 1>2>3>1 cycle below it"),
    "smith4": (_smith4,
               "0>1>2>0 cycle beating response 3 (margin 0.2); Smith set {0, 1, 2}"),
}

#: Names accepted by :func:`from_name`.
BUILTIN_NAMES = tuple(_BUILTINS)


def from_name(name: str) -> PreferenceMatrix:
    """A built-in preference matrix by name (used by the command line).

    Parameters
    ----------
    name : str
        One of :data:`BUILTIN_NAMES`:

        - ``"cyclic3"``: rock-paper-scissors, ``cyclic(3, 0.2)``;
        - ``"cyclic4"``: ``0>1>2>3>0`` plus ``0>2`` and ``1>3``, ``cyclic(4, 0.2)``;
        - ``"cyclic5"``: ``cyclic(5, 0.2)``;
        - ``"transitive3"``: ``transitive(3, 0.2)``;
        - ``"transitive4"``: ``transitive(4, 0.3)``;
        - ``"bt4"``: ``bradley_terry([1.5, 0.5, -0.5, -1.5])``;
        - ``"condorcet4"``: response 0 beats all, ``1>2>3>1`` (margins 0.2);
        - ``"smith4"``: ``0>1>2>0`` and all three beat 3 (margins 0.2).

    Returns
    -------
    PreferenceMatrix

    Raises
    ------
    InvalidParameter
        If ``name`` is not a built-in name.

    Examples
    --------
    >>> from dynsys_align.preferences import from_name
    >>> sorted(from_name("smith4").smith_set)
    [0, 1, 2]
    """
    if not isinstance(name, str) or name not in _BUILTINS:
        raise InvalidParameter(
            f"unknown preference matrix name {name!r}; built-in names are "
            f"{', '.join(BUILTIN_NAMES)}"
        )
    return _BUILTINS[name][0]()


def load_matrix(path, *, atol: float = PREFERENCE_ATOL) -> PreferenceMatrix:
    """Read a preference matrix from a ``.npy`` or ``.csv`` file.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.npy``: a float (K, K) array saved with :func:`numpy.save` (pickles are
        refused). ``.csv``: K rows of K comma-separated numbers, optionally
        preceded by a header row of K response labels (any row whose first cell
        is not a number is taken as the header).
    atol : float, optional
        Tolerance of ``P + P^T = 1`` (see :class:`PreferenceMatrix`).

    Returns
    -------
    PreferenceMatrix

    Raises
    ------
    DataFormatError
        If the file is missing, has another suffix, is not a numeric square
        table, or is not a valid preference matrix. The message names the file
        and, for CSV cells, the line and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dynsys_align.preferences import load_matrix
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = pathlib.Path(d) / "P.csv"
    ...     _ = f.write_text("a,b\\n0.5,0.9\\n0.1,0.5\\n")
    ...     P = load_matrix(f)
    >>> P.labels, P.condorcet_winner
    (('a', 'b'), 0)
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    suffix = path.suffix.lower()
    labels = None
    if suffix == ".npy":
        try:
            A = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise DataFormatError(f"{path}: not a readable .npy array ({exc})") from exc
        if not np.issubdtype(A.dtype, np.number) or np.issubdtype(A.dtype,
                                                                  np.complexfloating):
            raise DataFormatError(f"{path}: array must be real numeric, got {A.dtype}")
    elif suffix == ".csv":
        A, labels = _read_matrix_csv(path)
    else:
        raise DataFormatError(
            f"{path}: unsupported file type {suffix!r}; use .npy or .csv"
        )
    try:
        return PreferenceMatrix(A, labels, atol=atol)
    except (InvalidPreferenceMatrix, InvalidParameter) as exc:
        raise DataFormatError(f"{path}: {exc}") from exc


def _read_matrix_csv(path: Path):
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path}: cannot read CSV ({exc})") from exc
    if not rows:
        raise DataFormatError(f"{path}: file is empty")
    labels = None
    first = 1
    try:
        float(rows[0][0])
    except ValueError:
        labels = [c.strip() for c in rows[0]]
        rows = rows[1:]
        first = 2
    K = len(rows)
    values = np.empty((K, K)) if K else np.empty((0, 0))
    for r, row in enumerate(rows):
        line = r + first
        if len(row) != K:
            raise DataFormatError(
                f"{path}, line {line}: expected {K} columns for a {K} x {K} matrix, "
                f"got {len(row)}"
            )
        for c, cell in enumerate(row):
            try:
                values[r, c] = float(cell)
            except ValueError:
                raise DataFormatError(
                    f"{path}, line {line}, column {c + 1}: not a number: {cell!r}"
                ) from None
    if labels is not None and len(labels) != K:
        raise DataFormatError(
            f"{path}, line 1: header has {len(labels)} labels for {K} rows"
        )
    return values, labels
