"""Site-wide page furniture: navigation, one search, a small icon set, a light page head.

Loaded by :mod:`nhsbook.sphinxext`. It works around three things in the themes
(pydata-sphinx-theme 0.17 under sphinx-book-theme 1.3) without patching them:

1. **Navigation on phones and tablets.** pydata-sphinx-theme 0.17 draws a top bar
   with its own ``.primary-toggle`` button whenever ``navbar_persistent`` is
   unset (it then defaults to a search field). The book theme has its own
   ``.primary-toggle`` in the article header, and pydata's script wires only the
   first one in the page (``document.querySelector``), i.e. the top bar's, which
   is not the one readers see, so the visible button did nothing (upstream:
   pydata-sphinx-theme issue 2451). Setting ``navbar_persistent`` to an empty
   list removes the top bar, leaving one toggle that both themes wire.
2. **One search.** The top bar's search field went with it: wide screens show the
   sidebar's search field, narrow ones the article header's search button.
3. **Page weight.** ``fontawesome.js`` (1.5 MB, on every page) and the icon web
   fonts are replaced by ``nhsbook-icons.css``: only the icons the built pages
   use, as CSS masks made from Font Awesome Free's own paths at build time.
   Sphinx's search scripts, which pydata loads on every page for
   search-as-you-type (off here), load on the search page only.
4. **Accessible names.** A few attributes of the themes' markup that axe-core
   flags are corrected in the written pages (``ACCESSIBLE_MARKUP``).
5. **The front door.** ``index.html`` sends the reader to the first page. In place of
   sphinx-external-toc's one-line stub it is a whole page (language, title, a link for
   browsers that do not follow the redirect) that asks for no icon: for the stub,
   browsers asked for a ``/favicon.ico`` the site does not have.
"""

import hashlib
import html
import json
import re
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

TEMPLATES = Path(__file__).parent / "templates"
ICON_CSS = "nhsbook-icons.css"
ICON_CACHE = "nhsbook-icons-cache.json"  # in _build, beside html (not published)
# Scripts removed from the <head> that pydata-sphinx-theme writes (see templates/layout.html).
DROPPED_SCRIPTS = re.compile(
    r'\s*<script[^>]*src="[^"]*(?:scripts/fontawesome\.js|searchtools\.js|language_data\.js'
    r'|searchindex\.js)[^"]*"[^>]*></script>'
)
ICON_CLASS = re.compile(r'class="([^"]*\b(?:fa-solid|fa-regular|fa-brands|fas|far|fab)\b[^"]*)"')
STYLES = {"fa-solid": "solid", "fas": "solid", "fa-regular": "regular", "far": "regular"}
STYLES |= {"fa-brands": "brands", "fab": "brands"}
NOT_ICONS = {"lg", "xs", "sm", "fw", "2x", "spin"}
# Where each style's icon definitions end in fontawesome.js: the call that registers them.
PACK_END = re.compile(r'\("fa-(solid|regular|brands)",')


# Markup of the themes and extensions that axe-core flags, fixed in the written pages.
ACCESSIBLE_MARKUP = [
    # myst-nb's collapsed-code toggle is named "Toggle hidden content" but reads
    # "Show code cell source": let the visible words name it.
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    # pydata's search field reads "Search Ctrl+K" but is named "Search".
    (re.compile(r'(<button class="btn search-button-field[^>]*?) aria-label="[^"]*"'), r"\1"),
    # Sphinx marks the bibliography role="list" though its entries are not list items.
    (re.compile(r'<div role="list" class="citation-list">'), '<div class="citation-list">'),
]


def accessible(page: str) -> str:
    for pattern, replacement in ACCESSIBLE_MARKUP:
        page = pattern.sub(replacement, page)
    return page


def light_head(markup: str) -> str:
    """``markup`` without the scripts this book does not need on every page."""
    return DROPPED_SCRIPTS.sub("", str(markup))


def used_icons(html_files) -> set[tuple[str, str]]:
    """(style, name) of every Font Awesome icon in the pages, e.g. ("solid", "bars")."""
    icons = set()
    for path in html_files:
        for classes in ICON_CLASS.findall(path.read_text(encoding="utf-8")):
            words = classes.split()
            style = next(STYLES[w] for w in words if w in STYLES)
            names = {w[3:] for w in words if w.startswith("fa-") and w not in STYLES}
            icons |= {(style, name) for name in names - NOT_ICONS}
    return icons


def icon_paths(fontawesome_js: str, icons) -> dict[tuple[str, str], tuple[int, int, str]]:
    """{(style, name): (width, height, svg path)} from Font Awesome's own definitions."""
    ends = [(m.start(), m[1]) for m in PACK_END.finditer(fontawesome_js)]
    found = {}
    for style, name in sorted(icons):
        pattern = (
            rf'(?:"{re.escape(name)}"|[,{{]{re.escape(name)}):\[(\d+),(\d+),\[[^\]]*\],'
            r'"[0-9a-f]+",("(?:[^"\\]|\\.)*")\]'
        )
        for match in re.finditer(pattern, fontawesome_js):
            pack = next((s for end, s in ends if end > match.start()), None)
            if pack == style:
                found[style, name] = (int(match[1]), int(match[2]), json.loads(match[3]))
                break
    return found


def icon_css(paths: dict[tuple[str, str], tuple[int, int, str]]) -> str:
    """One CSS mask an icon, drawn in the text colour; no web font is downloaded."""
    rules = [
        "/* Icons: Font Awesome Free 6 (CC BY 4.0, https://fontawesome.com/license/free),",
        "   only those the pages use, made by nhsbook/assets.py at build time. */",
        # The icon elements use the page's font: an empty box in the icon font would still
        # make the browser download it (for the line's metrics).
        ", ".join(f".{c}" for c in STYLES) + " { font-family: inherit !important; }",
        ", ".join(f".{c}::before" for c in STYLES) + " {",
        "  content: '' !important; display: inline-block; width: 1em; height: 1em;",
        "  vertical-align: -0.125em; background-color: currentColor;",
        "  -webkit-mask: var(--nhsbook-icon) center / contain no-repeat;",
        "  mask: var(--nhsbook-icon) center / contain no-repeat; }",
    ]
    for (style, name), (width, height, path) in sorted(paths.items()):
        url = mask_url(width, height, path)
        selectors = [f".{prefix}.fa-{name}" for prefix, s in STYLES.items() if s == style]
        rules.append(
            f"{', '.join(selectors)} {{ --nhsbook-icon: {url}; }} "
            f"{', '.join(s + '::before' for s in selectors)} {{ width: {width / height:.3f}em; }}"
        )
    return "\n".join(rules) + "\n"


PST_ICON_VAR = re.compile(r"--pst-icon-([\w-]+):\s*(var\(--pst-icon-[\w-]+\)|\"[^\"]*\")")
PST_ICON_USE = re.compile(r"([^{}]+)\{[^{}]*content:\s*var\(--pst-icon-([\w-]+)\)")


def theme_pseudo_icons(theme_css: str, fontawesome_js: str) -> str:
    """Masks for the theme's own icons drawn with the icon font in ::before/::after
    (admonition titles, external and download links): the same glyphs, no font."""
    variables = dict(PST_ICON_VAR.findall(theme_css))

    def code(name, depth=0):
        value = variables.get(name, "")
        if value.startswith("var(") and depth < 5:
            return code(value[len("var(--pst-icon-") : -1], depth + 1)
        text = value.strip('"').encode().decode("unicode_escape") if "\\" in value else value
        text = text.strip('"')
        return f"{ord(text):x}" if len(text) == 1 else None

    ends = [(m.start(), m[1]) for m in PACK_END.finditer(fontawesome_js)]
    rules = []
    for selectors, name in PST_ICON_USE.findall(theme_css):
        codepoint = code(name)
        if not codepoint or "@" in selectors:
            continue
        found = {}
        pattern = rf'\[(\d+),(\d+),\[[^\]]*\],"{codepoint}",("(?:[^"\\]|\\.)*")\]'
        for match in re.finditer(pattern, fontawesome_js):
            pack = next((s for end, s in ends if end > match.start()), None)
            found.setdefault(pack, match)
        match = found.get("solid") or found.get("brands") or found.get("regular")
        if match:
            width, height = int(match[1]), int(match[2])
            rules.append(
                f"{selectors.strip()} {{ content: '' !important; font: inherit;"
                " display: inline-block; vertical-align: -0.125em;"
                f" width: {width / height:.3f}em; height: 1em; background-color: currentColor;"
                f" --nhsbook-icon: {mask_url(width, height, json.loads(match[3]))};"
                " -webkit-mask: var(--nhsbook-icon) center / contain no-repeat;"
                " mask: var(--nhsbook-icon) center / contain no-repeat; }"
            )
    return "\n".join(rules) + "\n"


def mask_url(width: int, height: int, path: str) -> str:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<path d="{path}"/></svg>'
    )
    return 'url("data:image/svg+xml,' + quote(svg, safe=" /=:,.-") + '")'


def theme_static(app) -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"


def icons_stylesheet(app, icons, cache_file: Path) -> str:
    """The icon stylesheet; remembered in ``cache_file`` for the same icons and theme files
    (reading the icon definitions takes about a second)."""
    sources = [theme_static(app) / "scripts" / "fontawesome.js"]
    sources.append(theme_static(app) / "styles" / "pydata-sphinx-theme.css")
    key = hashlib.sha256(repr(sorted(icons)).encode())
    for source in sources:
        key.update(source.read_bytes())
    with suppress(OSError, ValueError, KeyError):
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if cached["key"] == key.hexdigest():
            return cached["css"]
    fontawesome, theme_css = (source.read_text(encoding="utf-8") for source in sources)
    css = icon_css(icon_paths(fontawesome, icons)) + theme_pseudo_icons(theme_css, fontawesome)
    cache_file.write_text(json.dumps({"key": key.hexdigest(), "css": css}), encoding="utf-8")
    return css


def on_config_inited(app, config):
    options = config.html_theme_options
    options.setdefault("navbar_persistent", [])  # no top bar: one toggle, one search
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_css_files = [*config.html_css_files, ICON_CSS]


def on_builder_inited(app):
    templates = getattr(app.builder, "templates", None)
    if templates is not None:
        templates.environment.filters["nhsbook_light_head"] = light_head


FRONT_DOOR = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="Refresh" content="0; url={url}">
<link rel="icon" href="data:,">
</head>
<body><p><a href="{url}">{title}</a></p></body>
</html>
"""


def front_door(app) -> str | None:
    """The text of ``index.html``, a redirect to the first page; None if that is index."""
    config = app.config
    if config.root_doc == "index" or app.builder.name != "html":
        return None
    return FRONT_DOOR.format(
        language=html.escape(config.language or "en"),
        title=html.escape(config.html_title or config.project),
        url=html.escape(quote(f"{config.root_doc}.html")),
    )


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    door = front_door(app)
    if door is not None and not _same_text(out / "index.html", door):
        (out / "index.html").write_text(door, encoding="utf-8")
    pages = [p for p in out.rglob("*.html") if "_static" not in p.parts]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if accessible(text) != text:
            page.write_text(accessible(text), encoding="utf-8")
    (out / "_static" / ICON_CSS).write_text(
        icons_stylesheet(app, used_icons(pages), out.parent / ICON_CACHE), encoding="utf-8"
    )
    for unused in ("fontawesome.js", "fontawesome.js.map"):  # no page loads them now
        (out / "_static" / "scripts" / unused).unlink(missing_ok=True)


def _same_text(path: Path, text: str) -> bool:
    with suppress(OSError):
        return path.read_text(encoding="utf-8") == text
    return False


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("build-finished", on_build_finished, priority=600)  # after sphinx-external-toc
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
