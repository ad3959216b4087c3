"""docs/ARCHITECTURE.md names modules, functions and files in backticks; each must exist, so that the map
cannot drift from the code."""

from __future__ import annotations

import importlib
import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "ARCHITECTURE.md"
DOTTED = re.compile(r"`(shanhai(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`")
PATH = re.compile(r"`((?:src|tests|bench|docs)/[^`*<>]+|pyproject\.toml)`")


def resolve(name: str) -> object:
    """A dotted name: the longest importable module, then attributes."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(name)


def test_every_module_and_function_named_exists() -> None:
    names = set(DOTTED.findall(DOC.read_text(encoding="utf-8")))
    assert len(names) > 40  # the map names the places; an empty match would prove nothing
    missing = []
    for name in sorted(names):
        try:
            resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"docs/ARCHITECTURE.md names what does not exist: {missing}"


def test_every_path_named_exists() -> None:
    paths = set(PATH.findall(DOC.read_text(encoding="utf-8")))
    assert paths
    missing = [p for p in sorted(paths) if not (ROOT / p).exists()]
    assert not missing, f"docs/ARCHITECTURE.md names files that do not exist: {missing}"


def test_the_check_would_notice_a_missing_name() -> None:
    for name in ("shanhai.lib.cnnum.no_such_function", "shanhai.no_such_package"):
        try:
            resolve(name)
        except (ImportError, AttributeError):
            continue
        raise AssertionError(f"{name} resolved")
