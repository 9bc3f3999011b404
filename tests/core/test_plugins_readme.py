"""plugins/README.md names only what exists: every `core.…` name it mentions, every name its
examples import from core, and every core file it points at (a renamed function or module
must take the guide with it)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "plugins" / "README.md").read_text()


def _resolves(dotted: str) -> bool:
    """Whether `core.a.b.c` is a module or an attribute reachable from the longest module."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def test_the_core_names_the_guide_mentions_exist():
    named = set(re.findall(r"`(core(?:\.\w+)+)(?:\(\))?`", README))
    # The mail section's own names, so the test notices if they stop being mentioned.
    assert {"core.mail.deliver", "core.transfer_gate.record_outcome"} <= named
    assert {n for n in named if not _resolves(n)} == set()


def test_the_names_its_examples_import_from_core_exist():
    imports = re.findall(r"^from (core(?:\.\w+)*) import ([\w, ]+)$", README, flags=re.M)
    assert ("core.mail", "PermanentMailError, send_gated") in imports
    missing = [
        f"{module}.{name.strip()}"
        for module, names in imports
        for name in names.split(",")
        if not _resolves(f"{module}.{name.strip()}")
    ]
    assert missing == []


def test_the_core_files_it_points_at_exist():
    paths = set(re.findall(r"`(core/[\w/]+\.py)`", README))
    assert "core/hookspecs.py" in paths
    assert [p for p in sorted(paths) if not (ROOT / p).is_file()] == []
