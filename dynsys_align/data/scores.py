"""Attribute score tables and the random-attribute preference matrices built from them.

The paper "How Sampling Shapes LLM Alignment" (arXiv 2602.12180) builds its
preference matrices from HelpSteer ratings: for K = 4 responses to one prompt
and each pair of responses, one of the rated attributes is drawn at random and
``P_ij = sigmoid(score_i - score_j)`` on that attribute. The random choice makes
the matrices non-Bradley-Terry and sometimes cyclic; the authors then kept the
cyclic and the strongly transitive ones. This module applies the same
construction to the score tables available here:

* :func:`read_prometheus_scores`: GPT-4 absolute 1-5 grades of 4 responses per
  prompt, three sampled grades each (the three samples play the attributes);
* :func:`read_hanna_scores`: mean human ratings of 11 story generators on 96
  prompts and six criteria (relevance, coherence, empathy, surprise, engagement,
  complexity).

Both give a :class:`ScoreTable`; :func:`attribute_matrices` draws K-response
matrices from it with a seed and filters them by kind.

This module may import numpy, pandas, :mod:`dynsys_align.preferences`,
:mod:`dynsys_align._validation` and :mod:`dynsys_align.exceptions`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import check_positive
from ..exceptions import InvalidParameter
from ..preferences import (
    PreferenceMatrix,
    _as_generator,
    _check_count,
    from_attribute_scores,
)
from ._tables import fail, integer_column, read_text_table, text_column

__all__ = [
    "HANNA_CRITERIA",
    "MATRIX_KINDS",
    "ScoreTable",
    "attribute_matrices",
    "matrix_kind",
    "read_hanna_scores",
    "read_prometheus_scores",
]

logger = logging.getLogger(__name__)

#: The six human-rated criteria of the HANNA benchmark (each on a 1-5 scale).
HANNA_CRITERIA = (
    "Relevance", "Coherence", "Empathy", "Surprise", "Engagement", "Complexity",
)

#: Filters accepted by :func:`attribute_matrices` (see :func:`matrix_kind`).
MATRIX_KINDS = ("all", "cyclic", "sst", "strictly_sst")


@dataclass(frozen=True)
class ScoreTable:
    """Scores of the same responses to many items on several attributes.

    Attributes
    ----------
    items : tuple
        Item (prompt) identifiers, one per first index of :attr:`scores`.
    responses : tuple of str
        Response (model or system) names, one per second index.
    attributes : tuple of str
        Attribute names, one per third index.
    scores : ndarray, shape (n_items, n_responses, n_attributes)
        Finite scores (read-only).
    source : str
        Where the table was read from.
    """

    items: tuple
    responses: tuple
    attributes: tuple
    scores: np.ndarray
    source: str = ""

    def __post_init__(self):
        s = np.array(self.scores, dtype=float)
        shape = (len(self.items), len(self.responses), len(self.attributes))
        if s.shape != shape:
            raise InvalidParameter(
                f"scores must have shape (items, responses, attributes) = {shape}, "
                f"got {s.shape}"
            )
        if not np.all(np.isfinite(s)):
            raise InvalidParameter("scores must be finite")
        s.flags.writeable = False
        object.__setattr__(self, "scores", s)

    @property
    def n_items(self) -> int:
        """Number of items (prompts)."""
        return len(self.items)


def read_prometheus_scores(path) -> ScoreTable:
    """Read a table of GPT-4 absolute grades of several responses per prompt.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with columns ``idx`` (prompt id, integer), ``response_source``
        (response name) and one or more ``gpt4_score_<k>`` columns (integer
        grades 1-5); other columns are ignored.

    Returns
    -------
    ScoreTable
        Items sorted by ``idx``, responses sorted by name, one attribute per
        ``gpt4_score_<k>`` column (in file order).

    Raises
    ------
    DataFormatError
        If the file is missing or unreadable, a column is missing, a cell is not
        an integer, a grade is outside 1-5, a (prompt, response) pair repeats,
        or a prompt lacks one of the responses. The message names the file and,
        for cell errors, the line and column.

    Notes
    -----
    The grades are separate samples of the same judge, not different
    attributes; drawing one per pair still mimics the random-attribute
    construction. Grades are coarse, so ties (``P_ij = 1/2``) are common.
    """
    path = Path(path)
    df = read_text_table(path, ("idx", "response_source"))
    cols = [c for c in df.columns if c.startswith("gpt4_score_")]
    if not cols:
        fail(path, None, None,
             f"no gpt4_score_<k> columns; found {list(df.columns)}")
    idx = integer_column(df, "idx", path)
    source = text_column(df, "response_source", path)
    grades = np.column_stack(
        [integer_column(df, c, path, low=1, high=5) for c in cols]
    ).astype(float)

    items = sorted(set(idx.tolist()))
    responses = sorted(set(source.tolist()))
    row_of = {q: a for a, q in enumerate(items)}
    col_of = {r: b for b, r in enumerate(responses)}
    scores = np.full((len(items), len(responses), len(cols)), np.nan)
    for r in range(len(df)):
        a, b = row_of[idx[r]], col_of[source[r]]
        if not np.isnan(scores[a, b, 0]):
            fail(path, r, "response_source",
                 f"response {source[r]!r} appears twice for idx {idx[r]}")
        scores[a, b] = grades[r]
    hole = np.isnan(scores[:, :, 0])
    if hole.any():
        a, b = np.argwhere(hole)[0]
        fail(path, None, None,
             f"idx {items[a]} has no row for response {responses[b]!r}; every "
             f"prompt needs all of {responses}")
    return ScoreTable(tuple(items), tuple(responses), tuple(cols), scores, str(path))


def read_hanna_scores(path, criteria=HANNA_CRITERIA) -> ScoreTable:
    """Read the HANNA per-system score table (mean human ratings per story).

    Parameters
    ----------
    path : str or pathlib.Path
        The benchmark's ``hanna_metric_scores_llm.csv``: one row per story
        generator (column ``Model``); each criterion cell holds a list, written
        as JSON, of one mean rating per prompt.
    criteria : sequence of str, optional
        Columns to use as attributes; the six human criteria by default.

    Returns
    -------
    ScoreTable
        Items are prompt positions ``0 .. n-1``, responses the systems (file
        order), attributes the criteria.

    Raises
    ------
    DataFormatError
        If the file is missing or unreadable, a column is missing, a cell is not
        a list of numbers, lists differ in length, a value is not finite or lies
        outside [1, 5], or a system name repeats. The message names the file,
        line and column.

    Notes
    -----
    The file does not store prompt ids; position ``j`` of every list is
    assumed to be the same prompt for every system, as the benchmark's
    description implies (this could not be checked against the raw ratings).
    Each value is a mean of three raters, so ties between systems are rarer
    than with integer grades but still occur.
    """
    path = Path(path)
    criteria = (criteria,) if isinstance(criteria, str) else tuple(criteria)
    if not criteria:
        raise InvalidParameter("criteria must name at least one column")
    df = read_text_table(path, ("Model",) + criteria)
    systems = text_column(df, "Model", path)
    seen = set()
    for r, name in enumerate(systems):
        if name in seen:
            fail(path, r, "Model", f"system {name!r} appears twice")
        seen.add(name)

    n_items = None
    scores = None
    for c, crit in enumerate(criteria):
        for r in range(len(df)):
            cell = df[crit].iloc[r]
            try:
                values = np.asarray(json.loads(cell), dtype=float)
            except (ValueError, TypeError):
                fail(path, r, crit, f"expected a list of numbers, got {cell[:40]!r}")
            if values.ndim != 1 or values.size == 0:
                fail(path, r, crit, "expected a non-empty list of numbers")
            if n_items is None:
                n_items = values.size
                scores = np.empty((n_items, len(df), len(criteria)))
            if values.size != n_items:
                fail(path, r, crit,
                     f"list has {values.size} values, expected {n_items}")
            bad = ~np.isfinite(values) | (values < 1.0) | (values > 5.0)
            if bad.any():
                k = int(np.argmax(bad))
                fail(path, r, crit, f"value {float(values[k])!r} at position {k} "
                     "is not a rating in [1, 5]")
            scores[:, r, c] = values
    return ScoreTable(tuple(range(n_items)), tuple(str(s) for s in systems),
                      criteria, scores, str(path))


def matrix_kind(P: PreferenceMatrix) -> str:
    """Classify a preference matrix for the paper's filters.

    Returns
    -------
    str
        ``"cyclic"`` if the tournament has a directed cycle; otherwise
        ``"strictly_sst"`` if strictly strongly transitive, ``"sst"`` if
        strongly (but not strictly) transitive, else ``"other"``.

    Examples
    --------
    >>> from dynsys_align.preferences import cyclic, transitive
    >>> from dynsys_align.data import matrix_kind
    >>> matrix_kind(cyclic(3, 0.1)), matrix_kind(transitive(4, 0.3))
    ('cyclic', 'strictly_sst')
    """
    if P.is_cyclic:
        return "cyclic"
    if P.is_strongly_transitive(strict=True):
        return "strictly_sst"
    if P.is_strongly_transitive():
        return "sst"
    return "other"


def _wanted(kind: str, found: str) -> bool:
    if kind == "all":
        return True
    if kind == "sst":
        return found in ("sst", "strictly_sst")
    return kind == found


def attribute_matrices(table: ScoreTable, rng, K: int = 4,
                       temperature: float = 1.0, draws_per_item: int = 1,
                       kind: str = "all"
                       ) -> Iterator[tuple[object, PreferenceMatrix]]:
    """Random-attribute preference matrices over K responses, item by item.

    For each item (in table order) and each of ``draws_per_item`` draws: if the
    table has more than ``K`` responses, ``K`` of them are chosen uniformly
    without replacement (kept in table order); then
    :func:`~dynsys_align.preferences.from_attribute_scores` draws one attribute
    per pair. Matrices not of the requested ``kind`` are skipped.

    Parameters
    ----------
    table : ScoreTable
        Scores to use.
    rng : numpy.random.Generator or int
        Source of all random choices (the same seed gives the same sequence).
    K : int, optional
        Responses per matrix, 2 <= K <= number of responses in the table.
    temperature : float > 0, optional
        Divides the score differences before the sigmoid.
    draws_per_item : int >= 1, optional
        Matrices drawn per item.
    kind : {"all", "cyclic", "sst", "strictly_sst"}, optional
        Keep every matrix, only cyclic ones, only strongly transitive ones
        (strict or not), or only strictly strongly transitive ones (see
        :func:`matrix_kind`).

    Yields
    ------
    item : object
        The item identifier from ``table.items``.
    P : PreferenceMatrix
        Labelled with the chosen response names.

    Raises
    ------
    InvalidParameter
        If ``table`` is not a ScoreTable, ``K`` or ``draws_per_item`` is out of
        range, ``temperature <= 0``, ``rng`` is not a Generator or seed, or
        ``kind`` is unknown (checked at the call, before any matrix is drawn).

    Notes
    -----
    The rng is consumed in a fixed order (subset choice, then the pair
    attributes, item by item), so filtering does not change which matrices
    are drawn. Grades that tie on the drawn attribute give ``P_ij = 1/2``;
    such matrices are never strictly SST.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.data import ScoreTable, attribute_matrices
    >>> table = ScoreTable(items=("q",), responses=("a", "b", "c"),
    ...                    attributes=("x", "y"),
    ...                    scores=np.array([[[3, 1], [2, 2], [1, 3]]]))
    >>> [(item, P.K) for item, P in attribute_matrices(table, rng=0, K=3)]
    [('q', 3)]
    """
    if not isinstance(table, ScoreTable):
        raise InvalidParameter(
            f"table must be a ScoreTable, got {type(table).__name__}"
        )
    n_resp = len(table.responses)
    K = _check_count(K, "K", minimum=2)
    if K > n_resp:
        raise InvalidParameter(
            f"K must be at most the number of responses ({n_resp}), got K = {K}"
        )
    draws_per_item = _check_count(draws_per_item, "draws_per_item", minimum=1)
    temperature = check_positive(temperature, "temperature")
    if kind not in MATRIX_KINDS:
        raise InvalidParameter(
            f"kind must be one of {MATRIX_KINDS}, got kind = {kind!r}"
        )
    gen = _as_generator(rng)
    return _draw(table, gen, K, temperature, draws_per_item, kind)


def _draw(table, gen, K, temperature, draws_per_item, kind):
    n_resp = len(table.responses)
    for a, item in enumerate(table.items):
        for _ in range(draws_per_item):
            if K < n_resp:
                chosen = np.sort(gen.choice(n_resp, size=K, replace=False))
            else:
                chosen = np.arange(n_resp)
            P = from_attribute_scores(
                table.scores[a][chosen], gen, temperature,
                labels=[table.responses[c] for c in chosen],
            )
            if _wanted(kind, matrix_kind(P)):
                yield item, P
