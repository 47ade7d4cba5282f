"""Data and cache errors end a book build with their message, and how to fix it, printed last.

Sphinx and Jupyter Book print a data error once, among hundreds of lines, and then a
generic box ("There was an error in building your book. Look above for the cause.").
:func:`report_at_exit` keeps the message and prints it after everything else, as the
process exits, whatever drives the build (``make book``, ``jupyter-book build``,
``sphinx-build``). :func:`book_error_in` finds such an error inside the exception a
build ended with, including one raised in a notebook's kernel, which reaches Sphinx
only as traceback text.
"""

import atexit
import re
import sys

from nhsbook import cache, datapackage

BOOK_ERRORS = (datapackage.DataValidationError, datapackage.DataFileError, cache.CacheLocationError)
RULE = "=" * 78
_reported: list[str] = []


def report_at_exit(message: str) -> None:
    """Print ``message`` as the very last output of the process (to standard error)."""
    if not _reported:
        atexit.register(_print_report)
    if message not in _reported:
        _reported.append(message)


def _print_report() -> None:
    sys.stdout.flush()
    sys.stderr.write("\n" + "\n".join([RULE, "The book was not built:", *_reported, RULE]) + "\n")
    sys.stderr.flush()


def book_error_in(exception: BaseException | None) -> str | None:
    """The message of a data or cache error that caused ``exception``, if one did."""
    texts = []
    while exception is not None:
        if isinstance(exception, BOOK_ERRORS):
            return str(exception)
        texts.append(str(exception))
        exception = exception.__cause__ or exception.__context__
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(texts))  # kernel tracebacks are coloured
    found = re.findall(
        r"^\w*(?:DataValidationError|DataFileError): (.+?How to fix: .+?)$", text, re.M | re.S
    )
    return found[-1].strip() if found else None
