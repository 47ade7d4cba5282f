"""Agreement between two codings of the same items: Cohen's kappa with its interval.

:func:`cohen_kappa` cross-tabulates two codings (one label per item, missing values
counted as their own category) and calls ``statsmodels``' ``cohens_kappa``, whose
standard error is the large-sample one of Fleiss, Cohen and Everitt (1969). The
interval is kappa ± z·SE, clipped to [−1, 1].

:func:`multilabel_indicators` turns semicolon-separated label sets (several kinds of
evidence for one claim) into one present/absent item per label, so that the same
function gives a kappa for each label or pooled over labels.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.stats.inter_rater import cohens_kappa

NONE = "(none)"


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa for two codings of ``n`` items."""

    kappa: float
    se: float
    low: float
    high: float
    n: int
    observed: float  # share of items coded alike
    expected: float  # share expected alike by chance, from the two coders' margins


def agreement_table(first: pd.Series, second: pd.Series) -> pd.DataFrame:
    """Square cross-tabulation of two codings (rows: first, columns: second)."""
    if len(first) != len(second):
        raise ValueError(f"codings differ in length: {len(first)} and {len(second)}")
    a = pd.Series(first).fillna(NONE).astype(str).to_numpy()
    b = pd.Series(second).fillna(NONE).astype(str).to_numpy()
    labels = sorted(set(a) | set(b))
    table = pd.crosstab(pd.Categorical(a, labels), pd.Categorical(b, labels), dropna=False)
    return table.rename_axis(index="first", columns="second")


def cohen_kappa(first: pd.Series, second: pd.Series, level: float = 0.95) -> Kappa:
    """Cohen's kappa of two codings with a ``level`` interval (Fleiss-Cohen-Everitt SE)."""
    table = agreement_table(first, second).to_numpy()
    n = int(table.sum())
    if n == 0:
        raise ValueError("no items to compare")
    observed = float(np.trace(table)) / n
    expected = float(table.sum(axis=0) @ table.sum(axis=1)) / n**2
    if expected >= 1:  # both coders used one and the same category throughout
        return Kappa(float("nan"), float("nan"), float("nan"), float("nan"), n, observed, expected)
    result = cohens_kappa(table)
    z = norm.ppf(0.5 + level / 2)
    kappa, se = float(result.kappa), float(result.std_kappa)
    low, high = max(float(kappa - z * se), -1.0), min(float(kappa + z * se), 1.0)
    return Kappa(kappa, se, low, high, n, observed, expected)


def multilabel_indicators(codes: pd.Series, labels: list[str]) -> pd.DataFrame:
    """One column per label: whether each item's ``;``-separated set contains it."""
    sets = codes.fillna("").str.split(";").map(lambda s: {x.strip() for x in s if x.strip()})
    unknown = set().union(*sets) - set(labels)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among {labels}")
    return pd.DataFrame({label: sets.map(lambda s, lab=label: lab in s) for label in labels})


def bootstrap_kappa(
    first: np.ndarray, second: np.ndarray, resamples: int = 2000, seed: int = 0
) -> np.ndarray:
    """Kappa of pooled present/absent items, recomputed on ``resamples`` resamples of rows.

    ``first`` and ``second`` are boolean arrays with one row per item set (a claim) and one
    column per label, as from :func:`multilabel_indicators`. Each resample draws rows with
    replacement and pools their cells, as :func:`cohen_kappa` does on the stacked items; a
    resample in which both codings use a single category gives NaN.
    """
    first, second = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    if first.shape != second.shape:
        raise ValueError(f"codings differ in shape: {first.shape} and {second.shape}")
    # Per row: cells coded present by both, by the first only, by the second only.
    per_row = np.stack(
        [
            (first & second).sum(axis=1),
            (first & ~second).sum(axis=1),
            (~first & second).sum(axis=1),
        ],
        axis=1,
    )
    rows = np.random.default_rng(seed).integers(0, len(first), (resamples, len(first)))
    both, first_only, second_only = per_row[rows].sum(axis=1).T / (len(first) * first.shape[1])
    neither = 1 - both - first_only - second_only
    first_present, second_present = both + first_only, both + second_only
    expected = first_present * second_present + (1 - first_present) * (1 - second_present)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (both + neither - expected) / (1 - expected)
    return np.where(expected < 1, kappa, np.nan)
