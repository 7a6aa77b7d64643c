"""Helpers for the AppTest tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Every page script, found on disk (a new page is tested without editing this list).
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def by_label(elements, label):
    """The first widget with this label (fails with the labels there are)."""
    matches = [e for e in elements if e.label == label]
    assert matches, f"no widget labelled {label!r}: {[e.label for e in elements]}"
    return matches[0]
