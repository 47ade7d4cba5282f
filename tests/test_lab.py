"""Students' and reviewers' path in a real browser: `make lab` opens a chapter as a notebook.

`make lab` is started on 127.0.0.1 with a token, with empty JupyterLab user
settings (so only the project's ``lab/overrides.json`` applies, as on Binder),
and ``chapters/goals.md`` is opened by the URL form Binder's launch buttons use
(``lab/tree/chapters/goals.md``) in headless Chromium. The chapter must show
code cells, run top to bottom without an error, and show a known output. The
server is stopped by its process group id.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from importlib import metadata

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from playwright.sync_api import sync_playwright
from test_browser import CHROMIUM_ARGS

from nhsbook.lockfile import lock_pins

TOKEN = "nhsbook-lab-test"
CHAPTER = "chapters/goals.md"
KNOWN_OUTPUT = "Source: Dixon-Woods et al. (2014)"  # the source line under a figure in Lab
RUN_TIMEOUT_S = 420


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def lab_server(tmp_path):
    """`make lab` on a free local port; yields its base URL; stopped by process group id."""
    port = free_port()
    args = (
        f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 "
        f"--IdentityProvider.token={TOKEN} --allow-root"
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    env.pop("NHSBOOK_BUILD", None)
    # Test-only user settings: render every cell (JupyterLab draws only the visible ones by
    # default) and never save the chapter. Neither touches the default viewer under test.
    for plugin, setting in (
        ("notebook-extension/tracker", '{"windowingMode": "none"}'),
        ("docmanager-extension/plugin", '{"autosave": false}'),
    ):
        path = tmp_path / "user-settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(setting)
    log = open(tmp_path / "lab.log", "w+b")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5):
                    break
            except OSError:
                log.seek(0)
                assert server.poll() is None, log.read().decode()[-3000:]
                assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
                time.sleep(1)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_lab_settings_make_myst_open_as_notebook():
    """The overrides file (installed by `make lab` and Binder's postBuild) names jupytext."""
    viewers = json.loads((ROOT / "lab" / "overrides.json").read_text())[
        "@jupyterlab/docmanager-extension:plugin"
    ]["defaultViewers"]
    assert viewers["markdown"] == viewers["myst"] == "Jupytext Notebook"
    post_build = (ROOT / "postBuild").read_text()
    assert "lab/overrides.json" in post_build
    assert os.access(ROOT / "postBuild", os.X_OK), "postBuild must be executable for repo2docker"


def test_make_lab_serves_a_chapter_as_a_notebook(tmp_path):
    with lab_server(tmp_path) as base:
        url = f"{base}/api/contents/{CHAPTER}?type=notebook&token={TOKEN}"
        with urllib.request.urlopen(url, timeout=30) as response:
            model = json.load(response)
    assert model["type"] == "notebook"
    assert any("show_figure" in "".join(c["source"]) for c in model["content"]["cells"])


def cell_prompts(page) -> list[str]:
    return page.eval_on_selector_all(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt",
        "nodes => nodes.map(n => n.textContent.trim())",
    )


def chapter_kernel_state(base: str) -> str | None:
    """The execution state of the chapter's kernel, as the server reports it (None: no kernel)."""
    with urllib.request.urlopen(f"{base}/api/sessions?token={TOKEN}", timeout=10) as response:
        sessions = json.load(response)
    states = [s["kernel"]["execution_state"] for s in sessions if s["path"].endswith(CHAPTER)]
    return states[0] if states else None


def accept_kernel_dialog(page) -> bool:
    """On a busy machine JupyterLab may still ask which kernel to use (Python 3 is
    preselected): accept it, as a reader would."""
    choose = page.locator(".jp-Dialog:has-text('Select Kernel') .jp-mod-accept")
    if choose.count():
        choose.first.click()
        return True
    return False


def run_all_cells(page) -> None:
    page.click(".jp-NotebookPanel .jp-Cell .jp-InputPrompt >> nth=0")  # notebook current
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")


def test_binder_url_opens_chapter_as_notebook_and_runs(tmp_path, chromium_path):
    chapter_before = (ROOT / CHAPTER).read_bytes()
    with lab_server(tmp_path) as base, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/{CHAPTER}?token={TOKEN}")
            # Opened as a notebook (jupytext), not as Markdown text in an editor.
            page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=90_000)
            page.wait_for_function(
                "document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length > 5"
            )
            # Run only once the server has a kernel for the chapter and it is idle.
            deadline = time.monotonic() + 90
            while chapter_kernel_state(base) != "idle":
                accept_kernel_dialog(page)
                assert time.monotonic() < deadline, "no idle kernel for the chapter after 90 s"
                page.wait_for_timeout(500)
            run_all_cells(page)

            # A kernel restarted or changed under the run cancels or loses the queued cells:
            # the kernel is idle with cells not run ("[ ]", or "[*]" never answered). Run them
            # again, as a reader would, at most twice; a chapter that kills its kernel fails.
            deadline = time.monotonic() + RUN_TIMEOUT_S
            dialogs = reruns = stalled_polls = 0
            while True:
                dialogs += accept_kernel_dialog(page)
                prompts = cell_prompts(page)
                if prompts and all(p[1:-2].isdigit() for p in prompts):  # "[12]:" everywhere
                    break
                stalled = chapter_kernel_state(base) == "idle"
                stalled_polls = stalled_polls + 1 if stalled else 0
                if stalled_polls == 3 and reruns < 2:
                    run_all_cells(page)
                    reruns, stalled_polls = reruns + 1, 0
                if time.monotonic() > deadline:
                    page.screenshot(path=str(tmp_path / "lab.png"))
                    log = (tmp_path / "lab.log").read_text(errors="replace")[-3000:]
                    pytest.fail(
                        f"cells not run after {RUN_TIMEOUT_S} s ({reruns} reruns, "
                        f"{dialogs} kernel dialogs accepted): {prompts} (see lab.png)\n{log}"
                    )
                page.wait_for_timeout(2000)

            outputs = page.inner_text(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
            assert "Traceback" not in outputs
            errors = page.eval_on_selector_all(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                "nodes => nodes.map(n => n.textContent).filter(t => /Error|Traceback/.test(t))",
            )
            assert not errors, errors[:3]
            assert KNOWN_OUTPUT in outputs, "the known figure caption did not appear"
            page.screenshot(path=str(tmp_path / "lab.png"))
        finally:
            chromium.close()
    assert (ROOT / CHAPTER).read_bytes() == chapter_before, "the test must not save the chapter"


def test_binder_notebook_matches_the_pinned_jupyterlab():
    """Binder's base image ships `notebook` (7.4, needing jupyterlab<4.5): the lock must pin
    a `notebook` whose own requirement accepts the pinned jupyterlab, or pip breaks it there."""
    pins = lock_pins(ROOT / "requirements.lock")
    assert "notebook" in pins, "pin notebook (requirements.in): Binder's base image has one"
    assert metadata.version("notebook") == pins["notebook"], "the venv is not the lock's"
    wanted = [Requirement(r) for r in metadata.requires("notebook") or []]
    jupyterlab = next(r for r in wanted if r.name == "jupyterlab" and not r.marker)
    assert pins["jupyterlab"] in jupyterlab.specifier, (
        f"notebook {pins['notebook']} needs {jupyterlab}, lock has {pins['jupyterlab']}"
    )
