"""The pins that pip users (requirements.lock) and Binder users (environment.yml) get agree."""

import re

from conftest import ROOT

from nhsbook.lockfile import environment_pins, lock_pins


def test_environment_yml_pins_the_same_versions_as_the_lock():
    lock = lock_pins(ROOT / "requirements.lock")
    env = environment_pins(ROOT / "environment.yml")
    assert lock, "no pins found in requirements.lock"
    differ = {
        p: (lock.get(p), env.get(p)) for p in lock.keys() | env.keys() if lock.get(p) != env.get(p)
    }
    assert not differ, f"lock vs environment.yml differ (run `make lock`): {differ}"


def test_every_direct_dependency_is_pinned():
    lock = lock_pins(ROOT / "requirements.lock")
    for line in (ROOT / "requirements.in").read_text().splitlines():
        name = re.split(r"[<>=!~;\[]", line.split("#")[0])[0].strip()
        if name:
            assert name.lower().replace("_", "-") in lock, f"{name} is not pinned"


def test_jupyter_book_is_1x():
    assert lock_pins(ROOT / "requirements.lock")["jupyter-book"].startswith("1.")
