"""Glued numbers reach the prose as plain, platform-independent Python values."""

import numpy as np
from myst_nb import glue
from myst_nb.ext.glue import GLUE_PREFIX

from nhsbook import provenance, text


def displayed(monkeypatch, call) -> list[tuple[dict, dict]]:
    """The (bundle, metadata) pairs that ``call()`` displays through ``text.display``."""
    shown = []
    monkeypatch.setattr(
        text, "display", lambda bundle, raw, metadata: shown.append((bundle, metadata))
    )
    call()
    return shown


def test_glue_value_gives_plain_rounded_values(monkeypatch):
    shown = displayed(
        monkeypatch,
        lambda: [
            text.glue_value("share", np.float64(0.1) + np.float64(0.2)),
            text.glue_value("count", np.int64(309)),
            text.glue_value("label", "RCU"),
        ],
    )
    glued = {m["scrapbook"]["name"]: b[GLUE_PREFIX + "text/plain"] for b, m in shown}
    assert glued == {"share": "0.3", "count": "309", "label": "'RCU'"}


def test_glue_value_displays_what_myst_nb_glue_displays_plus_its_cell(monkeypatch):
    ours = displayed(monkeypatch, lambda: text.glue_value("share", 0.25))
    monkeypatch.setattr(
        "myst_nb.ext.glue.ipy_display", lambda b, raw, metadata: ours.append((b, metadata))
    )
    glue("share", 0.25, display=False)
    (bundle, metadata), (glue_bundle, glue_metadata) = ours
    assert bundle == glue_bundle
    assert {k: v for k, v in metadata.items() if k != provenance.METADATA_KEY} == glue_metadata
