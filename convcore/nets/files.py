"""Where the weights file goes, and cleaning up after killed downloads: no torch here.

:mod:`convcore.nets.weights` downloads into a temporary ``<name>.<random>.partial`` file in the
torch hub checkpoints folder and renames it when complete. A server killed mid-download (a
restart, Ctrl-C, the power) leaves that file behind, up to the whole 233 MB. The server calls
:func:`remove_partial_downloads` once at start; it imports no torch, so the start stays fast.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

__all__ = ["PARTIAL_SUFFIX", "STALE_SECONDS", "hub_checkpoints_dir", "remove_partial_downloads"]

#: The suffix of a download in progress (``tempfile.mkstemp(suffix=...)`` in weights.py).
PARTIAL_SUFFIX = ".partial"
#: A partial file untouched for this long is a dead download: a live one is written every
#: moment (a block of 1 MB at a time), and one that gets no data for its read timeout (30 s)
#: fails and removes its own file. So another process's download in progress is kept.
STALE_SECONDS = 60.0


def hub_checkpoints_dir(model_dir: str | os.PathLike | None = None) -> Path:
    """``model_dir``, else the folder torch.hub downloads weights into: ``torch.hub.get_dir()``
    + ``/checkpoints``, that is ``$TORCH_HOME/hub/checkpoints`` (``$TORCH_HOME`` defaults to
    ``$XDG_CACHE_HOME/torch``, that to ``~/.cache/torch``). Computed as torch does, without
    importing it; where torch is already imported, asks it (it honours ``torch.hub.set_dir``)."""
    if model_dir is not None:
        return Path(model_dir)
    torch = sys.modules.get("torch")
    hub = getattr(torch, "hub", None) if torch is not None else None
    if hub is not None:
        return Path(hub.get_dir()) / "checkpoints"
    cache = os.getenv("XDG_CACHE_HOME", "~/.cache")
    home = os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))
    return Path(home) / "hub" / "checkpoints"


def remove_partial_downloads(
    model_dir: str | os.PathLike | None = None, *, older_than: float = STALE_SECONDS
) -> list[Path]:
    """Delete the ``*.partial`` files that killed downloads left in the checkpoints folder.

    Only files not modified for ``older_than`` seconds (a download still running, in this
    process or another, keeps writing its file). Nothing else is touched; a missing folder or
    a file that vanishes or cannot be removed meanwhile is skipped. Returns the paths removed.
    """
    folder = hub_checkpoints_dir(model_dir)
    removed: list[Path] = []
    try:
        candidates = sorted(folder.glob("*" + PARTIAL_SUFFIX))
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        try:
            if not path.is_file() or path.is_symlink() or now - path.stat().st_mtime < older_than:
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed
