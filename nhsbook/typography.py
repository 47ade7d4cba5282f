"""Typography shared by tables, glued numbers and the build: the true minus sign.

Kept free of pandas, so that the build process (which renders glued numbers) does not
import it.
"""

MINUS = "\u2212"


def with_minus(text: str) -> str:
    """``text`` with each hyphen-minus that signs a number replaced by a true minus sign."""
    out = []
    for i, char in enumerate(text):
        signs_number = (
            char == "-"
            and i + 1 < len(text)
            and (text[i + 1].isdigit() or text[i + 1] in ".∞")
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in ".)]"))
        )
        out.append(MINUS if signs_number else char)
    return "".join(out)
