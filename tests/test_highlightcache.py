"""Highlighted code kept between builds (nhsbook.highlightcache) is what Pygments gives,
is never kept when highlighting warned, and is dropped when the settings change."""

import logging
from types import SimpleNamespace

from sphinx.highlighting import PygmentsBridge

from nhsbook import highlightcache

CODE = "import pandas as pd\nframe = pd.DataFrame({'a': [1, 2]})\n"


def highlighter_with_cache(tmp_path, bridge=None):
    bridge = bridge or PygmentsBridge("html", "default")
    app = SimpleNamespace(
        builder=SimpleNamespace(highlighter=bridge, format="html"),
        outdir=str(tmp_path / "_build" / "html"),
    )
    (tmp_path / "_build").mkdir(exist_ok=True)
    highlightcache.on_builder_inited(app)
    return app, bridge


def test_a_kept_block_is_what_pygments_gives_and_survives_the_build(tmp_path, monkeypatch):
    expected = PygmentsBridge("html", "default").highlight_block(CODE, "python")
    app, bridge = highlighter_with_cache(tmp_path)
    assert bridge.highlight_block(CODE, "python") == expected
    highlightcache.on_build_finished(app, None)
    calls = []
    original = PygmentsBridge.highlight_block
    monkeypatch.setattr(
        PygmentsBridge, "highlight_block", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    app, bridge = highlighter_with_cache(tmp_path)  # the next build
    assert bridge.highlight_block(CODE, "python") == expected
    assert not calls, "the kept block was highlighted again"
    assert bridge.highlight_block(CODE, "python", linenos="table") != expected
    assert len(calls) == 1


def test_a_block_that_warned_is_not_kept(tmp_path):
    app, bridge = highlighter_with_cache(tmp_path)
    state = app.nhsbook_highlighting[2]
    warn = logging.getLogger("sphinx.sphinx.highlighting")
    noisy = highlightcache.cached(
        lambda *a, **k: warn.warning("could not lex") or "<pre>x</pre>",
        state,
        next(f for f in warn.filters if isinstance(f, highlightcache._Warnings)),
    )
    assert noisy("x", "python") == "<pre>x</pre>"
    assert not state["new"] and not state["entries"]


def test_other_settings_start_afresh(tmp_path):
    app, bridge = highlighter_with_cache(tmp_path)
    bridge.highlight_block(CODE, "python")
    highlightcache.on_build_finished(app, None)
    other = PygmentsBridge("html", "monokai")
    assert highlightcache.settings(other) != highlightcache.settings(bridge)
    app, other = highlighter_with_cache(tmp_path, other)
    other.highlight_block(CODE, "python")
    assert len(app.nhsbook_highlighting[2]["entries"]) == 1
    assert app.nhsbook_highlighting[2]["build"] == 1, "the other settings' cache was used"
