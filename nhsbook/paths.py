"""Where things are, relative to the package, so notebooks run from any folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DATAPACKAGE = DATA / "datapackage.json"
REFERENCES = ROOT / "book" / "references.bib"
SNAPSHOTS = ROOT / "tests" / "figures"
BUILD = ROOT / "_build"
FIGURES_URL = "_figures"  # folder of figure downloads in the built site
