"""Kernels forked from the build's kernel server start as ordinary kernels would
(nhsbook.forkkernel): the same working directory, ``sys.argv``, ``sys.path``, environment and
user namespace; interrupts reach them, they die with their launcher, and without a server
the launcher is an ordinary kernel."""

import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

from nhsbook.forkkernel import KernelServer

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


def test_an_interrupt_reaches_a_forked_kernel(server, tmp_path):
    nb = notebook("import time\ntime.sleep(60)", "print('still running')")
    execute(
        nb,
        tmp_path,
        server.manager_class(),
        timeout=3,
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
        execute(nb, tmp_path, server.manager_class(), timeout=3)
    pid = int((tmp_path / "pid").read_text())
    for _ in range(50):  # nbclient kills the launcher; the kernel must follow
        if not running(pid):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"kernel {pid} outlived its launcher")


def test_without_a_server_the_launcher_is_an_ordinary_kernel(tmp_path):
    server = KernelServer()
    manager = server.manager_class()
    server.close()
    assert probe(tmp_path, manager)["preloaded"] is False
