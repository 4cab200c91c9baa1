"""Real preference data turned into preference matrices.

Two kinds of data feed the package:

* pairwise vote tables (one judgment per row: question, two models, verdict),
  turned into win-fraction matrices per prompt or pooled
  (:mod:`dynsys_align.data.votes`);
* attribute score tables (several scores per response), turned into
  random-attribute matrices as in the paper's HelpSteer experiment
  (:mod:`dynsys_align.data.scores`).

The GPT-4 judgments of the Vicuna-80 benchmark from the QLoRA project ship with
the package (``vicuna80_gpt4_votes.csv``, MIT License, described in
``SOURCE.md`` in this folder), so examples run without any download.

This package may import numpy, pandas, :mod:`dynsys_align.preferences`,
:mod:`dynsys_align._validation` and :mod:`dynsys_align.exceptions`; nothing
higher (maps, analyses, sweeps) is imported here.
"""

from .scores import (
    HANNA_CRITERIA,
    MATRIX_KINDS,
    ScoreTable,
    attribute_matrices,
    matrix_kind,
    read_hanna_scores,
    read_prometheus_scores,
)
from .votes import (
    VICUNA80_GPT4_VOTES,
    VOTE_COLUMNS,
    VoteCounts,
    count_votes,
    read_votes,
    vicuna80_gpt4_votes,
    vote_matrices,
    vote_matrix,
)

__all__ = [
    "HANNA_CRITERIA",
    "MATRIX_KINDS",
    "VICUNA80_GPT4_VOTES",
    "VOTE_COLUMNS",
    "ScoreTable",
    "VoteCounts",
    "attribute_matrices",
    "count_votes",
    "matrix_kind",
    "read_hanna_scores",
    "read_prometheus_scores",
    "read_votes",
    "vicuna80_gpt4_votes",
    "vote_matrices",
    "vote_matrix",
]
