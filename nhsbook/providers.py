"""Which A&E providers are alike: specialist (children's) trusts and a crude case-mix screen.

The Intelligence chapter compares general acute trusts with each other. A children's
trust sees a different case mix (fewer admissions, shorter stays), so it is flagged
from a small cited list, ``data/specialist_trusts.csv``, and shown apart. The
admission proportion (emergency admissions from A&E per attendance) is the one
case-mix variable in the A&E data; :func:`admission_screen` marks providers whose
proportion is unusually low or high, so that no-one is called a dark spot before
that has been looked at.
"""

import numpy as np
import pandas as pd

GENERAL = "general acute"


def provider_group(org_codes, specialist: pd.DataFrame) -> pd.Series:
    """``"children's trust"`` for codes in ``specialist`` (specialty children), else general.

    ``specialist`` is the ``specialist_trusts`` resource (columns ``org_code`` and
    ``specialty``). Returns a Series aligned with ``org_codes``.
    """
    codes = pd.Series(np.asarray(org_codes, dtype=object))
    kinds = specialist.set_index("org_code").specialty.map({"children": "children's trust"})
    return codes.map(kinds).fillna(GENERAL).rename("group")


def provider_label(org_codes, specialist: pd.DataFrame) -> pd.Series:
    """A reader's name for each provider: ``"Sheffield Children's (RCU)"`` or the ODS code."""
    codes = pd.Series(np.asarray(org_codes, dtype=object))
    names = specialist.set_index("org_code").short_name
    named = codes.map(names)
    return named.where(named.isna(), named + " (" + codes + ")").fillna(codes).rename("provider")


def admission_screen(admission_share, low: float = 0.1, high: float = 0.9) -> pd.Series:
    """``"low"`` / ``"high"`` where a provider's admission proportion is outside the
    ``low`` and ``high`` quantiles of all providers, else ``"typical"``."""
    share = pd.Series(admission_share, dtype=float)
    lo, hi = share.quantile([low, high])
    return pd.Series(
        np.select([share < lo, share > hi], ["low", "high"], "typical"),
        index=share.index,
        name="admissions",
    )
