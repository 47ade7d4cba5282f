"""How much league-table places move when the underlying ranking is stable (SIMULATION).

A year-to-year rank correlation below 1 can come from a ranking that really changes or
from a fixed ranking measured with noise. :func:`stable_rank_moves` simulates the
second: each provider has a fixed true score, each year adds independent noise, and
the noise is set so that the two years' Spearman correlation matches the observed
one. Comparing observed top-10 retention with the simulated one says whether places
are *unstable* (less retention than a stable ranking gives) or *merely noisy*.
"""

import numpy as np
import pandas as pd
from scipy import stats


def pearson_from_spearman(rho: float) -> float:
    """The Pearson correlation of a bivariate normal with Spearman correlation ``rho``."""
    return float(2 * np.sin(np.pi * rho / 6))


def top_kept(first, second, top: int = 10) -> int:
    """How many of the ``top`` highest in ``first`` are also in the top of ``second``."""
    first, second = np.asarray(first), np.asarray(second)
    best_first = np.argsort(-first, kind="stable")[:top]
    best_second = np.argsort(-second, kind="stable")[:top]
    return len(np.intersect1d(best_first, best_second))


def stable_rank_moves(
    providers: int, rho: float, top: int = 10, simulations: int = 5_000, seed: int = 2016
) -> pd.DataFrame:
    """SIMULATION: two years of a fixed ranking seen through noise, ``simulations`` times.

    Year ``t`` score = true score + noise, with the noise variance chosen so that the
    correlation between years is ``pearson_from_spearman(rho)``. Returns one row per
    simulation: ``top_kept`` (of the top ``top`` in year one, how many are top in year
    two), ``median_moved`` (median absolute change of rank), and ``spearman``.
    """
    if not 0 < rho < 1:
        raise ValueError(f"rho must be between 0 and 1, got {rho}")
    r = pearson_from_spearman(rho)
    noise_sd = np.sqrt((1 - r) / r)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(simulations):
        truth = rng.standard_normal(providers)
        first = truth + noise_sd * rng.standard_normal(providers)
        second = truth + noise_sd * rng.standard_normal(providers)
        moved = np.abs(stats.rankdata(first) - stats.rankdata(second))
        rows.append(
            (
                top_kept(first, second, top),
                float(np.median(moved)),
                float(stats.spearmanr(first, second)[0]),
            )
        )
    return pd.DataFrame(rows, columns=["top_kept", "median_moved", "spearman"])
