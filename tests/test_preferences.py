"""Tests of dynsys_align.preferences against definitions, closed forms and theorems."""

import pickle
from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit

from dynsys_align.exceptions import (
    DataFormatError,
    InvalidParameter,
    InvalidPreferenceMatrix,
)
from dynsys_align.preferences import (
    BUILTIN_NAMES,
    PreferenceMatrix,
    bradley_terry,
    cyclic,
    from_attribute_scores,
    from_name,
    from_tournament,
    load_matrix,
    random,
    transitive,
)

# ---------------------------------------------------------------------------
# brute-force social choice straight from the definitions
# ---------------------------------------------------------------------------


def _random_with_ties(K, rng):
    """Random preference matrix whose entries include exact ties (1/2)."""
    iu, ju = np.triu_indices(K, k=1)
    levels = np.array([0.1, 0.3, 0.5, 0.5, 0.7, 0.9])
    P = np.full((K, K), 0.5)
    P[iu, ju] = rng.choice(levels, size=iu.size)
    P[ju, iu] = 1.0 - P[iu, ju]
    return P


def _brute_smith(P):
    """Smallest non-empty set X with P_ij > 1/2 for every i in X, j outside."""
    K = P.shape[0]
    dominant = [
        frozenset(X)
        for size in range(1, K + 1)
        for X in combinations(range(K), size)
        if all(P[i, j] > 0.5 for i in X for j in range(K) if j not in X)
    ]
    smallest = min(len(X) for X in dominant)
    (smith,) = [X for X in dominant if len(X) == smallest]
    return smith


def _brute_condorcet(P):
    K = P.shape[0]
    winners = [c for c in range(K) if all(P[c, j] > 0.5 for j in range(K) if j != c)]
    return winners[0] if winners else None


def _brute_weak(P):
    K = P.shape[0]
    return all(
        P[i, k] >= 0.5
        for i in range(K) for j in range(K) for k in range(K)
        if P[i, j] >= 0.5 and P[j, k] >= 0.5
    )


def _brute_sst(P):
    K = P.shape[0]
    return all(
        P[i, k] >= max(P[i, j], P[j, k])
        for i in range(K) for j in range(K) for k in range(K)
        if P[i, j] >= 0.5 and P[j, k] >= 0.5
    )


RANDOM_CASES = [
    (K, seed) for seed in range(40) for K in (2, 3, 4, 5, 7)
]


@pytest.mark.parametrize("K, seed", RANDOM_CASES)
def test_smith_set_matches_brute_force_with_ties(K, seed):
    P = _random_with_ties(K, np.random.default_rng(1000 * K + seed))
    assert PreferenceMatrix(P).smith_set == _brute_smith(P)


@pytest.mark.parametrize("K, seed", RANDOM_CASES)
def test_condorcet_winner_matches_brute_force_with_ties(K, seed):
    P = _random_with_ties(K, np.random.default_rng(1000 * K + seed))
    assert PreferenceMatrix(P).condorcet_winner == _brute_condorcet(P)


@pytest.mark.parametrize("K, seed", RANDOM_CASES)
def test_transitivity_predicates_match_brute_force(K, seed):
    P = _random_with_ties(K, np.random.default_rng(1000 * K + seed))
    M = PreferenceMatrix(P)
    assert M.is_weakly_transitive() == _brute_weak(P)
    assert M.is_strongly_transitive() == _brute_sst(P)


def test_condorcet_winner_is_the_smith_set_when_it_exists():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(100):
        M = PreferenceMatrix(_random_with_ties(5, rng))
        if M.condorcet_winner is not None:
            found += 1
            assert M.smith_set == frozenset({M.condorcet_winner})
    assert found > 0


def test_smith_set_of_tournament_is_top_component_of_graph():
    rng = np.random.default_rng(3)
    for _ in range(50):
        M = random(6, rng)
        C = nx.condensation(M.graph)
        (top,) = [c for c in C if C.in_degree(c) == 0]
        assert M.smith_set == frozenset(C.nodes[top]["members"])


# ---------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------


def test_graph_edges_are_strict_wins_with_margins():
    P = PreferenceMatrix([[0.5, 0.8, 0.5], [0.2, 0.5, 0.6], [0.5, 0.4, 0.5]],
                         labels=["x", "y", "z"])
    G = P.graph
    assert set(G.edges) == {(0, 1), (1, 2)}
    assert_allclose(G.edges[0, 1]["margin"], 0.3, atol=1e-15)
    assert_allclose(G.edges[1, 2]["margin"], 0.1, atol=1e-15)
    assert [G.nodes[i]["label"] for i in range(3)] == ["x", "y", "z"]


def test_graph_is_frozen():
    with pytest.raises(nx.NetworkXError, match="Frozen"):
        cyclic(3, 0.2).graph.add_edge(0, 2)


def test_copeland_scores_count_ties_as_zero():
    P = PreferenceMatrix([[0.5, 0.9, 0.5], [0.1, 0.5, 0.5], [0.5, 0.5, 0.5]])
    assert_array_equal(P.copeland_scores(), [1, -1, 0])


def test_tie_tolerance_decides_near_ties():
    P = [[0.5, 0.5 + 1e-10], [0.5 - 1e-10, 0.5]]
    assert PreferenceMatrix(P).condorcet_winner == 0
    assert PreferenceMatrix(P, tie_tol=1e-8).condorcet_winner is None


def test_all_ties_matrix():
    M = PreferenceMatrix(np.full((4, 4), 0.5))
    assert M.condorcet_winner is None
    assert M.smith_set == frozenset(range(4))
    assert not M.is_cyclic and not M.is_tournament
    assert M.is_weakly_transitive() and M.is_strongly_transitive()
    assert not M.is_strongly_transitive(strict=True)


def test_skew_is_skew_symmetric_and_readonly():
    M = random(5, np.random.default_rng(0))
    assert_array_equal(M.skew, -M.skew.T)
    with pytest.raises(ValueError, match="read-only"):
        M.matrix[0, 1] = 0.3
    with pytest.raises(ValueError, match="read-only"):
        M.skew[0, 1] = 0.3


def test_stored_matrix_is_exactly_complementary():
    eps = 4e-10
    M = PreferenceMatrix([[0.5 + eps, 0.7], [0.3 + eps, 0.5]])
    assert_array_equal(M.matrix + M.matrix.T, np.ones((2, 2)))
    assert_allclose(M.matrix[0, 1], 0.7 - eps / 2, rtol=0, atol=1e-15)


def test_default_labels_and_restrict():
    M = transitive(4, 0.3)
    assert M.labels == ("0", "1", "2", "3")
    R = M.restrict([2, 0])
    assert R.labels == ("2", "0")
    assert_allclose(R.matrix, [[0.5, 0.3], [0.7, 0.5]], atol=1e-15)


def test_equality_uses_values_labels_and_tie_tol():
    A = cyclic(3, 0.2)
    assert A == PreferenceMatrix(A.matrix.copy())
    assert hash(A) == hash(PreferenceMatrix(A.matrix.copy()))
    assert A != PreferenceMatrix(A.matrix, labels=["r", "p", "s"])
    assert A != cyclic(3, 0.1)
    assert A != PreferenceMatrix(A.matrix, tie_tol=0.0)


def test_repr_shows_entries_and_labels():
    text = repr(PreferenceMatrix([[0.5, 0.25], [0.75, 0.5]], labels=["a", "b"]))
    assert text.startswith("PreferenceMatrix([[0.5")
    assert "0.25" in text and "labels=('a', 'b')" in text


def test_pickle_round_trip_keeps_values_and_read_only_storage():
    M = PreferenceMatrix(random(4, 3).matrix, labels=list("wxyz"), tie_tol=1e-6)
    Q = pickle.loads(pickle.dumps(M))
    assert Q == M
    assert not Q.matrix.flags.writeable


def test_numpy_conversion_gives_a_writable_copy():
    M = cyclic(3, 0.2)
    A = np.asarray(M)
    A[0, 1] = 0.0
    assert M.matrix[0, 1] == pytest.approx(0.7)


# ---------------------------------------------------------------------------
# transitivity on hand-checkable matrices
# ---------------------------------------------------------------------------


def test_weakly_but_not_strongly_transitive_example():
    # 0 > 1 (0.9), 1 > 2 (0.9), 0 > 2 only by 0.6 < max(0.9, 0.9)
    M = PreferenceMatrix([[0.5, 0.9, 0.6], [0.1, 0.5, 0.9], [0.4, 0.1, 0.5]])
    assert M.is_weakly_transitive()
    assert not M.is_strongly_transitive()


def test_sst_but_not_strictly_sst_example():
    # P_02 = 0.7 equals max(P_01, P_12) = 0.7: SST holds, strict SST fails
    M = PreferenceMatrix([[0.5, 0.7, 0.7], [0.3, 0.5, 0.6], [0.3, 0.4, 0.5]])
    assert M.is_strongly_transitive()
    assert not M.is_strongly_transitive(strict=True)


def test_acyclic_with_tie_is_not_weakly_transitive():
    # 0 > 1 > 2 with 0 ~ 2: no directed cycle, but P_20 >= 1/2 (tie) and
    # P_01 >= 1/2 would need P_21 >= 1/2, while P_21 = 0.3
    M = PreferenceMatrix([[0.5, 0.7, 0.5], [0.3, 0.5, 0.7], [0.5, 0.3, 0.5]])
    assert not M.is_cyclic
    assert not M.is_weakly_transitive()


@pytest.mark.parametrize("K", [3, 4, 5, 6, 7])
def test_cyclic_matrices_are_intransitive(K):
    M = cyclic(K, 0.2)
    assert M.is_cyclic
    assert not M.is_weakly_transitive()
    assert not M.is_strongly_transitive()
    assert M.condorcet_winner is None
    assert M.smith_set == frozenset(range(K))


@pytest.mark.parametrize("K", [2, 3, 4, 6])
def test_transitive_is_strictly_sst_with_winner_zero(K):
    M = transitive(K, 0.4)
    assert M.is_strongly_transitive(strict=True)
    assert M.is_weakly_transitive() and not M.is_cyclic
    assert M.condorcet_winner == 0 and M.smith_set == frozenset({0})
    assert_array_equal(M.copeland_scores(), K - 1 - 2 * np.arange(K))
    assert_allclose(M.matrix[0, K - 1], 0.9, atol=1e-15)


# ---------------------------------------------------------------------------
# Bradley-Terry
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_bt_scores_recovered_up_to_mean(seed):
    s = np.random.default_rng(seed).normal(scale=2.0, size=6)
    M = bradley_terry(s)
    assert M.is_bradley_terry()
    assert_allclose(M.bradley_terry_scores(), s - s.mean(), rtol=0, atol=1e-9)


def test_bt_matrix_entries_are_sigmoids_of_differences():
    M = bradley_terry([0.0, np.log(4.0)])
    assert_allclose(M.matrix[1, 0], 0.8, rtol=0, atol=1e-15)


def test_bt_with_distinct_scores_is_strictly_sst():
    # BT is SST because sigmoid is increasing: s_i > s_j > s_k gives
    # s_i - s_k > max(s_i - s_j, s_j - s_k)
    assert bradley_terry([0.3, -1.2, 2.0, 0.9, -0.1]).is_strongly_transitive(
        strict=True)


@pytest.mark.parametrize("K", [3, 4, 5])
def test_cyclic_is_not_bradley_terry(K):
    M = cyclic(K, 0.2)
    assert not M.is_bradley_terry()
    with pytest.raises(InvalidPreferenceMatrix, match="not Bradley-Terry"):
        M.bradley_terry_scores()


def test_transitive_non_bt_is_detected():
    assert not transitive(3, 0.2).is_bradley_terry()


def test_zero_one_entries_are_not_bt():
    M = PreferenceMatrix([[0.5, 1.0], [0.0, 0.5]])
    assert not M.is_bradley_terry()
    with pytest.raises(InvalidPreferenceMatrix, match="infinite Bradley-Terry"):
        M.bradley_terry_scores()


def test_two_response_matrix_is_always_bt():
    M = PreferenceMatrix([[0.5, 0.9], [0.1, 0.5]])
    assert_allclose(np.diff(M.bradley_terry_scores()), [-np.log(9.0)], atol=1e-12)


# ---------------------------------------------------------------------------
# cyclic: closed forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.05, 0.2, 0.5])
def test_rps_skew_norm_is_a_sqrt3(a):
    assert_allclose(cyclic(3, a).skew_norm, a * np.sqrt(3.0), rtol=1e-13)


def test_rps_skew_eigenvalues_are_zero_and_pm_i_a_sqrt3():
    a = 0.2
    ev = np.linalg.eigvals(cyclic(3, a).skew)
    ev = ev[np.argsort(ev.imag)]
    assert_allclose(ev, [-1j * a * np.sqrt(3), 0.0, 1j * a * np.sqrt(3)], atol=1e-14)


@pytest.mark.parametrize("K", [5, 7, 9])
def test_odd_cyclic_skew_norm_matches_circulant_formula(K):
    # S is circulant with c_d = a for d = 1..(K-1)/2 and -a for the rest, so its
    # eigenvalues are 2 i a sum_d sin(2 pi d k / K), k = 0..K-1
    a = 0.3
    d = np.arange(1, (K - 1) // 2 + 1)
    k = np.arange(K)[:, None]
    lam = 2 * a * np.abs(np.sin(2 * np.pi * d * k / K).sum(axis=1))
    assert_allclose(cyclic(K, a).skew_norm, lam.max(), rtol=1e-12)


@pytest.mark.parametrize("K", [3, 5, 7])
def test_odd_cyclic_is_regular(K):
    M = cyclic(K, 0.1)
    assert_array_equal(M.copeland_scores(), np.zeros(K, dtype=int))
    assert M.is_tournament


def test_cyclic4_is_the_papers_tournament():
    expected = {(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)}
    M = from_name("cyclic4")
    assert set(M.graph.edges) == expected
    assert_allclose(np.abs(M.skew[~np.eye(4, dtype=bool)]), 0.2, atol=1e-15)


@pytest.mark.parametrize("K", [4, 6, 8])
def test_even_cyclic_is_near_regular(K):
    s = cyclic(K, 0.2).copeland_scores()
    assert_array_equal(s, np.r_[np.ones(K // 2), -np.ones(K // 2)])


# ---------------------------------------------------------------------------
# other constructors
# ---------------------------------------------------------------------------


def test_from_tournament_round_trips_graph():
    M = random(6, np.random.default_rng(11), labels=list("abcdef"))
    assert_allclose(from_tournament(M.graph).matrix, M.matrix, atol=1e-15)
    assert from_tournament(M.graph).labels == M.labels


def test_from_tournament_missing_pairs_are_ties():
    G = nx.DiGraph()
    G.add_nodes_from(["a", "b", "c"])
    G.add_edge("a", "b")
    M = from_tournament(G, margin=0.25)
    assert_allclose(M.matrix, [[0.5, 0.75, 0.5], [0.25, 0.5, 0.5], [0.5, 0.5, 0.5]],
                    atol=1e-15)


def test_from_attribute_scores_single_attribute_is_bt():
    s = np.array([[3.0], [1.0], [0.0]])
    M = from_attribute_scores(s, rng=5, temperature=2.0)
    assert_allclose(M.bradley_terry_scores(), (s[:, 0] - s.mean()) / 2.0, atol=1e-12)


def test_from_attribute_scores_entries_come_from_some_attribute():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 3))
    M = from_attribute_scores(X, rng)
    for i, j in combinations(range(5), 2):
        options = expit(X[i] - X[j])
        assert np.min(np.abs(options - M.matrix[i, j])) < 1e-14


def test_from_attribute_scores_draws_each_attribute():
    # two attributes with opposite orders: pair (0, 1) is 0 > 1 on one and
    # 1 > 0 on the other; over many seeds both outcomes appear about equally
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    wins = sum(from_attribute_scores(X, s).condorcet_winner == 0 for s in range(400))
    assert 150 < wins < 250


def test_random_is_valid_and_reproducible_from_seed():
    A, B = random(5, 9), random(5, np.random.default_rng(9))
    assert A == B
    assert A.is_tournament


def test_random_k3_cyclic_frequency_is_one_quarter():
    # the tournament on 3 vertices with independent fair pairs is cyclic
    # with probability 2/8
    rng = np.random.default_rng(4)
    n = 4000
    freq = sum(random(3, rng).is_cyclic for _ in range(n)) / n
    assert abs(freq - 0.25) < 4 * np.sqrt(0.25 * 0.75 / n)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_names_give_valid_matrices(name):
    M = from_name(name)
    assert isinstance(M, PreferenceMatrix)
    assert_allclose(M.matrix + M.matrix.T, 1.0, atol=0)


def test_builtin_properties():
    assert from_name("cyclic3") == cyclic(3, 0.2)
    assert from_name("bt4").is_bradley_terry()
    assert from_name("transitive4").is_strongly_transitive(strict=True)
    assert from_name("condorcet4").condorcet_winner == 0
    assert from_name("condorcet4").is_cyclic
    assert from_name("smith4").smith_set == frozenset({0, 1, 2})
    assert from_name("smith4").condorcet_winner is None


def test_load_matrix_npy_and_csv(tmp_path):
    M = cyclic(3, 0.2)
    np.save(tmp_path / "p.npy", M.matrix)
    assert load_matrix(tmp_path / "p.npy") == M
    rows = "\n".join(",".join(repr(float(v)) for v in r) for r in M.matrix)
    (tmp_path / "p.csv").write_text("r,p,s\n" + rows + "\n")
    L = load_matrix(tmp_path / "p.csv")
    assert L.labels == ("r", "p", "s")
    assert_allclose(L.matrix, M.matrix, atol=0)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def test_rejects_non_square():
    with pytest.raises(InvalidPreferenceMatrix, match="square"):
        PreferenceMatrix(np.full((2, 3), 0.5))


def test_rejects_single_response():
    with pytest.raises(InvalidPreferenceMatrix, match="K >= 2"):
        PreferenceMatrix([[0.5]])


def test_rejects_nan():
    with pytest.raises(InvalidPreferenceMatrix, match="finite"):
        PreferenceMatrix([[0.5, np.nan], [0.5, 0.5]])


def test_rejects_entries_outside_unit_interval():
    with pytest.raises(InvalidPreferenceMatrix, match=r"\[0, 1\]"):
        PreferenceMatrix([[0.5, 1.2], [-0.2, 0.5]])


def test_rejects_non_complementary():
    with pytest.raises(InvalidPreferenceMatrix, match="P_ij \\+ P_ji = 1"):
        PreferenceMatrix([[0.5, 0.7], [0.4, 0.5]])


def test_rejects_bad_diagonal():
    with pytest.raises(InvalidPreferenceMatrix, match=r"P_ii = 1/2 on the diagonal"):
        PreferenceMatrix([[0.6, 0.5], [0.5, 0.5]])


def test_rejects_wrong_label_count():
    with pytest.raises(InvalidParameter, match="one name per response"):
        PreferenceMatrix(np.full((3, 3), 0.5), labels=["a", "b"])


def test_rejects_repeated_labels():
    with pytest.raises(InvalidParameter, match="distinct"):
        PreferenceMatrix(np.full((2, 2), 0.5), labels=["a", "a"])


def test_rejects_bad_tie_tol():
    with pytest.raises(InvalidParameter, match="tie_tol"):
        PreferenceMatrix(np.full((2, 2), 0.5), tie_tol=0.5)


@pytest.mark.parametrize("margin", [0.0, -0.1, 0.6, np.nan])
def test_cyclic_rejects_bad_margin(margin):
    with pytest.raises(InvalidParameter, match="margin"):
        cyclic(3, margin)


@pytest.mark.parametrize("K", [2, 3.0, True, "3"])
def test_cyclic_rejects_bad_K(K):
    with pytest.raises(InvalidParameter, match="K must be an integer"):
        cyclic(K, 0.2)


def test_transitive_rejects_bad_margin():
    with pytest.raises(InvalidParameter, match=r"margin must lie in \(0, 1/2\]"):
        transitive(3, 0.7)


def test_bradley_terry_rejects_nan_scores():
    with pytest.raises(InvalidParameter, match="finite"):
        bradley_terry([0.0, np.nan])


def test_bradley_terry_rejects_single_score():
    with pytest.raises(InvalidParameter, match="at least 2"):
        bradley_terry([1.0])


@pytest.mark.parametrize("rng", [None, 1.5, -3, "seed", np.random.RandomState(0)])
def test_random_rejects_bad_rng(rng):
    with pytest.raises(InvalidParameter, match="rng"):
        random(3, rng)


def test_from_attribute_scores_rejects_bad_shape():
    with pytest.raises(InvalidParameter, match=r"shape \(K, n_attr\)"):
        from_attribute_scores([1.0, 2.0, 3.0], rng=0)


def test_from_attribute_scores_rejects_nan():
    with pytest.raises(InvalidParameter, match="finite"):
        from_attribute_scores([[1.0], [np.nan]], rng=0)


def test_from_attribute_scores_rejects_bad_temperature():
    with pytest.raises(InvalidParameter, match="temperature must be > 0"):
        from_attribute_scores([[1.0], [0.0]], rng=0, temperature=0.0)


def test_from_tournament_rejects_two_way_edge():
    with pytest.raises(InvalidParameter, match="both"):
        from_tournament(nx.DiGraph([(0, 1), (1, 0)]))


def test_from_tournament_rejects_self_loop():
    with pytest.raises(InvalidParameter, match="self-loops"):
        from_tournament(nx.DiGraph([(0, 1), (1, 1)]))


def test_from_tournament_rejects_undirected_graph():
    with pytest.raises(InvalidParameter, match="DiGraph"):
        from_tournament(nx.Graph([(0, 1)]))


def test_from_tournament_rejects_bad_edge_margin():
    G = nx.DiGraph()
    G.add_edge(0, 1, margin=0.9)
    with pytest.raises(InvalidParameter, match="margin of edge 0 -> 1"):
        from_tournament(G)


def test_from_name_rejects_unknown_name():
    with pytest.raises(InvalidParameter, match="built-in names are cyclic3"):
        from_name("cyclic9")


def test_restrict_rejects_out_of_range():
    with pytest.raises(InvalidParameter, match="0 .. 2"):
        cyclic(3, 0.2).restrict([0, 3])


def test_load_matrix_rejects_non_numeric_cell(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("0.5,0.7\n0.3,abc\n")
    with pytest.raises(DataFormatError, match=r"bad.csv, line 2, column 2"):
        load_matrix(f)


def test_load_matrix_rejects_ragged_rows(tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text("0.5,0.7,0.2\n0.3,0.5\n")
    with pytest.raises(DataFormatError, match="line 1: expected 2 columns"):
        load_matrix(f)


def test_load_matrix_rejects_invalid_preferences(tmp_path):
    f = tmp_path / "p.npy"
    np.save(f, np.array([[0.5, 0.9], [0.9, 0.5]]))
    with pytest.raises(DataFormatError, match=r"p.npy: .*P_ij \+ P_ji = 1"):
        load_matrix(f)


def test_load_matrix_rejects_unknown_suffix(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("0.5")
    with pytest.raises(DataFormatError, match="unsupported file type '.txt'"):
        load_matrix(f)


def test_load_matrix_rejects_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="no such file"):
        load_matrix(tmp_path / "nope.npy")
