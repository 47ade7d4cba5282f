"""Glued numbers reach the prose as plain, platform-independent Python values."""

import numpy as np

from nhsbook import text


def test_glue_value_gives_plain_rounded_values(monkeypatch):
    glued = {}
    monkeypatch.setattr(text, "glue", lambda name, value, display: glued.update({name: value}))
    text.glue_value("share", np.float64(0.1) + np.float64(0.2))
    text.glue_value("count", np.int64(309))
    text.glue_value("label", "RCU")
    assert glued == {"share": 0.3, "count": 309, "label": "RCU"}
    assert type(glued["share"]) is float and type(glued["count"]) is int
