"""The execution cache can neither serve stale outputs nor delete anything outside the build.

- whatever the working directory, the cache is the book's own ``_build/.jupyter_cache``, and
  a change of data is never served from it (built from another folder, then from the book's);
- the fingerprint covers third-party files by the hash of the local copy;
- a cache path outside ``_build`` (relative, absolute, or through a symlink) is refused with a
  clear error, and the folder it points at survives.
"""

import shutil
from pathlib import Path

import pytest
from conftest import build_from, final_report, set_cell, tail
from test_build import mini_book

from nhsbook import cache, data, datapackage

COUNT = """
```{code-cell} ipython3
import nhsbook

counts = nhsbook.load("reported_counts")
print("COUNT", counts.set_index("count_id").at["substudies", "value"], "END")
```
"""


def shown_count(book: Path) -> str:
    html = (book / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    return html.split("COUNT ", 1)[1].split(" END", 1)[0]


# --------------------------------------------------------------------------- resolution


def test_cache_resolves_against_the_book_not_the_cwd(tmp_path, monkeypatch):
    book = tmp_path / "book"
    (book / "_build").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    expected = (book / "_build" / cache.CACHE_NAME).resolve()
    assert cache.resolve(book, book / "_build", "_build/.jupyter_cache") == expected
    assert cache.resolve(book, book / "_build", "") == expected
    assert cache.resolve(book, book / "_build", str(expected)) == expected


@pytest.mark.parametrize(
    "setting",
    ["../.jupyter_cache", "ABSOLUTE", "_build/.jupyter_cache (symlink)", "_build", "data"],
)
def test_cache_outside_the_build_is_refused_and_survives(tmp_path, setting):
    book, outside = tmp_path / "book", tmp_path / ".jupyter_cache"
    (book / "_build").mkdir(parents=True)
    outside.mkdir()
    (outside / "keep").write_text("not the book's")
    (book / "data").mkdir()
    if setting == "ABSOLUTE":
        setting = str(outside)
    elif setting.endswith("(symlink)"):
        (book / "_build" / cache.CACHE_NAME).symlink_to(outside)
        setting = "_build/.jupyter_cache"
    with pytest.raises(cache.CacheLocationError, match="deletes nothing outside its own build"):
        path = cache.resolve(book, book / "_build", setting)
        cache.clear(path, book / "_build")
    assert (outside / "keep").is_file()
    assert (book / "data").is_dir()


def test_clear_deletes_the_cache_inside_the_build(tmp_path):
    build_dir = tmp_path / "book" / "_build"
    (build_dir / cache.CACHE_NAME / "executed").mkdir(parents=True)
    cache.clear(cache.resolve(tmp_path / "book", build_dir, "_build/.jupyter_cache"), build_dir)
    assert not (build_dir / cache.CACHE_NAME).exists() and build_dir.is_dir()


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_covers_third_party_files_by_hash(tmp_path, monkeypatch, fresh):
    book = mini_book(tmp_path / "book", "Text.\n")
    mirror = tmp_path / "mirror"
    shutil.copytree(data.mirror_dir() or pytest.skip("no data mirror"), mirror)
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    before = cache.fingerprint(book)
    assert cache.fingerprint(book) == before
    shmi = mirror / "all.years.NHS.csv"
    shmi.write_bytes(shmi.read_bytes().replace(b"3.9", b"3.8", 1))
    assert cache.fingerprint(book) != before
    shmi.unlink()  # and a missing copy is a change too
    monkeypatch.setattr(datapackage, "_pooch_cache", lambda: tmp_path / "no-downloads")
    assert cache.fingerprint(book) != before


# --------------------------------------------------------------------------- builds


def test_changed_data_is_never_served_from_the_cache_whatever_the_cwd(tmp_path):
    book = mini_book(tmp_path / "book", COUNT)
    elsewhere = tmp_path / "elsewhere"
    first = build_from(book, elsewhere)
    assert first.returncode == 0, tail(first)
    assert shown_count(book) == "7"
    set_cell(book / "data", "reported_counts", 1, "value", "8")
    second = build_from(book, elsewhere)
    assert second.returncode == 0, tail(second)
    assert shown_count(book) == "8", "a data change was served from the cache"
    assert not (elsewhere / "_build").exists(), "the cache must live in the book's _build"
    set_cell(book / "data", "reported_counts", 1, "value", "9")
    third = build_from(book, book)
    assert third.returncode == 0, tail(third)
    assert shown_count(book) == "9"


@pytest.mark.parametrize("setting", ["../.jupyter_cache", "ABSOLUTE", "symlink"])
def test_build_refuses_a_cache_outside_the_build(tmp_path, setting):
    book = mini_book(tmp_path / "book", "Text.\n")
    outside = tmp_path / ".jupyter_cache"
    outside.mkdir()
    (outside / "keep").write_text("not the book's")
    config = book / "_config.yml"
    if setting == "symlink":
        (book / "_build").mkdir(exist_ok=True)
        (book / "_build" / cache.CACHE_NAME).symlink_to(outside)
    else:
        value = str(outside) if setting == "ABSOLUTE" else setting
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("cache: _build/.jupyter_cache", f"cache: {value}"))
    result = build_from(book, tmp_path / "elsewhere")
    assert result.returncode != 0
    assert (outside / "keep").is_file(), "a folder outside the book was deleted"
    (report,) = final_report(result)
    assert report.startswith("The execution cache"), report
    assert "deletes nothing outside its own build folder" in report
    assert "How to fix: set `execute: cache: _build/.jupyter_cache`" in report
