"""Compare the figures of a build with the committed snapshots in ``tests/figures/``.

    python -m nhsbook.snapshots            # check _build/html/_figures against tests/figures
    python -m nhsbook.snapshots --update   # accept the built figures as the new snapshots
                                           # (``make figures`` builds first, then updates)

A difference is reported per figure as ``path in the spec: old -> new``.
Altair names inline datasets by a hash of their content; names are replaced
by their order of use before comparing, so a changed number shows up as that
number, not as a renamed dataset.
"""

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from nhsbook.paths import BUILD, FIGURES_URL, SNAPSHOTS

SUFFIX = ".vl.json"
MAX_DIFFERENCES = 12


def read_specs(folder: Path) -> dict[str, dict]:
    """``{figure id: spec}`` for every ``<id>.vl.json`` in ``folder``."""
    return {
        p.name.removesuffix(SUFFIX): json.loads(p.read_text()) for p in folder.glob(f"*{SUFFIX}")
    }


def normalise(spec: dict) -> dict:
    """The spec with content-hash dataset names replaced by ``dataset-1``, ``dataset-2``, ..."""
    text = json.dumps(spec, sort_keys=True)
    names = list(dict.fromkeys(re.findall(r'"(data-[0-9a-f]{16,})"', text)))
    for i, name in enumerate(names, start=1):
        text = text.replace(f'"{name}"', f'"dataset-{i}"')
    return json.loads(text)


def differences(old, new, path: str = "") -> list[str]:
    """Readable ``path: old -> new`` lines for everything that differs."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(old.keys() | new.keys()):
            where = f"{path}.{key}" if path else key
            if key not in new:
                out.append(f"{where}: removed (was {_short(old[key])})")
            elif key not in old:
                out.append(f"{where}: added ({_short(new[key])})")
            else:
                out += differences(old[key], new[key], where)
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = [
            line
            for i, (a, b) in enumerate(zip(old, new, strict=False))
            for line in differences(a, b, f"{path}[{i}]")
        ]
        if len(old) != len(new):
            out.append(f"{path}: {len(old)} items -> {len(new)} items")
        return out
    return [] if old == new else [f"{path}: {_short(old)} -> {_short(new)}"]


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def compare(built: Path, snapshots: Path = SNAPSHOTS) -> list[str]:
    """Problems found: changed figures, figures without snapshot, snapshots without figure."""
    new, old = read_specs(built), read_specs(snapshots)
    problems = []
    for fid in sorted(new.keys() - old.keys()):
        problems.append(f"figure {fid}: no snapshot in {snapshots} (run `make figures`)")
    for fid in sorted(old.keys() - new.keys()):
        problems.append(f"figure {fid}: snapshot exists but the book no longer makes this figure")
    for fid in sorted(new.keys() & old.keys()):
        lines = differences(normalise(old[fid]), normalise(new[fid]))
        if lines:
            shown = "\n    ".join(lines[:MAX_DIFFERENCES])
            more = (
                f"\n    ... {len(lines) - MAX_DIFFERENCES} more"
                if len(lines) > MAX_DIFFERENCES
                else ""
            )
            problems.append(f"figure {fid}: differs from its snapshot\n    {shown}{more}")
    return problems


def update(built: Path, snapshots: Path = SNAPSHOTS) -> int:
    """Replace the snapshots by the built specs; return how many there are."""
    if not any(built.glob(f"*{SUFFIX}")):
        raise SystemExit(f"no figures in {built}: build the book first (make book)")
    snapshots.mkdir(parents=True, exist_ok=True)
    for old in snapshots.glob(f"*{SUFFIX}"):
        old.unlink()
    for spec in sorted(built.glob(f"*{SUFFIX}")):
        shutil.copy(spec, snapshots / spec.name)
    return len(list(snapshots.glob(f"*{SUFFIX}")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="accept the built figures")
    parser.add_argument("--built", type=Path, default=BUILD / "html" / FIGURES_URL)
    args = parser.parse_args(argv)
    if args.update:
        print(f"{update(args.built)} figure snapshots written to {SNAPSHOTS}")
        return 0
    problems = compare(args.built)
    print("\n".join(problems) if problems else f"{len(read_specs(args.built))} figures match")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
