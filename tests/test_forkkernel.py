"""Kernels forked from the build's kernel server start as ordinary kernels would
(nhsbook.forkkernel): the same working directory, ``sys.argv``, ``sys.path``, environment and
user namespace, and matplotlib (imported by pingouin in the server) with the same settings
and inline figures; interrupts reach them, they die with their launcher, and without a
server, or where matplotlib would read other settings, the launcher is an ordinary kernel."""

import json
import socket
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

from nhsbook.forkkernel import (
    INLINE_BACKEND,
    PRELOAD,
    KernelServer,
    matplotlib_context,
    preload_for,
)

PROBE = """
import json, os, sys
print(json.dumps({
    "preloaded": "pandas" in sys.modules,
    "cwd": os.getcwd(),
    "argv": [os.path.basename(sys.argv[0]), *sys.argv[1:2]],
    "path0": sys.path[0],
    "variable": os.environ.get("NHSBOOK_PROBE"),
    "parent": "JPY_PARENT_PID" in os.environ,
    "names": sorted(n for n in globals() if not n.startswith("_")),
}))
"""


# matplotlib as a chapter meets it after `import pingouin`: its settings, and a figure.
MATPLOTLIB_PROBE = """
import json, sys
preloaded = "pingouin" in sys.modules
import matplotlib, pingouin
import matplotlib.pyplot as plt
print(json.dumps({
    "preloaded": preloaded,
    "backend": matplotlib.get_backend(),
    "interactive": matplotlib.is_interactive(),
    "rc": {key: str(value) for key, value in matplotlib.rcParams.items()},
}))
plt.plot([1, 3, 2])
"""


def notebook(*sources: str):
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )


def execute(nb, cwd, manager=None, **options):
    if manager:
        options["kernel_manager_class"] = manager
    options.setdefault("timeout", 60)
    resources = {"metadata": {"path": str(cwd)}}
    client = NotebookClient(nb, kernel_name="python3", resources=resources, **options)
    client.execute()
    return nb


def probe(cwd, manager=None) -> dict:
    nb = execute(notebook(PROBE), cwd, manager)
    return json.loads(nb.cells[0].outputs[0]["text"])


@pytest.fixture(scope="module")
def server():
    server = KernelServer()
    yield server
    server.close()


def test_a_forked_kernel_starts_as_an_ordinary_kernel_would(server, tmp_path, monkeypatch):
    monkeypatch.setenv("NHSBOOK_PROBE", "passed on")
    forked = probe(tmp_path, server.manager_class())
    ordinary = probe(tmp_path)
    assert forked.pop("preloaded") and not ordinary.pop("preloaded")
    assert forked == ordinary
    assert forked["cwd"] == str(tmp_path) and forked["variable"] == "passed on"


def matplotlib_probe(cwd, manager=None) -> tuple[dict, list]:
    """matplotlib's settings in a kernel, and the outputs of a cell that draws a figure."""
    nb = execute(notebook(MATPLOTLIB_PROBE), cwd, manager)
    stream, *shown = nb.cells[0].outputs
    figure = [
        (o["output_type"], sorted(o.get("data", {})), o["data"].get("image/png")) for o in shown
    ]
    return json.loads(stream["text"]), figure


def test_matplotlib_in_a_forked_kernel_is_as_in_an_ordinary_kernel(server, tmp_path):
    """pingouin, preloaded, imported matplotlib in the server: its backend, settings and
    inline figures are those of an ordinary kernel."""
    forked_settings, forked_figure = matplotlib_probe(tmp_path, server.manager_class())
    settings, figure = matplotlib_probe(tmp_path)
    assert forked_settings.pop("preloaded") and not settings.pop("preloaded")
    assert forked_settings["backend"] == settings["backend"] == INLINE_BACKEND
    assert forked_settings == settings
    assert figure and forked_figure == figure, "the figure is not shown inline as usual"


def test_where_matplotlib_would_read_other_settings_the_kernel_is_ordinary(
    server, tmp_path, monkeypatch
):
    (tmp_path / "matplotlibrc").write_text("lines.linewidth: 7\n")
    assert not probe(tmp_path, server.manager_class())["preloaded"]
    monkeypatch.setenv("MPLBACKEND", "agg")
    assert not probe(tmp_path.parent, server.manager_class())["preloaded"]


def test_matplotlib_context_is_what_an_ordinary_kernel_would_read(tmp_path):
    assert matplotlib_context({}, str(tmp_path))["MPLBACKEND"] == INLINE_BACKEND
    assert matplotlib_context({"MPLBACKEND": ""}, str(tmp_path))["MPLBACKEND"] == INLINE_BACKEND
    assert matplotlib_context({"MPLBACKEND": "agg"}, str(tmp_path))["MPLBACKEND"] == "agg"
    before = matplotlib_context({"HOME": "/home/a"}, str(tmp_path))
    (tmp_path / "matplotlibrc").write_text("")
    assert matplotlib_context({"HOME": "/home/a"}, str(tmp_path)) != before
    assert matplotlib_context({"HOME": "/home/b"}, "/") != matplotlib_context({}, "/")


def test_an_interrupt_reaches_a_forked_kernel(server, tmp_path):
    nb = notebook("import time\ntime.sleep(60)", "print('still running')")
    execute(
        nb,
        tmp_path,
        server.manager_class(),
        timeout=2,
        interrupt_on_timeout=True,
        allow_errors=True,
    )
    assert nb.cells[0].outputs[-1]["ename"] == "KeyboardInterrupt"
    assert nb.cells[1].outputs[0]["text"] == "still running\n"


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_forked_kernel_dies_with_its_launcher(server, tmp_path):
    nb = notebook("import os, time\nopen('pid', 'w').write(str(os.getpid()))\ntime.sleep(60)")
    with pytest.raises(CellTimeoutError):
        execute(nb, tmp_path, server.manager_class(), timeout=2)
    pid = int((tmp_path / "pid").read_text())
    for _ in range(50):  # nbclient kills the launcher; the kernel must follow
        if not running(pid):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"kernel {pid} outlived its launcher")


def test_a_kernel_asked_for_at_once_waits_for_the_server(tmp_path):
    """The socket listens before the server's interpreter has started, so a kernel asked
    for at once is still a fork (once it fell back to an ordinary kernel on a busy machine)."""
    server = KernelServer(preload=["pandas"])
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(server.address)  # at once: neither missing nor refused
        assert probe(tmp_path, server.manager_class())["preloaded"]
    finally:
        server.close()


def test_without_a_server_the_launcher_is_an_ordinary_kernel(tmp_path):
    server = KernelServer()
    manager = server.manager_class()
    server.close()
    assert probe(tmp_path, manager)["preloaded"] is False


def test_the_server_imports_what_the_notebooks_import():
    assert preload_for([]) == ()
    assert preload_for(["print(1)"]) == ()
    page = "import altair as alt\nimport pandas as pd\n\nimport nhsbook"
    assert preload_for([page]) == ("numpy", "pandas", "altair", "nhsbook.data", "nhsbook.tables")
    assert preload_for(["%time x = 1\nfrom scipy import stats", "import sys, pingouin as pg"]) == (
        "scipy.stats",
        "pingouin",
    )
    assert preload_for(["import nhsbook"]) == ("numpy", "pandas", "nhsbook.data", "nhsbook.tables")


def test_the_book_build_preloads_every_library_its_chapters_import():
    code = [
        cell.source
        for page in (*ROOT.glob("chapters/*.md"), ROOT / "book" / "data.md")
        for cell in jupytext.read(page).cells
        if cell.cell_type == "code"
    ]
    assert preload_for(code) == PRELOAD
