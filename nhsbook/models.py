"""Small helpers for the models the chapters fit (the statsmodels calls stay in the chapters).

- :func:`within_between` splits a repeated predictor into each group's mean and the
  yearly deviation from it, the two regressors of a hybrid (Mundlak) model;
- :func:`deviation_noise_variance` is the sampling-noise variance that those
  deviations inherit from noisy yearly scores (for their reliability);
- :func:`rate_ratio` turns a log-link count model's coefficient into a rate ratio
  with its confidence interval (Poisson, quasi-Poisson or negative binomial);
- :func:`design_effect` and :func:`effective_n` give the usual cluster correction.
"""

import numpy as np
import pandas as pd


def within_between(frame: pd.DataFrame, x: str, group: str) -> pd.DataFrame:
    """``frame`` with ``{x}_mean`` (the group's mean of ``x``) and ``{x}_dev`` (``x`` minus it).

    In ``y ~ x_mean + x_dev`` the ``x_mean`` slope is the between-group association and
    the ``x_dev`` slope the within-group one (the hybrid or Mundlak model).
    """
    if frame[[x, group]].isna().any().any():
        raise ValueError(f"within_between: {x!r} or {group!r} has missing values")
    means = frame.groupby(group)[x].transform("mean")
    return frame.assign(**{f"{x}_mean": means, f"{x}_dev": frame[x] - means})


def deviation_noise_variance(noise_var: pd.Series, groups: pd.Series) -> pd.Series:
    """Sampling-noise variance of each observation's deviation from its group mean.

    If observation t of a group of size T has independent noise with variance v_t, its
    deviation from the group mean has noise variance v_t (1 − 2/T) + (Σ_s v_s) / T².
    """
    size = groups.map(groups.value_counts())
    total = noise_var.groupby(groups).transform("sum")
    return noise_var * (1 - 2 / size) + total / size**2


def rate_ratio(result, term: str, alpha: float = 0.05) -> dict[str, float]:
    """Rate ratio exp(β) for ``term`` of a log-link count model, with its (1 − alpha) interval.

    Works for statsmodels GLM results (Poisson, or quasi-Poisson when fitted with
    ``scale="X2"``) and for discrete negative binomial results; the interval is the one
    the result itself reports (Wald, on the log scale).
    """
    low, high = np.asarray(result.conf_int(alpha=alpha).loc[term], dtype=float)
    return {
        "rate_ratio": float(np.exp(result.params[term])),
        "low": float(np.exp(low)),
        "high": float(np.exp(high)),
    }


def design_effect(mean_cluster_size: float, icc: float) -> float:
    """Kish's design effect 1 + (m − 1) ρ: clusters of mean size m, intraclass correlation ρ."""
    if not 0 <= icc <= 1:
        raise ValueError(f"design_effect: icc must lie in [0, 1], got {icc}")
    if mean_cluster_size < 1:
        raise ValueError(f"design_effect: mean cluster size must be ≥ 1, got {mean_cluster_size}")
    return 1 + (mean_cluster_size - 1) * icc


def effective_n(n: float, clusters: float, icc: float) -> float:
    """The sample size ``n`` spread over ``clusters`` clusters is worth n / design effect."""
    return n / design_effect(n / clusters, icc)
