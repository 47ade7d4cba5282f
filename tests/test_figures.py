"""Figures regenerate from data/ and match their committed snapshots; the check can fail."""

import csv
import json
import shutil

from conftest import ROOT, build, chapter_book, executed_notebooks, tail

from nhsbook import figures, sphinxext
from nhsbook.paths import FIGURES_URL, SNAPSHOTS
from nhsbook.snapshots import compare, read_specs

# The data file changed on purpose, the row and column changed, and a figure drawn from it.
MUTATION = {"file": "survey_means.csv", "row": 0, "column": "mean", "figure": "goals-table2-trends"}
VEGA_MIME = ("application/vnd.vegalite", "application/vnd.vega")


def test_built_figures_match_snapshots(site):
    problems = compare(site / FIGURES_URL)
    assert not problems, "\n".join(problems)


def test_every_figure_has_its_downloads_and_index_entry(site):
    folder = site / FIGURES_URL
    index = {entry["id"]: entry for entry in json.loads((folder / "index.json").read_text())}
    for fid in read_specs(folder):
        for ext in ("csv", "svg"):
            assert (folder / f"{fid}.{ext}").stat().st_size > 0, f"{fid}.{ext} missing"
        entry = index[fid]
        assert entry["alt"].strip() and entry["caption"].strip() and entry["source"], fid


def test_a_figure_without_snapshot_fails(site, tmp_path):
    snapshots = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, snapshots)
    dropped = sorted(snapshots.glob("*.vl.json"))[0]
    dropped.unlink()
    problems = compare(site / FIGURES_URL, snapshots)
    fid = dropped.name.removesuffix(".vl.json")
    assert problems == [f"figure {fid}: no snapshot in {snapshots} (run `make figures`)"]


def test_a_snapshot_without_figure_fails(site, tmp_path):
    snapshots = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, snapshots)
    (snapshots / "retired-figure.vl.json").write_text("{}")
    problems = compare(site / FIGURES_URL, snapshots)
    assert problems == [
        "figure retired-figure: snapshot exists but the book no longer makes this figure"
    ]


def test_every_chart_goes_through_show_figure(site):
    """No chapter output may carry a chart other than through nhsbook.show_figure."""
    offenders = []
    notebooks = executed_notebooks(ROOT)
    assert notebooks, "no executed notebooks found"
    for page, notebook in notebooks.items():
        for i, cell in enumerate(notebook.cells):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                html = "".join(data.get("text/html", ""))
                if (
                    any(m.startswith(VEGA_MIME) for m in data)
                    or ("vegaEmbed" in html or "vega-embed" in html)
                    and "data-nhsbook-figure" not in html
                ):
                    offenders.append(f"{page} cell {i}")
    assert not offenders, f"charts displayed without show_figure: {offenders}"


def test_changed_data_fails_the_check_naming_the_figure(site, tmp_path):
    """A data change re-executes the notebooks although their code did not change (a
    one-chapter book starting from the session build's caches), and the snapshot check
    names the figure and the new value."""
    project = chapter_book(tmp_path / "project", "goals", with_build=True)
    data_file = project / "data" / MUTATION["file"]
    with data_file.open(newline="") as f:
        rows = list(csv.DictReader(f))
    value = float(rows[MUTATION["row"]][MUTATION["column"]])
    rows[MUTATION["row"]][MUTATION["column"]] = f"{value + 0.01:.2f}"
    with data_file.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = build(project)
    assert result.returncode == 0, tail(result)
    problems = compare(project / "_build" / "html" / FIGURES_URL)
    assert any(p.startswith(f"figure {MUTATION['figure']}: differs") for p in problems), problems
    assert f"{value + 0.01:.2f}" in "\n".join(problems), "the report should show the new value"


def test_figure_files_are_rewritten_when_the_spec_digest_differs(tmp_path):
    """The build compares a written spec with the digest taken when its page was read."""
    spec = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    payload = {"id": "a-figure", "spec": spec}
    payload[sphinxext.SPEC_DIGEST] = sphinxext.spec_digest(payload)
    spec_file, svg_file = sphinxext.figure_files(tmp_path, "a-figure")
    sphinxext.write_figure_files(tmp_path, payload)
    assert spec_file.read_text(encoding="utf-8") == figures.spec_json(spec)
    assert sphinxext.spec_is_current(spec_file, payload[sphinxext.SPEC_DIGEST])
    svg_file.write_text("kept: the spec did not change")
    sphinxext.write_figure_files(tmp_path, payload)
    assert svg_file.read_text() == "kept: the spec did not change"
    spec_file.write_text("{}\n")  # an older spec on disk: everything is written again
    sphinxext.write_figure_files(tmp_path, payload)
    assert spec_file.read_text(encoding="utf-8") == figures.spec_json(spec)
    assert svg_file.read_text().startswith("<svg")
