"""Figures rendered to SVG in the helper process are the bytes the build process would make."""

import pytest
import vl_convert

from nhsbook.sphinxext import figure_svg
from nhsbook.svgworker import SvgWorker

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"year": 2010, "value": 1.5}, {"year": 2011, "value": -2.25}]},
    "mark": "line",
    "encoding": {"x": {"field": "year", "type": "ordinal"}, "y": {"field": "value"}},
}


def test_helper_renders_what_the_build_process_renders_and_survives_a_bad_spec():
    worker = SvgWorker()
    try:
        first = worker.submit(SPEC)
        broken = worker.submit({"mark": "no-such-mark", "data": {"values": []}})
        second = worker.submit(SPEC | {"mark": "bar"})
        assert first.result(timeout=60) == vl_convert.vegalite_to_svg(SPEC)
        with pytest.raises(RuntimeError, match="vl_convert failed"):
            broken.result(timeout=60)
        assert second.result(timeout=60) == vl_convert.vegalite_to_svg(SPEC | {"mark": "bar"})
    finally:
        worker.close()


def test_the_build_draws_the_svg_itself_when_the_helper_ended():
    worker = SvgWorker()
    worker._process.kill()  # the helper dies (out of memory, killed)
    future = worker.submit(SPEC)
    worker.close()
    with pytest.raises(RuntimeError):
        future.result(timeout=60)
    assert figure_svg(SPEC, future) == vl_convert.vegalite_to_svg(SPEC)
