"""nhsbook.ranks: top-10 retention and the stable-ranking SIMULATION."""

import numpy as np
import pytest
from scipy import stats

from nhsbook import ranks


def test_top_kept():
    assert ranks.top_kept([5, 4, 3, 2, 1], [1, 4, 5, 2, 3], top=2) == 1
    assert ranks.top_kept(np.arange(20), np.arange(20), top=10) == 10


def test_pearson_from_spearman():
    assert ranks.pearson_from_spearman(1.0) == pytest.approx(1.0)
    assert ranks.pearson_from_spearman(0.0) == pytest.approx(0.0)
    assert ranks.pearson_from_spearman(0.8) == pytest.approx(0.8135, abs=1e-3)


def test_stable_ranking_simulation_matches_rho_and_is_reproducible():
    sims = ranks.stable_rank_moves(120, 0.85, simulations=300, seed=3)
    assert sims.equals(ranks.stable_rank_moves(120, 0.85, simulations=300, seed=3))
    assert sims.spearman.mean() == pytest.approx(0.85, abs=0.02)
    assert 3 < sims.top_kept.mean() < 9
    noisier = ranks.stable_rank_moves(120, 0.5, simulations=300, seed=3)
    assert noisier.top_kept.mean() < sims.top_kept.mean()
    with pytest.raises(ValueError):
        ranks.stable_rank_moves(120, 1.0)


def test_stable_ranking_simulation_matches_a_loop_over_runs():
    """The vectorised simulation gives what charting each run on its own gives."""
    runs = ranks.stable_rank_moves(30, 0.7, top=5, simulations=40, seed=11)
    r = ranks.pearson_from_spearman(0.7)
    rng = np.random.default_rng(11)
    for run in runs.itertuples():
        truth = rng.standard_normal(30)
        first = truth + np.sqrt((1 - r) / r) * rng.standard_normal(30)
        second = truth + np.sqrt((1 - r) / r) * rng.standard_normal(30)
        moved = np.abs(stats.rankdata(first) - stats.rankdata(second))
        best_first = np.argsort(-first, kind="stable")[:5]
        best_second = np.argsort(-second, kind="stable")[:5]
        assert run.top_kept == len(np.intersect1d(best_first, best_second))
        assert run.median_moved == np.median(moved)
        assert run.spearman == pytest.approx(stats.spearmanr(first, second)[0])
