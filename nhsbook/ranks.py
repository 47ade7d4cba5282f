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
    rows = np.asarray(first)[None, :], np.asarray(second)[None, :]
    return int(_top_kept_rows(*rows, top)[0])  # the simulation's own code, on one row


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
    # One draw per simulation, in the order truth, year-one noise, year-two noise.
    truth, noise_first, noise_second = rng.standard_normal((simulations, 3, providers)).transpose(
        1, 0, 2
    )
    first = truth + noise_sd * noise_first
    second = truth + noise_sd * noise_second
    rank_first = stats.rankdata(first, axis=1)
    rank_second = stats.rankdata(second, axis=1)
    return pd.DataFrame(
        {
            "top_kept": _top_kept_rows(first, second, top),
            "median_moved": np.median(np.abs(rank_first - rank_second), axis=1),
            "spearman": _row_correlations(rank_first, rank_second),
        }
    )


def _top_kept_rows(first: np.ndarray, second: np.ndarray, top: int) -> np.ndarray:
    """:func:`top_kept` for each row of two arrays of scores."""
    in_top_first = _top_mask(first, top)
    return (in_top_first & _top_mask(second, top)).sum(axis=1)


def _top_mask(scores: np.ndarray, top: int) -> np.ndarray:
    """Whether each entry is among the ``top`` highest of its row (ties: first wins)."""
    best = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    mask = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(mask, best, True, axis=1)
    return mask


def _row_correlations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``x`` with the same row of ``y``."""
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    return (x * y).sum(axis=1) / np.sqrt((x**2).sum(axis=1) * (y**2).sum(axis=1))
