"""Kernels started by the book build talk to it over encrypted sockets.

ipykernel warns once per notebook that a kernel "is running over TCP without
encryption" unless the kernel manager gives it CurveZMQ keys. jupyter-client does
so when its ``transport_encryption`` is ``"auto"`` and the kernelspec declares
support (ipykernel's does). myst-nb and jupyter-cache start kernels without a way
to pass that setting, so the build sets its default once, before any kernel starts.
"""

import zmq
from jupyter_client.manager import KernelManager


def encrypt_kernel_transport() -> None:
    """Let kernel managers provision CurveZMQ keys when the kernel supports them."""
    trait = KernelManager.class_traits().get("transport_encryption")
    if trait is not None and zmq.has("curve"):  # older jupyter-client: nothing to set
        trait.default_value = "auto"
