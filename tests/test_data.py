"""Tests of dynsys_align.data: vote tables, score tables, random-attribute matrices.

Tests of the shipped vote table always run. Tests of the other data sets read
them from the shared data folder next to the repository and skip when it is
absent. Expected sizes and summary values come from the data sets' own
descriptions (their SOURCE notes), not from this code.
"""

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit

from dynsys_align.data import (
    VICUNA80_GPT4_VOTES,
    ScoreTable,
    attribute_matrices,
    count_votes,
    matrix_kind,
    read_hanna_scores,
    read_prometheus_scores,
    read_votes,
    vicuna80_gpt4_votes,
    vote_matrices,
    vote_matrix,
)
from dynsys_align.exceptions import DataFormatError, InvalidParameter
from dynsys_align.preferences import PreferenceMatrix

SHARED = Path(__file__).parents[1].parent / "shared" / "data"
HUMAN_VOTES = SHARED / "qlora_vicuna80_human" / "human_votes.csv"
PROMETHEUS = SHARED / "prometheus_gpt4_absolute"
HANNA = SHARED / "hanna" / "hanna_metric_scores_llm.csv"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="shared data folder not present"
)

GPT4_MODELS = ("bard", "gpt35", "gpt4", "guanaco-13b", "guanaco-33b",
               "guanaco-65b", "guanaco-7b", "vicuna-13b")


def _write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return f


# ---------------------------------------------------------------------------
# shipped GPT-4 votes (never skipped)
# ---------------------------------------------------------------------------


def test_shipped_table_has_documented_size():
    # SOURCE.md: 80 questions x 28 pairs x 2 orders = 4480 rows, 13 unparsable
    votes = vicuna80_gpt4_votes()
    assert len(votes) == 4480 - 13
    assert votes["question_id"].nunique() == 80
    assert tuple(sorted(set(votes["model_1"]) | set(votes["model_2"]))) == GPT4_MODELS


def test_shipped_votes_cover_every_pair_twice_per_question():
    c = count_votes(vicuna80_gpt4_votes())
    n = c.comparisons
    off = ~np.eye(8, dtype=bool)
    assert np.all(n[off] <= 160)
    assert (160 - n[off]).sum() == 2 * 13  # each dropped vote counted at (i,j), (j,i)


def test_shipped_pooled_entry_matches_direct_count():
    # independent count with the csv module: gpt4 vs bard, ties count 1/2
    num = den = 0.0
    with open(VICUNA80_GPT4_VOTES, newline="") as fh:
        for row in csv.DictReader(fh):
            pair = (row["model_1"], row["model_2"])
            if set(pair) != {"gpt4", "bard"} or row["score"] == "-1":
                continue
            den += 1
            if row["score"] == "3":
                num += 0.5
            elif (row["score"] == "1") == (pair[0] == "gpt4"):
                num += 1
    P = vote_matrix(VICUNA80_GPT4_VOTES, models=["gpt4", "bard"])
    assert_allclose(P.matrix[0, 1], num / den, rtol=0, atol=1e-15)


def test_shipped_pooled_matrix_is_complementary():
    P = vote_matrix(vicuna80_gpt4_votes())
    assert_array_equal(P.matrix + P.matrix.T, np.ones((8, 8)))
    assert P.labels == GPT4_MODELS


def test_shipped_per_question_matrices_need_no_missing_pairs():
    # every question has all 28 pairs, so missing="raise" never triggers
    mats = vote_matrices(vicuna80_gpt4_votes(), missing="raise")
    assert sorted(mats) == list(range(1, 81))
    assert all(isinstance(P, PreferenceMatrix) and P.K == 8 for P in mats.values())


# ---------------------------------------------------------------------------
# vote arithmetic on hand-made tables
# ---------------------------------------------------------------------------

SMALL = """question_id,model_1,model_2,score
1,a,b,1
1,b,a,2
1,a,b,3
2,b,c,1
2,c,b,-1
2,a,b,2
"""


def test_win_fraction_counts_ties_as_half(tmp_path):
    f = _write(tmp_path, "v.csv", SMALL)
    P = vote_matrix(f, questions=1)
    # question 1: a beats b twice, one tie -> (2 + 0.5) / 3
    assert_allclose(P.matrix[0, 1], 2.5 / 3, rtol=0, atol=1e-15)


def test_pooled_counts_and_dropped_unparsable(tmp_path):
    c = count_votes(_write(tmp_path, "v.csv", SMALL))
    assert c.models == ("a", "b", "c")
    assert_array_equal(c.wins, [[0, 2, 0], [1, 0, 1], [0, 0, 0]])
    assert_array_equal(c.ties, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_smoothing_is_additive_pseudo_votes(tmp_path):
    f = _write(tmp_path, "v.csv", SMALL)
    P = vote_matrix(f, smoothing=1.0)
    # a vs b pooled: 2 wins + 1 tie of 4 votes -> (2.5 + 1) / (4 + 2)
    assert_allclose(P.matrix[0, 1], 3.5 / 6, rtol=0, atol=1e-15)
    # b vs c: one vote for b -> (1 + 1) / (1 + 2)
    assert_allclose(P.matrix[1, 2], 2 / 3, rtol=0, atol=1e-15)
    # a vs c never compared -> exact tie
    assert P.matrix[0, 2] == 0.5


def test_unanimous_pair_gives_zero_one_entry_without_smoothing(tmp_path):
    P = vote_matrix(_write(tmp_path, "v.csv", SMALL), questions=2,
                    models=["b", "c"])
    assert P.matrix[0, 1] == 1.0
    assert not P.is_bradley_terry()


def test_missing_pair_becomes_tie_by_default(tmp_path):
    P = vote_matrix(_write(tmp_path, "v.csv", SMALL))
    assert P.matrix[0, 2] == 0.5


def test_missing_pair_raise(tmp_path):
    with pytest.raises(DataFormatError, match="no votes compare 'a' and 'c'"):
        vote_matrix(_write(tmp_path, "v.csv", SMALL), missing="raise")


def test_per_question_matrices_keyed_by_question(tmp_path):
    mats = vote_matrices(_write(tmp_path, "v.csv", SMALL))
    assert sorted(mats) == [1, 2]
    assert_allclose(mats[2].matrix[1, 0], 1.0, atol=0)  # b beat a on question 2


def test_win_rates_weight_by_votes(tmp_path):
    c = count_votes(_write(tmp_path, "v.csv", SMALL))
    # a: 2 wins + 1 tie of 4 votes; b: 1 + 0.5 + 1 of 5; c: 0 of 1
    assert_allclose(c.win_rates(), [2.5 / 4, 2.5 / 5, 0.0], rtol=0, atol=1e-15)


def test_dataframe_input_is_accepted():
    df = pd.DataFrame({"question_id": [7, 7], "model_1": ["x", "y"],
                       "model_2": ["y", "x"], "score": [1, 3]})
    assert_allclose(vote_matrix(df).matrix[0, 1], 0.75, atol=1e-15)


# ---------------------------------------------------------------------------
# malformed vote tables
# ---------------------------------------------------------------------------


def test_votes_missing_column(tmp_path):
    f = _write(tmp_path, "v.csv", "question_id,model_1,score\n1,a,1\n")
    with pytest.raises(DataFormatError,
                       match=r"v.csv: missing column\(s\) \['model_2'\]"):
        read_votes(f)


def test_votes_non_integer_score(tmp_path):
    f = _write(tmp_path, "v.csv",
               "question_id,model_1,model_2,score\n1,a,b,1\n1,a,b,x\n")
    with pytest.raises(DataFormatError,
                       match="v.csv, line 3, column 'score': expected an integer"):
        read_votes(f)


def test_votes_score_out_of_range(tmp_path):
    f = _write(tmp_path, "v.csv", "question_id,model_1,model_2,score\n1,a,b,4\n")
    with pytest.raises(DataFormatError,
                       match=r"line 2, column 'score': value 4 is not one of"):
        read_votes(f)


def test_votes_non_integer_question(tmp_path):
    f = _write(tmp_path, "v.csv", "question_id,model_1,model_2,score\n1.5,a,b,1\n")
    with pytest.raises(DataFormatError, match="line 2, column 'question_id'"):
        read_votes(f)


def test_votes_model_against_itself(tmp_path):
    f = _write(tmp_path, "v.csv", "question_id,model_1,model_2,score\n1,a,a,1\n")
    with pytest.raises(DataFormatError,
                       match="line 2, column 'model_2': a model cannot"):
        read_votes(f)


def test_votes_empty_model_name(tmp_path):
    f = _write(tmp_path, "v.csv", "question_id,model_1,model_2,score\n1,,b,1\n")
    with pytest.raises(DataFormatError, match="line 2, column 'model_1': empty cell"):
        read_votes(f)


def test_votes_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="no such file"):
        read_votes(tmp_path / "absent.csv")


def test_votes_dataframe_error_names_row():
    df = pd.DataFrame({"question_id": [1, 1], "model_1": ["a", "a"],
                       "model_2": ["b", "b"], "score": [1, 9]})
    with pytest.raises(DataFormatError, match="votes table, row 1, column 'score'"):
        vote_matrix(df)


def test_unknown_model_is_rejected():
    with pytest.raises(InvalidParameter, match=r"model\(s\) \['claude'\] do not occur"):
        vote_matrix(vicuna80_gpt4_votes(), models=["gpt4", "claude"])


def test_unknown_question_is_rejected():
    with pytest.raises(InvalidParameter, match=r"question id\(s\) \[81\]"):
        vote_matrix(vicuna80_gpt4_votes(), questions=81)


def test_negative_smoothing_is_rejected():
    with pytest.raises(InvalidParameter, match="smoothing must be >= 0"):
        vote_matrix(vicuna80_gpt4_votes(), smoothing=-1.0)


def test_bad_missing_option_is_rejected():
    with pytest.raises(InvalidParameter, match="missing must be 'tie' or 'raise'"):
        vote_matrix(vicuna80_gpt4_votes(), missing="zero")


def test_votes_of_wrong_type_are_rejected():
    with pytest.raises(InvalidParameter, match="votes must be a path or a pandas"):
        vote_matrix([1, 2, 3])


# ---------------------------------------------------------------------------
# shared human votes
# ---------------------------------------------------------------------------


@needs_shared
def test_human_votes_gpt4_has_highest_win_rate_072():
    # SOURCE.md of the human votes: "GPT-4 has the highest win rate (0.72)"
    c = count_votes(HUMAN_VOTES)
    rates = dict(zip(c.models, c.win_rates(), strict=True))
    assert max(rates, key=rates.get) == "gpt4"
    assert_allclose(rates["gpt4"], 0.72, atol=0.005)


@needs_shared
def test_human_votes_three_per_pair_and_question():
    # SOURCE.md: for the 8 non-Claude models every question has all 28 pairs
    # with 3 crowd votes each
    models = list(GPT4_MODELS)
    votes = read_votes(HUMAN_VOTES)
    for q in (1, 40, 80):
        n = count_votes(votes, models=models, questions=q).comparisons
        assert_array_equal(n[~np.eye(8, dtype=bool)], 3)


# ---------------------------------------------------------------------------
# score tables
# ---------------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("name", ["mt_bench", "vicuna"])
def test_prometheus_table_shape(name):
    t = read_prometheus_scores(PROMETHEUS / f"{name}_gpt4_scores.csv")
    # SOURCE.md: 80 prompts x 4 responses, 3 sampled grades 1-5
    assert t.scores.shape == (80, 4, 3)
    assert t.scores.min() >= 1 and t.scores.max() <= 5


@needs_shared
def test_prometheus_items_with_repeatable_grades_give_bt_matrices():
    # when the three sampled grades of every response agree, the attribute draw
    # cannot matter and P is the BT matrix of the grades (over temperature)
    t = read_prometheus_scores(PROMETHEUS / "vicuna_gpt4_scores.csv")
    constant = np.all(t.scores == t.scores[:, :, :1], axis=(1, 2))
    assert constant.sum() > 0
    mats = dict(attribute_matrices(t, rng=3, temperature=2.0))
    for a in np.flatnonzero(constant):
        s = t.scores[a, :, 0] / 2.0
        assert_allclose(mats[t.items[a]].matrix, expit(s[:, None] - s[None, :]),
                        rtol=0, atol=1e-15)


@needs_shared
def test_hanna_table_shape():
    t = read_hanna_scores(HANNA)
    # SOURCE.md: 11 systems, 96 prompts; six criteria rated 1-5
    assert t.scores.shape == (96, 11, 6)
    assert t.responses[0] == "Human" and len(set(t.responses)) == 11
    assert t.scores.min() >= 1 and t.scores.max() <= 5


def test_prometheus_duplicate_response(tmp_path):
    f = _write(tmp_path, "p.csv", "idx,response_source,gpt4_score_1\n1,a,3\n1,a,4\n")
    with pytest.raises(DataFormatError, match="line 3, column 'response_source'"):
        read_prometheus_scores(f)


def test_prometheus_missing_response(tmp_path):
    f = _write(tmp_path, "p.csv",
               "idx,response_source,gpt4_score_1\n1,a,3\n1,b,4\n2,a,5\n")
    with pytest.raises(DataFormatError, match="idx 2 has no row for response 'b'"):
        read_prometheus_scores(f)


def test_prometheus_grade_out_of_range(tmp_path):
    f = _write(tmp_path, "p.csv", "idx,response_source,gpt4_score_1\n1,a,7\n")
    with pytest.raises(DataFormatError, match=r"line 2, column 'gpt4_score_1': "
                       r"value 7 is outside \[1, 5\]"):
        read_prometheus_scores(f)


def test_prometheus_without_score_columns(tmp_path):
    f = _write(tmp_path, "p.csv", "idx,response_source\n1,a\n")
    with pytest.raises(DataFormatError, match="no gpt4_score_<k> columns"):
        read_prometheus_scores(f)


def test_hanna_cell_not_a_list(tmp_path):
    f = _write(tmp_path, "h.csv", 'Model,Relevance\nX,"[1.0, 2.0]"\nY,oops\n')
    with pytest.raises(DataFormatError,
                       match="line 3, column 'Relevance': expected a list"):
        read_hanna_scores(f, criteria=["Relevance"])


def test_hanna_rating_out_of_range(tmp_path):
    f = _write(tmp_path, "h.csv", 'Model,Relevance\nX,"[1.0, 6.0]"\n')
    with pytest.raises(DataFormatError,
                       match=r"value 6.0 at position 1 is not a rating"):
        read_hanna_scores(f, criteria=["Relevance"])


def test_hanna_lists_of_unequal_length(tmp_path):
    f = _write(tmp_path, "h.csv", 'Model,Relevance\nX,"[1.0, 2.0]"\nY,"[3.0]"\n')
    with pytest.raises(DataFormatError, match="list has 1 values, expected 2"):
        read_hanna_scores(f, criteria=["Relevance"])


def test_hanna_missing_criterion(tmp_path):
    f = _write(tmp_path, "h.csv", 'Model,Relevance\nX,"[1.0]"\n')
    with pytest.raises(DataFormatError, match=r"missing column\(s\) \['Coherence'"):
        read_hanna_scores(f)


# ---------------------------------------------------------------------------
# random-attribute matrices
# ---------------------------------------------------------------------------


def _paradox_table(n_items):
    # three attributes ranking a, b, c as a>b>c, b>c>a, c>a>b (Condorcet's profile)
    one = np.array([[3.0, 1.0, 2.0], [2.0, 3.0, 1.0], [1.0, 2.0, 3.0]])
    return ScoreTable(tuple(range(n_items)), ("a", "b", "c"), ("x", "y", "z"),
                      np.repeat(one[None], n_items, axis=0))


def test_condorcet_profile_gives_cyclic_matrix_with_probability_one_third():
    # each pair follows the majority of attributes with probability 2/3; the
    # tournament is the majority cycle w.p. (2/3)^3 and its reverse w.p. (1/3)^3
    n = 3000
    kinds = Counter(matrix_kind(P) for _, P in
                    attribute_matrices(_paradox_table(n), rng=8, K=3))
    p = 8 / 27 + 1 / 27
    assert abs(kinds["cyclic"] / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_kind_filters_partition_the_same_draws():
    table = _paradox_table(400)
    total = sum(1 for _ in attribute_matrices(table, rng=5, K=3))
    parts = [sum(1 for _ in attribute_matrices(table, rng=5, K=3, kind=k))
             for k in ("cyclic", "sst")]
    other = sum(matrix_kind(P) == "other"
                for _, P in attribute_matrices(table, rng=5, K=3))
    assert sum(parts) + other == total


def test_cyclic_filter_yields_only_cyclic_matrices():
    got = list(attribute_matrices(_paradox_table(200), rng=1, K=3, kind="cyclic"))
    assert got and all(P.is_cyclic for _, P in got)


def test_strictly_sst_filter_yields_only_strictly_sst_matrices():
    got = list(attribute_matrices(_paradox_table(200), rng=1, K=3,
                                  kind="strictly_sst"))
    assert got and all(P.is_strongly_transitive(strict=True) for _, P in got)


def test_subset_choice_includes_each_response_with_probability_k_over_n():
    scores = np.arange(5.0)[None, :, None].repeat(2000, axis=0)
    table = ScoreTable(tuple(range(2000)), tuple("abcde"), ("x",), scores)
    counts = Counter()
    for _, P in attribute_matrices(table, rng=2, K=4):
        assert list(P.labels) == sorted(P.labels)  # kept in table order
        counts.update(P.labels)
    freq = np.array([counts[r] for r in "abcde"]) / 2000
    assert np.all(np.abs(freq - 0.8) < 4 * np.sqrt(0.8 * 0.2 / 2000))


def test_single_attribute_table_gives_bt_matrices():
    s = np.array([[[0.0], [1.0], [3.0], [4.0]]])
    (_, P), = attribute_matrices(ScoreTable((0,), tuple("abcd"), ("x",), s), rng=0)
    assert_allclose(P.bradley_terry_scores(), s[0, :, 0] - 2.0, atol=1e-12)


def test_attribute_matrices_rejects_large_K():
    with pytest.raises(InvalidParameter, match="K must be at most the number"):
        attribute_matrices(_paradox_table(1), rng=0, K=4)


def test_attribute_matrices_rejects_unknown_kind():
    with pytest.raises(InvalidParameter, match="kind must be one of"):
        attribute_matrices(_paradox_table(1), rng=0, K=3, kind="transitive")


def test_attribute_matrices_rejects_missing_rng():
    with pytest.raises(InvalidParameter, match="rng must be a numpy Generator"):
        attribute_matrices(_paradox_table(1), rng=None, K=3)


def test_attribute_matrices_rejects_non_table():
    with pytest.raises(InvalidParameter, match="table must be a ScoreTable"):
        attribute_matrices(np.zeros((1, 3, 3)), rng=0, K=3)


def test_score_table_rejects_shape_mismatch():
    with pytest.raises(InvalidParameter, match="scores must have shape"):
        ScoreTable((0,), ("a", "b"), ("x",), np.zeros((1, 3, 1)))
