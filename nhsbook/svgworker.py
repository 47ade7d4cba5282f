"""Render figures to SVG in a helper process while the build goes on.

``vl_convert`` holds Python's global lock while it renders (about 0.1 s a chart, after a
0.7 s start), so rendering in the build process at the end would add a serial tail of a
few seconds. :class:`SvgWorker` sends each spec to one helper process as soon as its page
has been read, while the kernels are still executing other pages, and hands the SVG back
when the figure files are written. The helper runs the same ``vl_convert`` as the build,
so the bytes are the same as rendering in the build process.
"""

import json
import subprocess
import sys
import threading
from concurrent.futures import Future
from contextlib import suppress

# The helper: one JSON spec per line in, one JSON-encoded SVG (or error) per line out.
HELPER = """
import json, sys, vl_convert
for line in sys.stdin:
    try:
        reply = {"svg": vl_convert.vegalite_to_svg(json.loads(line))}
    except Exception as error:
        reply = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(reply) + "\\n")
    sys.stdout.flush()
"""


class SvgWorker:
    """One helper process; :meth:`submit` returns a future for the SVG of a spec."""

    def __init__(self):
        self._process = subprocess.Popen(
            [sys.executable, "-c", HELPER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._waiting: list[Future] = []
        self._ended = False
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def submit(self, spec: dict) -> Future:
        future = Future()
        with self._lock:
            if self._ended:
                future.set_exception(RuntimeError("the SVG helper process ended"))
                return future
            self._waiting.append(future)
        try:
            self._process.stdin.write(json.dumps(spec) + "\n")
            self._process.stdin.flush()
        except OSError as error:  # the helper has gone: the reader fails what is waiting
            with self._lock:
                if future in self._waiting:
                    self._waiting.remove(future)
                    future.set_exception(RuntimeError(f"the SVG helper process ended ({error})"))
        return future

    def _read(self) -> None:
        for line in self._process.stdout:
            with self._lock:
                future = self._waiting.pop(0)
            reply = json.loads(line)
            if "svg" in reply:
                future.set_result(reply["svg"])
            else:
                future.set_exception(RuntimeError(f"vl_convert failed: {reply['error']}"))
        with self._lock:  # the helper ended early: nothing more will come
            self._ended = True
            for future in self._waiting:
                future.set_exception(RuntimeError("the SVG helper process ended"))
            self._waiting.clear()

    def close(self) -> None:
        with suppress(OSError):  # already gone
            self._process.stdin.close()
        self._process.wait()
        self._reader.join()
