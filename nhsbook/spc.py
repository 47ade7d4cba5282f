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
  (DerSimonian-Laird) from the same winsorised z-scores; ``scale="logit"`` does the same
  on the log-odds scale (Spiegelhalter 2005, Qual Saf Health Care), with
  :func:`logit_z` and :func:`logit_funnel_limits`.

SPC (Laney 2002; NHS Improvement *Making Data Count*, 2019):

- :func:`laney_p_prime`: centre line and p′ control limits of one series of proportions,
  optionally with the centre and spread fixed on a baseline of the first points;
- :func:`xmr`: an individuals (XmR) chart of any series, e.g. a provider minus the nation;
- the four *Making Data Count* rules, as NHSRplotthedots implements them:
  :func:`beyond_limits` (a point beyond 3σ), :func:`trends` (7 points rising or falling),
  :func:`two_in_three` (two of three consecutive points between 2σ and 3σ on the same
  side) and :func:`runs` (7 points on one side of the centre); :func:`mdc_rules` applies
  all four in that order of priority. The rule functions and :func:`signal_direction`
  read a series along the last axis, so the same code takes one series (1-D) or a
  2-D array of series, one per row;
- :func:`stable_signal_rates`: how often a *stable* process of the same length signals
  under these rules (a SIMULATION of the false-alarm base rate).
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


def tau_squared(n, p0, phi: float, scale: str = "proportion") -> float:
    """Additive between-institution variance τ² (method of moments), 0 if ``phi`` is small.

    ``tau2 = (I * phi - (I - 1)) / (sum(w) - sum(w**2) / sum(w))``, with weights
    ``w = 1 / s**2`` (Spiegelhalter 2005). On the proportion scale
    ``s**2 = p0 (1 - p0) / n``; on the logit scale ``s**2 = 1 / (n p0 (1 - p0))``, and
    τ² is then a variance of log-odds. ``phi`` must come from z-scores on the same scale.
    """
    n = np.asarray(n, dtype=float)
    p0 = np.asarray(p0, dtype=float)
    if scale == "proportion":
        w = n / (p0 * (1 - p0))
    elif scale == "logit":
        w = n * p0 * (1 - p0)
    else:
        raise ValueError(f"scale must be 'proportion' or 'logit', got {scale!r}")
    w = np.broadcast_to(w, n.shape)
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


def logit(p):
    """Log-odds ``log(p / (1 - p))``."""
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def expit(x):
    """Inverse of :func:`logit`."""
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def logit_z(p, n, p0) -> np.ndarray:
    """Standardised differences on the log-odds scale, ``(logit p - logit p0) / s``.

    ``s**2 = 1 / (n p0 (1 - p0))`` is the delta-method variance of a log-odds at the
    target, as for the funnel limits. ``p0`` may be one target or one per institution.
    """
    n = np.asarray(n, dtype=float)
    p0 = np.asarray(p0, dtype=float)
    return (logit(p) - logit(p0)) * np.sqrt(n * p0 * (1 - p0))


def logit_funnel_limits(p0, n, z: float, phi: float = 1.0, tau2: float = 0.0):
    """Funnel limits set on the log-odds scale and transformed back to proportions.

    ``expit(logit p0 ± z * sqrt(phi / (n p0 (1 - p0)) + tau2))``: with ``tau2`` (a
    log-odds variance from ``tau_squared(..., scale="logit")``) this is Spiegelhalter's
    additive random-effects funnel on the logit scale. The limits are asymmetric around
    ``p0`` on the proportion scale and never leave (0, 1).
    """
    n = np.asarray(n, dtype=float)
    p0 = np.asarray(p0, dtype=float)
    half = z * np.sqrt(phi / (n * p0 * (1 - p0)) + tau2)
    return expit(logit(p0) - half), expit(logit(p0) + half)


def _baseline_mask(length: int, baseline) -> np.ndarray:
    """Which points set a chart's centre and spread: all, the first ``baseline``, or a mask."""
    if baseline is None:
        return np.ones(length, dtype=bool)
    if np.ndim(baseline) == 0:
        if not 2 <= int(baseline) <= length:
            raise ValueError(f"a baseline needs 2 to {length} points, got {baseline}")
        return np.arange(length) < int(baseline)
    mask = np.asarray(baseline, dtype=bool)
    if mask.shape != (length,) or mask.sum() < 2:
        raise ValueError("a baseline mask needs one flag per point and at least two points")
    return mask


def laney_p_prime(numerator, denominator, sigma: float = 3.0, baseline=None) -> pd.DataFrame:
    """Laney's (2002) p′ chart of ``numerator / denominator`` over time.

    Returns one row per point: ``p``, centre line ``centre`` (pooled proportion),
    ``sigma_z`` (the between-point variation of the z-scores, mean moving range / 1.128),
    the limits ``lcl`` and ``ucl`` (``centre ± sigma * sigma_z * sqrt(centre (1 -
    centre) / n)``, clipped to [0, 1]) and ``z``, each point's distance from the centre in
    units of its own p′ sigma (so ``|z| > 3`` is beyond the 3-sigma limits).

    ``baseline`` (the number of first points, or a boolean mask) fixes the centre and
    ``sigma_z`` on those points only; later points are monitored against them.
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if len(x) < 2:
        raise ValueError("a p′ chart needs at least two points")
    base = _baseline_mask(len(x), baseline)
    p = x / n
    centre = x[base].sum() / n[base].sum()
    sigma_p = np.sqrt(centre * (1 - centre) / n)
    z = (p - centre) / sigma_p
    sigma_z = np.mean(np.abs(np.diff(z[base]))) / D2
    half = sigma * sigma_z * sigma_p
    return pd.DataFrame(
        {
            "p": p,
            "centre": centre,
            "sigma_z": sigma_z,
            "lcl": np.clip(centre - half, 0, 1),
            "ucl": np.clip(centre + half, 0, 1),
            "z": z / sigma_z,
        }
    )


def xmr(values, sigma: float = 3.0, baseline=None) -> pd.DataFrame:
    """An individuals (XmR) chart: ``centre ± sigma * mean moving range / 1.128``.

    Returns ``value``, ``centre``, ``sigma_x`` (mean moving range / 1.128), ``lcl``,
    ``ucl`` and ``z`` (distance from the centre in units of ``sigma_x``). ``baseline``
    as in :func:`laney_p_prime`. This is the *Making Data Count* default chart.
    """
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        raise ValueError("an XmR chart needs at least two points")
    base = _baseline_mask(len(v), baseline)
    centre = v[base].mean()
    sigma_x = np.mean(np.abs(np.diff(v[base]))) / D2
    return pd.DataFrame(
        {
            "value": v,
            "centre": centre,
            "sigma_x": sigma_x,
            "lcl": centre - sigma * sigma_x,
            "ucl": centre + sigma * sigma_x,
            "z": (v - centre) / sigma_x,
        }
    )


def _mark_stretches(flags: np.ndarray, length: int) -> np.ndarray:
    """True for every element of a stretch of ``length`` or more consecutive True values.

    Stretches run along the last axis. An element is in such a stretch exactly when
    some window of ``length`` consecutive elements containing it is all True.
    """
    flags = np.asarray(flags, dtype=bool)
    if length <= 1:
        return flags.copy()
    size = flags.shape[-1]
    out = np.zeros(flags.shape, dtype=bool)
    if length > size:
        return out
    # count[..., i]: True values before element i; full[..., j]: elements j to
    # j + length - 1 are all True.
    count = np.cumsum(flags, axis=-1)
    count = np.concatenate([np.zeros_like(count[..., :1]), count], axis=-1)
    full = count[..., length:] - count[..., :-length] == length
    for offset in range(length):
        out[..., offset : offset + size - length + 1] |= full
    return out


def runs(values, centre, length: int = 7) -> np.ndarray:
    """+1 / -1 for points in a run of ``length`` or more above / below ``centre``, else 0.

    A point exactly on the centre line breaks a run. ``centre`` broadcasts against
    ``values``.
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
    out = np.zeros(values.shape, dtype=int)
    for sign in (1, -1):
        step = np.sign(np.diff(values, axis=-1)) == sign  # step i joins points i and i + 1
        in_trend = np.zeros(values.shape, dtype=bool)
        marked = _mark_stretches(step, length - 1)
        in_trend[..., :-1] |= marked
        in_trend[..., 1:] |= marked
        out[in_trend] = sign  # a falling trend overrides a rising one at a shared point
    return out


def beyond_limits(values, lcl, ucl) -> np.ndarray:
    """+1 above ``ucl``, -1 below ``lcl``, else 0."""
    values = np.asarray(values, dtype=float)
    return (values > np.asarray(ucl)).astype(int) - (values < np.asarray(lcl)).astype(int)


def signal_direction(*rules) -> np.ndarray:
    """One direction per point from several rule outputs (+1 / -1 / 0 arrays).

    The first rule that fires at a point decides (pass them in order of priority, e.g.
    beyond limits, trend, two-in-three, run); 0 where none fires.
    """
    out = np.zeros(np.shape(rules[0]), dtype=int)
    for rule in reversed(rules):
        rule = np.asarray(rule, dtype=int)
        out = np.where(rule != 0, rule, out)
    return out


def two_in_three(z, near: float = 2.0, limit: float = 3.0) -> np.ndarray:
    """+1 / -1 for points near a limit in a run of two-of-three on the same side, else 0.

    ``z`` is each point's distance from the centre in sigma units. A point is *near* a
    limit when ``near < |z| <= limit`` (beyond 2σ but not beyond the 3σ limits, as in
    NHSRplotthedots). A window of three consecutive points qualifies when at least two
    are near and all three lie on the same side of the centre; the near points of a
    qualifying window are marked.
    """
    z = np.asarray(z, dtype=float)
    near_flag = (np.abs(z) > near) & (np.abs(z) <= limit)
    side = np.sign(z).astype(int)
    out = np.zeros(z.shape, dtype=int)
    size = z.shape[-1]
    if size < 3:
        return out
    # Window j holds points j, j + 1 and j + 2.
    same_side = np.abs(side[..., :-2] + side[..., 1:-1] + side[..., 2:]) == 3
    near_count = near_flag[..., :-2].astype(int) + near_flag[..., 1:-1] + near_flag[..., 2:]
    qualifies = same_side & (near_count >= 2)
    in_window = np.zeros(z.shape, dtype=bool)
    for offset in range(3):
        in_window[..., offset : offset + size - 2] |= qualifies
    marked = in_window & near_flag
    out[marked] = side[marked]  # all three points of a qualifying window share one side
    return out


MDC_RULES = {
    "beyond": "a point beyond the 3-sigma limits",
    "trend": "7 points all rising or all falling",
    "two_in_three": "2 of 3 points beyond 2 sigma on the same side",
    "run": "7 points on one side of the centre line",
}


def mdc_rules(values, z, length: int = 7) -> pd.DataFrame:
    """The four *Making Data Count* rules on one chart, and the signal they give.

    ``values`` are the plotted values (trends are read on them) and ``z`` their
    distances from the centre line in sigma units (limits, near-limit points and runs
    are read on them). Returns one column per rule of :data:`MDC_RULES` (+1 above or
    rising, -1 below or falling, 0 none) and ``signal``, decided by the first rule that
    fires in the order of :data:`MDC_RULES` (NHSRplotthedots' order of priority).
    """
    rules = pd.DataFrame(_rule_outputs(values, z, length))
    rules["signal"] = signal_direction(*(rules[rule] for rule in MDC_RULES))
    return rules


def _rule_outputs(values, z, length: int = 7) -> dict:
    """The four rules' outputs on one series, or on many (2-D arrays, one series per row)."""
    z = np.asarray(z, dtype=float)
    return {
        "beyond": beyond_limits(z, -3.0, 3.0),
        "trend": trends(values, length=length),
        "two_in_three": two_in_three(z),
        "run": runs(z, 0.0, length=length),
    }


def stable_signal_rates(
    length: int = 36,
    baseline: int | None = None,
    monitor_from: int = 0,
    simulations: int = 10_000,
    seed: int = 2016,
) -> pd.DataFrame:
    """SIMULATION: how often a stable process signals under the four rules.

    Draws ``simulations`` series of ``length`` independent standard normal points (a
    process with no special cause), builds the XmR chart of each (limits fixed on the
    first ``baseline`` points, or on all), applies the rules of :func:`mdc_rules` (to
    all charts at once, one per row), and looks at the points from index
    ``monitor_from`` on. For large denominators a Laney p′ chart is an XmR chart of the
    z-scores, so the rates apply to it. Returns one row per simulated
    chart: ``any_signal``, ``any_low`` (a signal below the centre or falling: *concern*
    when higher is better), ``any_high``, and ``signal_points`` / ``low_points``.
    """
    rng = np.random.default_rng(seed)
    series = rng.standard_normal((simulations, length))  # one simulated chart per row
    base = series[:, _baseline_mask(length, baseline)]
    centre = base.mean(axis=1, keepdims=True)
    sigma_x = np.mean(np.abs(np.diff(base, axis=1)), axis=1, keepdims=True) / D2
    z = (series - centre) / sigma_x
    signal = signal_direction(*_rule_outputs(series, z).values())[:, monitor_from:]
    return pd.DataFrame(
        {
            "any_signal": (signal != 0).any(axis=1),
            "any_low": (signal < 0).any(axis=1),
            "any_high": (signal > 0).any(axis=1),
            "signal_points": (signal != 0).sum(axis=1),
            "low_points": (signal < 0).sum(axis=1),
        }
    )
