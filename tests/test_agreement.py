"""Cohen's kappa with its interval (nhsbook.agreement) on examples with known answers."""

import math

import numpy as np
import pandas as pd
import pytest

from nhsbook.agreement import (
    agreement_table,
    bootstrap_kappa,
    cohen_kappa,
    multilabel_indicators,
)


def codings(table: list[list[int]], labels: list[str]) -> tuple[pd.Series, pd.Series]:
    """Two codings whose cross-tabulation is ``table`` (rows: first coder)."""
    first, second = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            first += [labels[i]] * count
            second += [labels[j]] * count
    return pd.Series(first), pd.Series(second)


def fleiss_cohen_everitt_se(table: np.ndarray) -> float:
    """Large-sample SE of kappa (Fleiss, Cohen and Everitt 1969), written out by hand."""
    n = table.sum()
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po, pe = np.trace(p), rows @ cols
    kappa = (po - pe) / (1 - pe)
    k = len(p)
    a = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(k))
    b = (1 - kappa) ** 2 * sum(
        p[i, j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j
    )
    c = (kappa - pe * (1 - kappa)) ** 2
    return math.sqrt((a + b - c) / (n * (1 - pe) ** 2))


def test_textbook_two_by_two():
    """50 items, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po = 0.7, pe = 0.5, kappa = 0.4."""
    result = cohen_kappa(*codings([[20, 5], [10, 15]], ["yes", "no"]))
    assert result.n == 50
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.4)
    se = fleiss_cohen_everitt_se(np.array([[20, 5], [10, 15]]))
    assert result.se == pytest.approx(se)
    assert result.low == pytest.approx(0.4 - 1.959964 * se, abs=1e-6)
    assert result.high == pytest.approx(0.4 + 1.959964 * se, abs=1e-6)


def test_three_categories_match_the_hand_formula():
    table = np.array([[22, 2, 2], [1, 6, 3], [0, 2, 12]])
    result = cohen_kappa(*codings(table.tolist(), ["a", "b", "c"]))
    po = np.trace(table) / table.sum()
    pe = table.sum(axis=1) @ table.sum(axis=0) / table.sum() ** 2
    assert result.kappa == pytest.approx((po - pe) / (1 - pe))
    assert result.se == pytest.approx(fleiss_cohen_everitt_se(table))


def test_perfect_and_chance_agreement():
    same = pd.Series(["a", "b", "c", "a", "b"])
    assert cohen_kappa(same, same).kappa == pytest.approx(1.0)
    assert cohen_kappa(same, same).high == 1.0
    # Independent margins (each cell = row share x column share): kappa = 0.
    chance = cohen_kappa(*codings([[4, 4], [4, 4]], ["x", "y"]))
    assert chance.kappa == pytest.approx(0.0)
    assert chance.low < 0 < chance.high


def test_missing_is_a_category_and_one_category_is_undefined():
    first = pd.Series(["a", None, "b", None])
    second = pd.Series(["a", None, "b", "b"])
    table = agreement_table(first, second)
    assert "(none)" in table.index and table.to_numpy().sum() == 4
    single = cohen_kappa(pd.Series(["a"] * 5), pd.Series(["a"] * 5))
    assert math.isnan(single.kappa) and single.observed == 1.0


def test_lengths_must_match():
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa(pd.Series(["a", "b"]), pd.Series(["a"]))


def test_multilabel_indicators():
    codes = pd.Series(["interviews;surveys", "opinion", "surveys"])
    flags = multilabel_indicators(codes, ["interviews", "surveys", "opinion"])
    assert flags["surveys"].tolist() == [True, False, True]
    assert flags["opinion"].tolist() == [False, True, False]
    with pytest.raises(ValueError, match="hearsay"):
        multilabel_indicators(pd.Series(["hearsay"]), ["opinion"])


def test_bootstrap_kappa_matches_cohen_kappa_on_each_resample():
    rng = np.random.default_rng(1)
    first = rng.random((40, 5)) < 0.3
    second = np.where(rng.random((40, 5)) < 0.8, first, ~first)
    draws = np.random.default_rng(7).integers(0, 40, (50, 40))
    expected = [
        cohen_kappa(pd.Series(first[rows].ravel()), pd.Series(second[rows].ravel())).kappa
        for rows in draws
    ]
    np.testing.assert_allclose(bootstrap_kappa(first, second, resamples=50, seed=7), expected)


def test_bootstrap_kappa_is_nan_when_one_category_throughout():
    flags = np.zeros((6, 2), dtype=bool)
    assert np.isnan(bootstrap_kappa(flags, flags, resamples=3)).all()
