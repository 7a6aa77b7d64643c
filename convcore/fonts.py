"""The DejaVu fonts that ship with matplotlib (so that text and digits are drawn offline), found
on disk without importing matplotlib: importing it costs a server about 13 MB and 60 ms of the
interpreter's lock for nothing but a folder name (issue 18)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

__all__ = ["font_dir"]


@lru_cache(maxsize=1)
def font_dir() -> Path:
    """The folder of matplotlib's TrueType fonts (``mpl-data/fonts/ttf``)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:  # pragma: no cover - matplotlib is a requirement
        raise RuntimeError("the DejaVu fonts come with matplotlib, which is not installed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
