"""axe-core for the browser tests: installed once from npm into a cache folder, never vendored.

``axe_script()`` returns the text of ``axe.min.js`` at the pinned version. The first call
runs ``npm install`` into ``~/.cache/nhsbook/axe-core-<version>`` (or ``$NHSBOOK_CACHE``);
later calls read the cached copy, so the tests run offline once it is there.
``run_axe(page, script)`` injects it into a Playwright page and returns the violations.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

AXE_VERSION = "4.10.3"  # MPL-2.0; loaded at test time only, never shipped with the site
BLOCKING_IMPACTS = ("serious", "critical")
# Every rule axe runs by default, plus this experimental one (buttons whose visible text or
# tooltip differs from their accessible name).
OPTIONS = '{resultTypes: ["violations"], rules: {"label-content-name-mismatch": {enabled: true}}}'


def cache_root() -> Path:
    base = os.environ.get("NHSBOOK_CACHE") or Path.home() / ".cache" / "nhsbook"
    return Path(base)


def script_path(version: str = AXE_VERSION) -> Path:
    return cache_root() / f"axe-core-{version}" / "node_modules" / "axe-core" / "axe.min.js"


def axe_installed(version: str = AXE_VERSION) -> bool:
    return script_path(version).exists()


def axe_script(version: str = AXE_VERSION) -> str:
    """The source of axe.min.js, installing axe-core from npm on first use."""
    script = script_path(version)
    folder = script.parents[2]
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise FileNotFoundError("npm is needed once to install axe-core for the tests")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-save", "--no-audit", "--no-fund"]
            + [f"axe-core@{version}"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script.read_text(encoding="utf-8")


# Long tables and highlighted code repeat the same few text styles thousands of times, and
# axe's colour-contrast rule costs about a millisecond an element (17 s on the longest page).
# Every element whose text repeats an earlier one's style is marked, and the contrast rule
# skips marked elements (its selector, set by :data:`CONTRAST_SKIPS_REPEATED_STYLES`): the
# same colour, size, weight, opacity and backgrounds give the same contrast, so every
# distinct style is still checked once. Only text inside tables and code blocks; the page
# itself is not changed, so every other rule sees it as the reader does.
REPEATED_STYLE = "data-axe-repeated-style"
MARK_REPEATED_STYLES = """() => {
    const seen = new Set();
    let marked = 0;
    for (const element of document.querySelectorAll('pre, pre *, table, table *')) {
        const texts = [...element.childNodes].filter(
            n => n.nodeType === Node.TEXT_NODE && n.data.trim());
        if (!texts.length) continue;
        const style = getComputedStyle(element);
        // Every ancestor's opacity; backgrounds up to the first opaque one (what axe blends).
        const layers = [];
        let opacity = 1, opaque = false;
        for (let e = element; e; e = e.parentElement) {
            const s = getComputedStyle(e);
            opacity *= parseFloat(s.opacity);
            if (opaque) continue;
            if (s.backgroundImage !== 'none') {
                layers.push(s.backgroundImage);
                opaque = true;
            } else if (s.backgroundColor !== 'rgba(0, 0, 0, 0)') {
                layers.push(s.backgroundColor);
                opaque = !s.backgroundColor.startsWith('rgba');
            }
        }
        const key = [element.closest('pre') ? 'code' : 'table', style.color, style.fontSize,
            style.fontWeight, style.textShadow, opacity, ...layers].join('|');
        if (seen.has(key)) {
            element.setAttribute('REPEATED', '');
            marked += 1;
        } else {
            seen.add(key);
        }
    }
    return marked;
}""".replace("REPEATED", REPEATED_STYLE)
CONTRAST = "color-contrast"
CONTRAST_SKIPS_REPEATED_STYLES = (
    f"() => axe.configure({{rules: [{{id: '{CONTRAST}', selector: '*:not([{REPEATED_STYLE}])'}}]}})"
)


def only(rules: list[str]) -> str:
    """axe options that run only ``rules`` and report their violations."""
    return json.dumps({"resultTypes": ["violations"], "runOnly": {"type": "rule", "values": rules}})


def axe_run(page, options: str) -> list[dict]:
    return json.loads(
        page.evaluate(f"() => axe.run(document, {options}).then(r => JSON.stringify(r.violations))")
    )


def run_axe(page, script: str, rules: list[str] | None = None) -> list[dict]:
    """axe's violations on the page as it is now (WCAG 2.x A and AA plus best practice), in
    one run: every rule, or only ``rules`` and colour contrast. Colour contrast checks each
    text style of tables and code once (:data:`MARK_REPEATED_STYLES`)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=script)
    page.evaluate(MARK_REPEATED_STYLES)
    page.evaluate(CONTRAST_SKIPS_REPEATED_STYLES)
    return axe_run(page, OPTIONS if rules is None else only([*rules, CONTRAST]))


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict], limit: int = 3) -> str:
    """One line a rule, with a few of the offending elements."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:limit])
        lines.append(f"{v['impact']} {v['id']} x{len(v['nodes'])}: {v['help']} [{targets}]")
    return "\n  ".join(lines)
