"""Publish ``data/`` on the site: every CSV, ``datapackage.json`` and one zip of them.

The build copies the files to ``_data/`` in the site (third-party files are never copied:
they are linked at their pinned public address), and the ``{data-downloads}`` directive on
the Data page lists them with their source. The zip is byte-identical between builds of the
same data (fixed timestamps, sorted names).
"""

import html
import shutil
import zipfile
from pathlib import Path

from nhsbook import datapackage
from nhsbook.paths import DATA

SITE_FOLDER = "_data"
ZIP_NAME = "nhsbook-data.zip"
EPOCH = (1980, 1, 1, 0, 0, 0)


def local_files(base: Path = DATA) -> list[str]:
    """The files of ``data/`` that the site publishes: the descriptor and every local CSV."""
    names = ["datapackage.json"]
    for res in datapackage.package(base / "datapackage.json")["resources"]:
        if not datapackage.is_remote(res):
            names.append(res["path"])
    return names


def publish(outdir: Path, base: Path = DATA) -> None:
    """Copy the data files and write the zip into ``outdir/_data``."""
    folder = Path(outdir) / SITE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    names = local_files(base)
    for name in names:
        shutil.copyfile(base / name, folder / name)
    with zipfile.ZipFile(folder / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(names):
            info = zipfile.ZipInfo(f"data/{name}", date_time=EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, (base / name).read_bytes(), zipfile.ZIP_DEFLATED)


def downloads_html(prefix: str, base: Path = DATA) -> str:
    """The Data page's table of downloads; ``prefix`` is the relative path to the site root."""
    esc = html.escape
    url = f"{prefix}{SITE_FOLDER}"
    rows = []
    for res in datapackage.package(base / "datapackage.json")["resources"]:
        sources = "; ".join(s.get("title", "") for s in res.get("sources", []))
        if datapackage.is_remote(res):
            link = f'<a href="{esc(res["path"])}">{esc(res["path"].rsplit("/", 1)[-1])}</a>'
            where = "third party: downloaded from its pinned address, checksum in the descriptor"
        else:
            link = f'<a href="{url}/{esc(res["path"])}" download>{esc(res["path"])}</a>'
            where = esc(sources)
        rows.append(
            f"<tr><td>{link}</td><td>{esc(res.get('title', res['name']))}</td><td>{where}</td></tr>"
        )
    return (
        f'<p class="nhsbook-data-downloads"><a href="{url}/{ZIP_NAME}" download>'
        f"All the book's data (zip)</a> · "
        f'<a href="{url}/datapackage.json" download>datapackage.json</a> '
        "(Frictionless Data Package: every field, type, constraint, source and licence)</p>"
        '<div class="nhsbook-table-wrap" tabindex="0" role="region" '
        'aria-label="Data files of the book"><table class="nhsbook-table">'
        '<caption>Data files of the book</caption><thead><tr><th scope="col">File</th>'
        '<th scope="col">What it holds</th><th scope="col">Source</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
