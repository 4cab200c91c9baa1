"""Pairwise vote tables and the preference matrices estimated from them.

A vote table has one row per judgment with the columns ``question_id``,
``model_1``, ``model_2`` and ``score`` (1: ``model_1`` preferred, 2: ``model_2``
preferred, 3: tie, -1: unparsable verdict, dropped on reading). Extra columns are
ignored. From such a table :func:`count_votes` builds win and tie counts for one
prompt or pooled over prompts, and :meth:`VoteCounts.preference_matrix` turns
them into a :class:`~dynsys_align.preferences.PreferenceMatrix` using win
fractions in which a tie counts one half, with optional additive smoothing.

The QLoRA GPT-4 judgments of the Vicuna-80 benchmark ship with the package
(:func:`vicuna80_gpt4_votes`); the QLoRA human judgments have the same layout and
are read with :func:`read_votes`.

This module may import numpy, pandas, :mod:`dynsys_align.preferences`,
:mod:`dynsys_align._validation` and :mod:`dynsys_align.exceptions`.
"""

from __future__ import annotations

import logging
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import check_positive
from ..exceptions import DataFormatError, InvalidParameter
from ..preferences import PreferenceMatrix
from ._tables import check_columns, fail, integer_column, read_text_table, text_column

__all__ = [
    "VICUNA80_GPT4_VOTES",
    "VOTE_COLUMNS",
    "VoteCounts",
    "count_votes",
    "read_votes",
    "vicuna80_gpt4_votes",
    "vote_matrices",
    "vote_matrix",
]

logger = logging.getLogger(__name__)

#: Columns every vote table must have.
VOTE_COLUMNS = ("question_id", "model_1", "model_2", "score")

#: Path of the shipped QLoRA GPT-4 vote table (see ``SOURCE.md`` next to it).
VICUNA80_GPT4_VOTES = Path(__file__).with_name("vicuna80_gpt4_votes.csv")

_SCORES = (-1, 1, 2, 3)


def _validate(df: pd.DataFrame, source) -> pd.DataFrame:
    df = check_columns(df.reset_index(drop=True), VOTE_COLUMNS, source)
    qid = integer_column(df, "question_id", source)
    m1 = text_column(df, "model_1", source)
    m2 = text_column(df, "model_2", source)
    score = integer_column(df, "score", source, allowed=_SCORES)
    same = m1 == m2
    if same.any():
        r = int(np.argmax(same))
        fail(source, r, "model_2",
             f"a model cannot be compared with itself ({m1[r]!r})")
    out = pd.DataFrame({
        "question_id": qid,
        "model_1": m1.astype(str),
        "model_2": m2.astype(str),
        "score": score,
    })
    unparsed = out["score"] == -1
    if unparsed.any():
        logger.info("%s: dropped %d unparsable votes (score -1)", source,
                    int(unparsed.sum()))
        out = out[~unparsed].reset_index(drop=True)
    out.attrs["source"] = str(source)
    return out


def read_votes(path) -> pd.DataFrame:
    """Read and validate a pairwise vote table from a CSV file.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file with the columns of :data:`VOTE_COLUMNS` (others are ignored).

    Returns
    -------
    pandas.DataFrame
        Columns ``question_id`` (int64), ``model_1``, ``model_2`` (str) and
        ``score`` (int64, one of 1, 2, 3); rows with score -1 are dropped (their
        number is logged at INFO level).

    Raises
    ------
    DataFormatError
        If the file is missing or unreadable, a column is missing, or a cell is
        malformed: a non-integer ``question_id`` or ``score``, a score outside
        {-1, 1, 2, 3}, an empty model name, or a model compared with itself.
        The message names the file, the line and the column.

    Examples
    --------
    >>> from dynsys_align.data import VICUNA80_GPT4_VOTES, read_votes
    >>> votes = read_votes(VICUNA80_GPT4_VOTES)
    >>> sorted(votes["score"].unique().tolist())
    [1, 2, 3]
    """
    path = Path(path)
    return _validate(read_text_table(path, VOTE_COLUMNS), path)


def vicuna80_gpt4_votes() -> pd.DataFrame:
    """The shipped GPT-4 judgments of 8 chat models on the 80 Vicuna questions.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`read_votes`: 80 questions x 28 model pairs x 2
        presentation orders, minus 13 unparsable verdicts (4,467 votes).

    Notes
    -----
    Source: the evaluation data of the QLoRA project (arXiv 2305.14314), MIT
    License; see ``SOURCE.md`` in this folder. Position bias of the judge is not
    corrected: each pair was judged in both orders and both votes are counted.

    Examples
    --------
    >>> from dynsys_align.data import vicuna80_gpt4_votes
    >>> votes = vicuna80_gpt4_votes()
    >>> len(votes), votes["question_id"].nunique()
    (4467, 80)
    """
    return read_votes(VICUNA80_GPT4_VOTES)


def _as_votes(votes) -> pd.DataFrame:
    if isinstance(votes, (str, Path)):
        return read_votes(votes)
    if isinstance(votes, pd.DataFrame):
        return _validate(votes.astype(str), "votes table")
    raise InvalidParameter(
        f"votes must be a path or a pandas DataFrame, got {type(votes).__name__}"
    )


@dataclass(frozen=True)
class VoteCounts:
    """Win and tie counts among a list of models.

    Attributes
    ----------
    models : tuple of str
        Model names, in the order of the rows.
    wins : ndarray of int, shape (K, K)
        ``wins[i, j]`` = number of votes preferring model ``i`` to model ``j``.
    ties : ndarray of int, shape (K, K)
        ``ties[i, j] = ties[j, i]`` = number of tied votes between ``i`` and ``j``.
    """

    models: tuple
    wins: np.ndarray
    ties: np.ndarray

    def __post_init__(self):
        for a in (self.wins, self.ties):
            a.flags.writeable = False

    @property
    def comparisons(self) -> np.ndarray:
        """``n[i, j]``: number of votes comparing ``i`` and ``j`` (symmetric)."""
        return self.wins + self.wins.T + self.ties

    def win_rates(self) -> np.ndarray:
        """Vote-weighted win rate of each model, a tie counting one half.

        ``(sum_j wins[i, j] + ties[i, j] / 2) / sum_j n[i, j]``; NaN-free: a
        model without any vote raises.

        Returns
        -------
        ndarray, shape (K,)

        Raises
        ------
        DataFormatError
            If some model has no votes at all.
        """
        n = self.comparisons.sum(axis=1)
        if np.any(n == 0):
            i = int(np.argmax(n == 0))
            raise DataFormatError(f"model {self.models[i]!r} has no votes")
        return (self.wins.sum(axis=1) + 0.5 * self.ties.sum(axis=1)) / n

    def preference_matrix(self, smoothing: float = 0.0,
                          missing: str = "tie") -> PreferenceMatrix:
        """Estimate ``P`` from the counts.

        ``P_ij = (wins[i, j] + ties[i, j] / 2 + smoothing)
        / (n[i, j] + 2 smoothing)``.

        Parameters
        ----------
        smoothing : float >= 0, optional
            Pseudo-votes added to each side of every pair (a symmetric
            Beta(smoothing, smoothing) prior: 0.5 is Jeffreys', 1 is Laplace's
            rule). It keeps unanimous pairs away from 0 and 1 and makes pairs
            never compared exact ties.
        missing : {"tie", "raise"}, optional
            What to do with a pair that no vote compares when ``smoothing`` is
            0: ``"tie"`` sets ``P_ij = 1/2``, ``"raise"`` raises.

        Returns
        -------
        PreferenceMatrix
            Labelled with :attr:`models`.

        Raises
        ------
        InvalidParameter
            If ``smoothing`` is negative or not finite, or ``missing`` is not
            one of the two options.
        DataFormatError
            If ``missing="raise"`` and a pair has no votes (and no smoothing).

        Notes
        -----
        Without smoothing a pair decided unanimously gives ``P_ij`` = 0 or 1:
        such a matrix is not Bradley-Terry with finite scores and the DPO
        optimum does not exist. Few votes per pair (one prompt, 2-3 judges)
        give coarse, noisy matrices with many exact ties.
        """
        s = check_positive(smoothing, "smoothing", allow_zero=True)
        if missing not in ("tie", "raise"):
            raise InvalidParameter(
                f"missing must be 'tie' or 'raise', got missing = {missing!r}"
            )
        n = self.comparisons.astype(float)
        num = self.wins + 0.5 * self.ties + s
        den = n + 2.0 * s
        empty = den == 0
        np.fill_diagonal(empty, False)
        if missing == "raise" and empty.any():
            i, j = np.argwhere(empty)[0]
            raise DataFormatError(
                f"no votes compare {self.models[i]!r} and {self.models[j]!r}; "
                "use smoothing > 0 or missing='tie'"
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            P = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)
        np.fill_diagonal(P, 0.5)
        return PreferenceMatrix(P, self.models)


def _question_filter(df: pd.DataFrame, questions):
    if questions is None:
        return df
    if isinstance(questions, (numbers.Integral, np.integer)):
        questions = [questions]
    try:
        wanted = [int(q) for q in questions]
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            f"questions must be an integer id or a sequence of ids, got {questions!r}"
        ) from exc
    present = set(df["question_id"].tolist())
    absent = [q for q in wanted if q not in present]
    if absent:
        raise InvalidParameter(f"question id(s) {absent} do not occur in the votes")
    return df[df["question_id"].isin(wanted)]


def _model_list(df: pd.DataFrame, models) -> tuple[str, ...]:
    known = sorted(set(df["model_1"]) | set(df["model_2"]))
    if models is None:
        return tuple(known)
    if isinstance(models, str):
        raise InvalidParameter(f"models must be a sequence of names, got {models!r}")
    models = tuple(str(m) for m in models)
    unknown = [m for m in models if m not in known]
    if unknown:
        raise InvalidParameter(
            f"model(s) {unknown} do not occur in the votes; known models: {known}"
        )
    if len(set(models)) != len(models) or len(models) < 2:
        raise InvalidParameter(
            f"models must list at least two distinct names, got {list(models)}"
        )
    return models


def _count(df: pd.DataFrame, models: tuple[str, ...]) -> VoteCounts:
    K = len(models)
    index = {m: i for i, m in enumerate(models)}
    i = df["model_1"].map(index)
    j = df["model_2"].map(index)
    keep = i.notna().to_numpy() & j.notna().to_numpy()
    i = i.to_numpy()[keep].astype(np.int64)
    j = j.to_numpy()[keep].astype(np.int64)
    score = df["score"].to_numpy()[keep]
    wins = np.zeros((K, K), dtype=np.int64)
    ties = np.zeros((K, K), dtype=np.int64)
    np.add.at(wins, (i[score == 1], j[score == 1]), 1)
    np.add.at(wins, (j[score == 2], i[score == 2]), 1)
    np.add.at(ties, (i[score == 3], j[score == 3]), 1)
    ties = ties + ties.T
    return VoteCounts(models, wins, ties)


def count_votes(votes, models=None, questions=None) -> VoteCounts:
    """Count wins and ties among ``models`` on the chosen questions.

    Parameters
    ----------
    votes : pandas.DataFrame or path
        A table as returned by :func:`read_votes`, or a path to read.
    models : sequence of str, optional
        Models to keep, in the wanted row order; votes involving other models
        are ignored. Default: every model in the table, sorted by name.
    questions : int or sequence of int, optional
        Question ids to pool; default all.

    Returns
    -------
    VoteCounts

    Raises
    ------
    InvalidParameter
        If a requested model or question does not occur in the table, or the
        model list has repeats or fewer than two names.
    DataFormatError
        If the table is malformed (see :func:`read_votes`).

    Examples
    --------
    >>> from dynsys_align.data import count_votes, vicuna80_gpt4_votes
    >>> c = count_votes(vicuna80_gpt4_votes(), models=["gpt4", "bard"], questions=1)
    >>> int(c.comparisons[0, 1])
    2
    """
    df = _as_votes(votes)
    models = _model_list(df, models)
    return _count(_question_filter(df, questions), models)


def vote_matrix(votes, models=None, questions=None, smoothing: float = 0.0,
                missing: str = "tie") -> PreferenceMatrix:
    """Preference matrix of win fractions (ties count 1/2), pooled or per prompt.

    ``count_votes(votes, models, questions).preference_matrix(smoothing, missing)``;
    see :func:`count_votes` and :meth:`VoteCounts.preference_matrix`.

    Returns
    -------
    PreferenceMatrix
        Labelled with the model names.

    Examples
    --------
    >>> from dynsys_align.data import vicuna80_gpt4_votes, vote_matrix
    >>> P = vote_matrix(vicuna80_gpt4_votes(), smoothing=0.5)
    >>> P.K, P.labels[P.condorcet_winner]
    (8, 'gpt4')
    """
    return count_votes(votes, models, questions).preference_matrix(smoothing, missing)


def vote_matrices(votes, models=None, smoothing: float = 0.0,
                  missing: str = "tie") -> dict[int, PreferenceMatrix]:
    """One preference matrix per question.

    Parameters
    ----------
    votes, models :
        As in :func:`count_votes`; the model list is fixed across questions.
    smoothing, missing :
        As in :meth:`VoteCounts.preference_matrix`.

    Returns
    -------
    dict of int to PreferenceMatrix
        Keyed by question id, in increasing order.

    Notes
    -----
    A single prompt has few votes per pair (2 for the shipped GPT-4 table, 3
    for the human one), so per-prompt matrices take few distinct values and
    contain many exact ties and, without smoothing, many 0/1 entries.

    Examples
    --------
    >>> from dynsys_align.data import vicuna80_gpt4_votes, vote_matrices
    >>> per_prompt = vote_matrices(vicuna80_gpt4_votes(), smoothing=1.0)
    >>> len(per_prompt), per_prompt[1].K
    (80, 8)
    """
    df = _as_votes(votes)
    models = _model_list(df, models)
    return {
        int(q): _count(group, models).preference_matrix(smoothing, missing)
        for q, group in df.groupby("question_id", sort=True)
    }
