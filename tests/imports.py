"""What a piece of code imports, seen from a fresh interpreter (the server's memory and its first
paint depend on which heavy modules load; issue 18)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Run ``code`` in a new Python process started in the project folder and return which of
    ``modules`` (or their submodules) it left imported, sorted. ``code`` failing fails the test."""
    probe = (
        f"{code}\n"
        "import sys as _sys\n"
        f"_wanted = {modules!r}\n"
        "print(repr(sorted(m for m in _sys.modules if any(m == w or m.startswith(w + '.') for w in _wanted))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])
