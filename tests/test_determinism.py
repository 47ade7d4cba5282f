"""The notebooks a reader downloads are the same bytes on every build."""

import difflib
import json
import re

from conftest import ROOT, build, tail

from nhsbook.downloads import stable_cell_ids

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{6,}")


def downloads(site) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes()
        for p in sorted((site / "_sources").rglob("*.ipynb"))
    }


def test_cell_ids_are_numbered(tmp_path):
    notebook = tmp_path / "page.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "markdown", "id": "9f3a1c2e", "metadata": {}, "source": "Text"},
                    {
                        "cell_type": "code",
                        "id": "0b7d4e61",
                        "metadata": {},
                        "source": "1 + 1",
                        "execution_count": 1,
                        "outputs": [],
                    },
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    stable_cell_ids(notebook)
    first = notebook.read_bytes()
    assert [c["id"] for c in json.loads(first)["cells"]] == ["cell-1", "cell-2"]
    stable_cell_ids(notebook)
    assert notebook.read_bytes() == first


def test_no_output_shows_an_object_address(site):
    """``<... at 0x7f...>`` reprs (a Styler left as a cell's value) change on every run."""
    found = [
        f"{name}: {match.group(0)!r} in {line.strip()[:100]!r}"
        for name, content in downloads(site).items()
        for line in content.decode("utf-8").splitlines()
        if (match := ADDRESS.search(line))
    ]
    assert not found, "object addresses in downloaded notebooks:\n" + "\n".join(found)


def test_downloaded_notebooks_are_identical_between_builds(site, second_build):
    first, second = downloads(site), downloads(second_build / "_build" / "html")
    assert first, "no notebooks offered for download"
    assert sorted(first) == sorted(second)
    differing = []
    for name, content in first.items():
        if content != second[name]:
            diff = difflib.unified_diff(
                content.decode().splitlines(), second[name].decode().splitlines(), lineterm="", n=0
            )
            differing.append(f"{name}:\n  " + "\n  ".join(list(diff)[2:8]))
    assert not differing, f"downloads differ between two builds of {ROOT.name}:\n" + "\n".join(
        differing
    )


def test_unchanged_rebuild_executes_nothing(second_build):
    """Rebuilding a built book executes nothing (a copy: the site is read by other tests)."""
    result = build(second_build)
    assert result.returncode == 0, tail(result)
    assert not re.search(r"(?i)executing \d* ?notebook", result.stdout), result.stdout[-3000:]
