"""Scholarly apparatus: numbered figures with permalinks, {fig} references, tidy figure CSVs,
and the data published on the site."""

import csv
import re
import zipfile

import pandas as pd

from nhsbook import datasite, fignum
from nhsbook.sphinxext import spec_data_frame, tidy

FIGURE = (
    '<figure class="nhsbook-figure" id="fig-a-b" data-nhsbook-figure="a-b"><div></div>'
    '<figcaption><span class="nhsbook-caption">Caption</span></figcaption></figure>'
)


def test_number_goes_at_the_start_of_the_caption_with_a_permalink():
    numbered = fignum.number_caption(FIGURE, "a-b", "3.2")
    assert (
        '<span class="nhsbook-caption"><span class="nhsbook-fignum">Figure 3.2</span>' in numbered
    )
    assert 'href="#fig-a-b"' in numbered
    assert fignum.number_caption(FIGURE, "other", "1.1") == FIGURE


def test_figures_are_numbered_by_chapter_in_page_order():
    class Env:
        toc_secnumbers = {"ch/a": {"": (2,)}, "ch/b": {"": (3,)}, "intro": {}}

    figures = [("ch/a", {"id": "x"}), ("ch/a", {"id": "y"}), ("ch/b", {"id": "z"})]
    figures.append(("intro", {"id": "w"}))
    assert fignum.figure_numbers(Env, figures) == {
        "x": ("ch/a", "2.1"),
        "y": ("ch/a", "2.2"),
        "z": ("ch/b", "3.1"),
        "w": ("intro", "1"),
    }


def test_figure_csvs_have_no_hash_names_and_no_lists_in_cells():
    spec = {
        "datasets": {"data-f00": [{"org": "A", "p": [1, 2]}], "data-0ba": [{"x": 1}]},
        "layer": [{"data": {"name": "data-0ba"}}, {"data": {"name": "data-f00"}}],
    }
    frame = spec_data_frame(spec)
    assert list(frame.part) == [1, 2, 2]  # in order of first use
    assert not frame.astype(str).apply(lambda c: c.str.contains("data-")).any().any()
    assert tidy(pd.DataFrame({"a": [[1, 2], [3]]})).a.tolist() == [1, 2, 3]
    uneven = tidy(pd.DataFrame({"a": [[1, 2]], "b": [[3]]}))
    assert (uneven.a.tolist(), uneven.b.tolist()) == (["1; 2"], ["3"])


def test_every_figure_is_numbered_and_listed_by_number(site):
    for page in (site / "chapters").glob("*.html"):
        text = page.read_text()
        ids = re.findall(r'<figure class="nhsbook-figure" id="fig-([^"]+)"', text)
        numbers = re.findall(r'<span class="nhsbook-fignum">Figure (\d+\.\d+)</span>', text)
        assert len(numbers) == len(ids), page.name
        assert numbers == sorted(set(numbers), key=lambda n: int(n.split(".")[1])), page.name
    index = (site / "book" / "figures.html").read_text()
    assert re.search(r'#fig-goals-[a-z0-9-]+">Figure 2\.1</a>', index)


def test_the_data_are_published_with_a_reproducible_zip(site, tmp_path):
    folder = site / datasite.SITE_FOLDER
    names = datasite.local_files()
    for name in names:
        assert (folder / name).is_file(), name
    with zipfile.ZipFile(folder / datasite.ZIP_NAME) as archive:
        assert sorted(archive.namelist()) == sorted(f"data/{n}" for n in names)
    datasite.publish(tmp_path)
    zips = [(f / datasite.ZIP_NAME).read_bytes() for f in (folder, tmp_path / "_data")]
    assert zips[0] == zips[1]
    page = (site / "book" / "data.html").read_text()
    assert f'href="../_data/{datasite.ZIP_NAME}"' in page
    for name in names:
        assert f'href="../_data/{name}"' in page, name
    with open(folder / "survey_means.csv", newline="", encoding="utf-8") as f:
        assert "locator" in next(csv.reader(f))


def test_every_page_has_a_description_and_open_graph_tags(site):
    for page in site.rglob("*.html"):
        if page.parent.name.startswith("_"):
            continue
        head = page.read_text().split("</head>")[0]
        if 'http-equiv="Refresh"' in head:
            continue  # the front door: a redirect to the first page
        for tag in ('name="description"', 'property="og:title"', 'property="og:description"'):
            assert head.count(tag) == 1, f"{page.relative_to(site)}: {tag}"


def test_the_front_door_is_a_whole_page_that_asks_for_no_icon(site):
    """index.html redirects to the first page; without an icon of its own, browsers ask
    for /favicon.ico, which the site does not have (nhsbook.assets.front_door)."""
    door = (site / "index.html").read_text(encoding="utf-8")
    assert door.startswith("<!DOCTYPE html>") and '<html lang="en">' in door
    assert "<title>Culture and behaviour in the English NHS</title>" in door
    assert 'content="0; url=book/intro.html"' in door and 'href="book/intro.html"' in door
    assert '<link rel="icon" href="data:,">' in door
    assert not (site / "favicon.ico").exists()


def test_the_front_page_says_how_to_cite_from_citation_cff(site):
    from nhsbook import citing

    cff = citing.citation_file()
    page = (site / "book" / "intro.html").read_text()
    assert f"Version:</strong> {cff['version']}" in page
    assert f"Last updated:</strong> {citing.last_updated()}" in page
    assert "@book{nhsbook," in page and "placeholder" in page
    assert "10.1136/bmjqs-2013-001947" in page
    assert 'href="changelog.html"' in page


def test_the_front_page_has_one_glued_key_finding_per_chapter(site):
    page = (site / "book" / "intro.html").read_text()
    findings = page[page.index('id="key-findings"') : page.index('id="the-chapters"')]
    items = re.findall(r"<li>(.*?)</li>", findings, re.S)
    assert len(items) == 6
    for item in items:
        assert 'class="pasted-text"' in item, item[:80]
