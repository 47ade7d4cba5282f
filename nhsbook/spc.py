"""Funnel-plot limits and statistical process control (SPC) helpers for proportions.

Used by the Intelligence chapter. Only arithmetic lives here; the chapter shows
which limits it draws and why.

Funnel plots (Spiegelhalter 2005) compare institutions' proportions ``p_i`` with
denominators ``n_i`` against a target ``p0``:

- :func:`funnel_limits`: ``p0 ± z * sqrt(phi * p0 (1 - p0) / n + tau2)``; plain binomial
  limits have ``phi = 1, tau2 = 0``;
- :func:`overdispersion_phi`: the multiplicative over-dispersion factor, the mean of the
  squared z-scores after winsorising them (10% at each end by default);
- :func:`tau_squared`: the additive random-effects variance, by the method of moments
  (DerSimonian-Laird) from the same winsorised z-scores.

SPC (Laney 2002; NHS Improvement *Making Data Count*, 2019):

- :func:`laney_p_prime`: centre line and p′ control limits of one series of proportions;
- :func:`runs` and :func:`trends`: points that belong to a run of ``length`` or more on one
  side of the centre line, or to ``length`` or more consecutive increases or decreases.
"""

import numpy as np
import pandas as pd
from scipy import stats

# Moving-range constant d2 for ranges of two consecutive points (XmR and p′ charts).
D2 = 1.128


def z_two_sided(coverage: float) -> float:
    """The normal quantile for central ``coverage`` (0.95 -> 1.96, 0.998 -> 3.09)."""
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must be between 0 and 1, got {coverage}")
    return float(stats.norm.ppf(0.5 + coverage / 2))


def binomial_z(p, n, p0: float) -> np.ndarray:
    """Standardised differences ``(p - p0) / sqrt(p0 (1 - p0) / n)``."""
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    return (p - p0) / np.sqrt(p0 * (1 - p0) / n)


def winsorise(values, fraction: float = 0.1) -> np.ndarray:
    """``values`` with the lowest and highest ``fraction`` pulled in to the percentiles."""
    values = np.asarray(values, dtype=float)
    low, high = np.quantile(values, [fraction, 1 - fraction])
    return np.clip(values, low, high)


def overdispersion_phi(z, fraction: float = 0.1) -> float:
    """Spiegelhalter's (2005) multiplicative over-dispersion factor: mean squared winsorised z."""
    return float(np.mean(winsorise(z, fraction) ** 2))


def tau_squared(n, p0: float, phi: float) -> float:
    """Additive between-institution variance τ² (method of moments), 0 if ``phi`` is small.

    ``tau2 = (I * phi - (I - 1)) / (sum(w) - sum(w**2) / sum(w))``, with weights
    ``w = 1 / s**2`` and ``s**2 = p0 (1 - p0) / n`` (Spiegelhalter 2005).
    """
    n = np.asarray(n, dtype=float)
    w = n / (p0 * (1 - p0))
    count = len(n)
    excess = count * phi - (count - 1)
    if excess <= 0:
        return 0.0
    return float(excess / (w.sum() - (w**2).sum() / w.sum()))


def funnel_limits(p0: float, n, z: float, phi: float = 1.0, tau2: float = 0.0):
    """Lower and upper funnel limits at denominators ``n``, clipped to [0, 1]."""
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(phi * p0 * (1 - p0) / n + tau2)
    return np.clip(p0 - half, 0, 1), np.clip(p0 + half, 0, 1)


def laney_p_prime(numerator, denominator, sigma: float = 3.0) -> pd.DataFrame:
    """Laney's (2002) p′ chart of ``numerator / denominator`` over time.

    Returns one row per point: ``p``, centre line ``centre`` (pooled proportion),
    ``sigma_z`` (the between-point variation of the z-scores, mean moving range / 1.128)
    and the limits ``lcl`` and ``ucl`` (``centre ± sigma * sigma_z * sqrt(centre (1 -
    centre) / n)``, clipped to [0, 1]).
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if len(x) < 2:
        raise ValueError("a p′ chart needs at least two points")
    p = x / n
    centre = x.sum() / n.sum()
    sigma_p = np.sqrt(centre * (1 - centre) / n)
    z = (p - centre) / sigma_p
    sigma_z = np.mean(np.abs(np.diff(z))) / D2
    half = sigma * sigma_z * sigma_p
    return pd.DataFrame(
        {
            "p": p,
            "centre": centre,
            "sigma_z": sigma_z,
            "lcl": np.clip(centre - half, 0, 1),
            "ucl": np.clip(centre + half, 0, 1),
        }
    )


def _mark_stretches(flags: np.ndarray, length: int) -> np.ndarray:
    """True for every element of a stretch of ``length`` or more consecutive True values."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def runs(values, centre, length: int = 7) -> np.ndarray:
    """+1 / -1 for points in a run of ``length`` or more above / below ``centre``, else 0.

    A point exactly on the centre line breaks a run.
    """
    values = np.asarray(values, dtype=float)
    centre = np.broadcast_to(np.asarray(centre, dtype=float), values.shape)
    above = _mark_stretches(values > centre, length)
    below = _mark_stretches(values < centre, length)
    return above.astype(int) - below.astype(int)


def trends(values, length: int = 7) -> np.ndarray:
    """+1 / -1 for points in ``length`` or more consecutive strictly rising / falling points.

    ``length`` points make ``length - 1`` steps; an equal value breaks a trend.
    """
    values = np.asarray(values, dtype=float)
    out = np.zeros(len(values), dtype=int)
    for sign in (1, -1):
        step = np.sign(np.diff(values)) == sign  # step i joins points i and i + 1
        in_trend = np.zeros(len(values), dtype=bool)
        marked = _mark_stretches(step, length - 1)
        in_trend[:-1] |= marked
        in_trend[1:] |= marked
        out[in_trend] = sign
    return out


def beyond_limits(values, lcl, ucl) -> np.ndarray:
    """+1 above ``ucl``, -1 below ``lcl``, else 0."""
    values = np.asarray(values, dtype=float)
    return (values > np.asarray(ucl)).astype(int) - (values < np.asarray(lcl)).astype(int)


def signal_direction(*rules) -> np.ndarray:
    """One direction per point from several rule outputs (+1 / -1 / 0 arrays).

    The first rule that fires at a point decides (pass them in order of priority, e.g.
    beyond limits, run, trend); 0 where none fires.
    """
    out = np.zeros(len(rules[0]), dtype=int)
    for rule in reversed(rules):
        rule = np.asarray(rule, dtype=int)
        out = np.where(rule != 0, rule, out)
    return out
