"""Kernels for the book build, forked from a process that has already imported the libraries.

A chapter's kernel spends most of its time starting Python and importing pandas, Altair,
SciPy, statsmodels and pingouin, the same libraries in every chapter. While Sphinx starts,
the build (:mod:`nhsbook.build`) starts one **kernel server** that imports once those of
them (:data:`PRELOAD`) that the notebooks to execute import (:func:`preload_for`: a
one-page book that needs only pandas is not kept waiting for SciPy); each notebook's kernel
is then a fork of that server: a new process with its own memory, which starts with those
modules already imported. Nothing else differs
from the kernel ``jupyter`` would start: the same interpreter and ipykernel, the connection
file (with its CurveZMQ keys), working directory, environment and ``sys.argv`` the kernel
manager gave, and a fresh user namespace.

Only libraries that read nothing at import that differs between the server and a kernel
are preloaded: importing them earlier changes no chapter's output (``tests/test_build.py``
checks that a book executed in forked kernels is byte-identical to one executed by myst-nb
in ordinary kernels). Left out: ipykernel, which reads the kernel manager's variables
(``JPY_PARENT_PID``) when it is imported (0.04 s in the kernel).

pingouin imports matplotlib's pyplot, and matplotlib reads its settings when it is imported:
the backend from ``MPLBACKEND``, which ipykernel sets to the inline backend when a kernel
starts, and a ``matplotlibrc`` from the working directory or its configuration folders. The
server imports it with ``MPLBACKEND`` set as ipykernel would set it, and forks a kernel
only where matplotlib would read the same (:func:`matplotlib_context`); anywhere else the
launcher starts an ordinary kernel. pyplot picks the backend module itself at the first
figure, inside the kernel. pingouin also adds its methods to pandas' DataFrame, in every
forked kernel: a chapter that used them without importing pingouin would fail on its own
(``tests/test_standalone.py``).

The kernel manager starts a small **launcher** (``python -m nhsbook.forkkernel --server
ADDRESS -f CONNECTION_FILE``) in place of ``python -m ipykernel_launcher``; the launcher asks
the server for a kernel, passes on the signals the manager sends (interrupt, terminate)
and exits with the kernel's exit code. If the launcher is killed, the kernel is killed.
If the server cannot be reached, the launcher becomes an ordinary kernel.
"""

import json
import os
import re
import runpy
import select
import signal
import socket
import sys
from collections.abc import Iterable

PRELOAD = (
    "numpy",
    "pandas",
    "altair",
    "scipy.stats",
    "statsmodels.api",
    "statsmodels.formula.api",
    "nhsbook.data",
    "nhsbook.tables",
    "pingouin",  # 0.45 s in each of three chapters' kernels
)
# ipykernel's default backend (``IPKernelApp.init_gui_pylab``), set when a kernel starts.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# What matplotlib reads from the environment when it is imported (its settings, folders
# and fonts).
MATPLOTLIB_VARIABLES = (
    "MPLBACKEND",
    "MATPLOTLIBRC",
    "MATPLOTLIBDATA",
    "MPLCONFIGDIR",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
)
IMPORT = re.compile(r"^\s*import\s+([\w., ]+)", re.MULTILINE)
FROM_IMPORT = re.compile(r"^\s*from\s+([\w.]+)\s+import\b", re.MULTILINE)
ORDINARY = b"ordinary\n"  # the server's answer where a fork would differ
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


# --------------------------------------------------------------------------- the server


def imported_packages(sources: Iterable[str]) -> set[str]:
    """The top-level packages that ``import`` and ``from ... import`` lines in the code name
    (read line by line, so cells with IPython magics count too)."""
    packages = set()
    for source in sources:
        for names in IMPORT.findall(source):
            packages |= {n.split()[0].split(".")[0] for n in names.split(",") if n.strip()}
        packages |= {m.split(".")[0] for m in FROM_IMPORT.findall(source)}
    return packages


def preload_for(sources: Iterable[str]) -> tuple[str, ...]:
    """The modules of :data:`PRELOAD` worth importing in the server for notebooks with
    these code cells: those of the packages they import (nhsbook reads data with pandas)."""
    packages = imported_packages(sources)
    if "nhsbook" in packages:
        packages.add("pandas")
    if "pandas" in packages:
        packages.add("numpy")
    return tuple(name for name in PRELOAD if name.split(".")[0] in packages)


def listening_socket(address: str) -> socket.socket:
    """A UNIX socket listening at ``address``: from now on, requests wait in its queue."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    return listener


def serve(listener: socket.socket, preload: Iterable[str]) -> None:
    """Import ``preload``, then fork a kernel per request to the listening socket.

    Requests wait in the socket's queue while the modules are imported. The server stops
    when its standard input closes (the build finished or died).
    """
    import importlib

    context = matplotlib_context(dict(os.environ), os.getcwd())
    os.environ["MPLBACKEND"] = context["MPLBACKEND"]  # as in a kernel
    for name in preload:
        importlib.import_module(name)
    if "matplotlib" not in sys.modules:
        context = None  # nothing imported reads matplotlib's settings
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1024):
            break
        if listener in ready:
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                try:
                    supervise(connection, context)
                finally:  # a broken request ends this fork, never the server's loop
                    os._exit(1)
            connection.close()
        reap_children()
    listener.close()


def reap_children() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def matplotlib_context(env: dict[str, str], cwd: str) -> dict[str, str | None]:
    """What matplotlib would read on import in a kernel with ``env`` working in ``cwd``: its
    variables (the backend as ipykernel sets it) and a ``matplotlibrc`` in ``cwd``."""
    context = {name: env.get(name) for name in MATPLOTLIB_VARIABLES}
    context["MPLBACKEND"] = context["MPLBACKEND"] or INLINE_BACKEND
    rc = os.path.join(cwd, "matplotlibrc")
    context["matplotlibrc in the working directory"] = (
        os.path.realpath(rc) if os.path.exists(rc) else None
    )
    return context


def supervise(connection: socket.socket, context: dict | None) -> None:
    """In a fork of the server: fork the kernel, tell the launcher its pid, and report its
    exit code; kill it if the launcher goes away. Where matplotlib would read other settings
    than it did in the server, tell the launcher to start an ordinary kernel. Never returns."""
    request = json.loads(connection.makefile("r").readline())
    if context is not None and matplotlib_context(request["env"], request["cwd"]) != context:
        connection.sendall(ORDINARY)
        os._exit(0)
    kernel = os.fork()
    if kernel == 0:
        connection.close()
        become_kernel(request)
    connection.sendall(f"{kernel}\n".encode())
    exited = os.pidfd_open(kernel)
    while True:
        ready, _, _ = select.select([connection, exited], [], [])
        if exited in ready:
            _, status = os.waitpid(kernel, 0)
            connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            os._exit(0)
        if not connection.recv(64):  # the launcher is gone
            os.kill(kernel, signal.SIGKILL)
            os.waitpid(kernel, 0)
            os._exit(0)


def become_kernel(request: dict) -> None:
    """Turn this fork into the kernel the launcher was started as. Never returns."""
    for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [sys.argv[0], *request["args"]]
    sys.path[0] = request["cwd"]  # ``-m`` puts the working directory first (the server's here)
    code = 0
    try:  # exactly as ``python -m ipykernel_launcher ARGS`` (it sets sys.argv[0] and sys.path)
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# --------------------------------------------------------------------------- the launcher


def launch(address: str, kernel_args: list[str]) -> int:
    """Ask the server at ``address`` for a kernel; wait for it and return its exit code.

    Like ipykernel's parent poller, it stops (and so the kernel is killed) if the process
    that started it, the build, goes away.
    """
    request = {"args": kernel_args, "cwd": os.getcwd(), "env": dict(os.environ)}
    parent = os.getppid()
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(address)
        connection.sendall((json.dumps(request) + "\n").encode())
        replies = read_lines(connection)
        kernel = int(next(replies))
    except (OSError, ValueError, StopIteration):  # no server, or "ordinary": be one
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])
    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, lambda signum, _: os.kill(kernel, signum))
    while not select.select([connection], [], [], 1.0)[0]:
        if os.getppid() != parent:
            return 1
    code = next(replies, "")
    return int(code) if code.strip() else 1


def read_lines(connection: socket.socket):
    """The lines the server sends, one at a time (unbuffered, so ``select`` sees the rest)."""
    line = b""
    while chunk := connection.recv(1):
        if chunk == b"\n":
            yield line.decode()
            line = b""
        else:
            line += chunk


class KernelServer:
    """The kernel server of one build, started now, importing ``preload`` (a subset of
    :data:`PRELOAD`, e.g. :func:`preload_for` the notebooks); :meth:`manager_class` uses it."""

    def __init__(self, preload: Iterable[str] = PRELOAD):
        import atexit
        import subprocess
        import tempfile

        self.preload = tuple(preload)
        self.folder = tempfile.mkdtemp(prefix="nhsbook-kernels-")
        self.address = os.path.join(self.folder, "server.sock")
        # Listening before the server process starts: a kernel asked for at once waits in
        # the queue instead of finding no server and starting as an ordinary kernel.
        with listening_socket(self.address) as listener:
            fd = str(listener.fileno())
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nhsbook.forkkernel", "--serve", fd, *self.preload],
                stdin=subprocess.PIPE,
                pass_fds=[listener.fileno()],
                start_new_session=True,  # the terminal's Ctrl-C goes to the build, not here
            )
        atexit.register(self.close)  # also when the build stops before it finishes

    def manager_class(self):
        """A kernel manager (for nbclient) that starts ipykernel kernels as forks."""
        from jupyter_client.manager import AsyncKernelManager

        address = self.address

        class ForkedKernelManager(AsyncKernelManager):
            def format_kernel_cmd(self, extra_arguments=None):
                command = super().format_kernel_cmd(extra_arguments)
                if command[:3] != [sys.executable, "-m", "ipykernel_launcher"]:
                    return command  # another interpreter or kernel: start it as usual
                launcher = [sys.executable, "-m", "nhsbook.forkkernel", "--server", address]
                return [*launcher, *command[3:]]

        return ForkedKernelManager

    def close(self) -> None:
        """Stop the server (kernels still running finish on their own); again: nothing."""
        import shutil

        if self.process.stdin.closed:
            return
        self.process.stdin.close()
        self.process.kill()  # nothing to save; its interpreter's teardown took 0.4 s
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:  # FD: a listening socket the parent passed on
        serve(socket.socket(fileno=int(argv[1])), argv[2:])
        return 0
    if argv[:1] == ["--server"]:
        return launch(argv[1], argv[2:])
    raise SystemExit("usage: python -m nhsbook.forkkernel (--serve FD | --server ADDRESS) ...")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
