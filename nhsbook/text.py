"""Numbers for the prose: glue a computed value so the text never carries a typed result."""

from IPython.core.formatters import format_display_data
from IPython.display import display
from myst_nb.ext.glue import GLUE_PREFIX

from nhsbook import provenance


def glue_value(name: str, value) -> None:
    """``myst_nb.glue(name, value, display=False)`` for a number or text shown in the prose.

    NumPy scalars become plain Python values (their repr would otherwise be
    ``np.float64(...)``), and floats are rounded to 10 significant places so
    that the glued text is the same on every platform. The glue output also
    records which cell computed the value and which data it loaded, so that the
    book can link the number to that cell (:mod:`nhsbook.provenance`).
    """
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float):
        value = float(f"{value:.10g}")
    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}  # as myst_nb.glue does
    record = provenance.glue_record()
    if record is not None:
        metadata[provenance.METADATA_KEY] = record
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
