"""Numbers for the prose: glue a computed value so the text never carries a typed result."""

from myst_nb import glue


def glue_value(name: str, value) -> None:
    """``myst_nb.glue`` for a number or text shown in the prose (``{glue:text}`name:.2f```).

    NumPy scalars become plain Python values (their repr would otherwise be
    ``np.float64(...)``), and floats are rounded to 10 significant places so
    that the glued text is the same on every platform.
    """
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float):
        value = float(f"{value:.10g}")
    glue(name, value, display=False)
