"""Offline check that Binder's environment resolves (needs PyPI, not Docker).

repo2docker (the builder behind Binder) first installs its own base environment
(JupyterLab, notebook, jupyterhub-singleuser, ...) from a conda lock file that ships
inside the ``jupyter-repo2docker`` package, then runs ``mamba env update`` with our
``environment.yml``, whose pip section upgrades what we pin and leaves the rest.
This script writes that final set (our pins over the base pins) and asks pip to
resolve it, so a conflict such as notebook 7.4 (jupyterlab<4.5) against our
jupyterlab 4.6 shows up as ResolutionImpossible.

Run it in a throw-away Python 3.11 virtual environment:

    python3.11 -m venv /tmp/r2d && /tmp/r2d/bin/pip install jupyter-repo2docker
    /tmp/r2d/bin/python lab/check_binder_env.py environment.yml

It does not check what only a real image build shows (conda's own solve, the
postBuild step, the server starting on Binder).
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import repo2docker

# Not nhsbook.lockfile: importing nhsbook needs the book's whole environment.
PIN = re.compile(r"^\s*-\s*([A-Za-z0-9._-]+)==(\S+)")
CONDA_TO_PYPI = {
    "brotli-python": "brotli",
    "python-fastjsonschema": "fastjsonschema",
    "nbconvert-core": "nbconvert",
    "jupyterhub-base": "jupyterhub",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_pins(python: str = "3.11") -> dict[str, str]:
    """Python packages of repo2docker's base environment for ``python`` (linux-64)."""
    lock = Path(repo2docker.__file__).parent / "buildpacks" / "conda"
    lock = lock / f"environment.py-{python}-linux-64.lock"
    pins = {}
    for line in lock.read_text().splitlines():
        if line.startswith("http"):
            file = re.sub(r"\.(conda|tar\.bz2)$", "", line.split("#")[0].rsplit("/", 1)[-1])
            name, version, build = file.rsplit("-", 2)
            if "py" in build and name != "python":
                pins[normalise(CONDA_TO_PYPI.get(name, name))] = version
    return pins


def main(environment_yml: str) -> int:
    lines = Path(environment_yml).read_text().splitlines()
    ours = {normalise(m[1]): m[2] for m in map(PIN.match, lines) if m}
    base = base_pins()
    final = base | ours
    kept = sorted(set(base) - set(ours))
    print(f"repo2docker {repo2docker.__version__}: {len(base)} base packages, {len(ours)} ours;")
    print("kept at the base version:", ", ".join(f"{n}=={base[n]}" for n in kept))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.writelines(f"{n}=={v}\n" for n, v in sorted(final.items()))
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    return subprocess.run([*command, "--quiet", "-r", f.name]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "environment.yml"))
