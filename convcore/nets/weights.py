"""AlexNet's pretrained ImageNet weights: finding, downloading and checking the file.

Weights come from, in this order: a file named by the environment variable
``CONVCORE_ALEXNET_WEIGHTS``; the torch hub cache (``make weights``, that is
``python -m convcore.nets.weights``, fills it); a download of the official file
(:func:`download_weights`, with progress, or ``torch.hub``). Every path checks the file: its
SHA-256 prefix, ``weights_only=True`` loading, and exact keys and shapes. Failures raise
:class:`WeightsError` with a plain sentence and leave no broken file behind; a download killed
with its process leaves a ``*.partial`` file, which :func:`remove_partial_downloads` (torch-free,
from :mod:`convcore.nets.files`: the server calls it at start) deletes.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import torch

from .alexnet import AlexNet, WeightsError, alexnet, check_state_dict
from .files import PARTIAL_SUFFIX, hub_checkpoints_dir, remove_partial_downloads

__all__ = [
    "MISSING",
    "WEIGHTS_BYTES",
    "WEIGHTS_ENV",
    "WEIGHTS_URL",
    "WeightsError",
    "download_weights",
    "find_weights",
    "load_pretrained",
    "load_weights",
    "remove_partial_downloads",
]

WEIGHTS_URL = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"
WEIGHTS_ENV = "CONVCORE_ALEXNET_WEIGHTS"
#: What :func:`load_pretrained` says when there is no file at all (not a damaged or refused one).
MISSING = (
    "The pretrained weights (233 MB) are not on this computer. Download them, run `make weights`, "
    f"or set {WEIGHTS_ENV} to the path of alexnet-owt-7be5be79.pth."
)
WEIGHTS_BYTES = 244_408_911  # the official file, for the progress bar before the server says
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,})\.")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_hash(path: Path, name: str | None = None) -> None:
    """Files named like ``alexnet-owt-7be5be79.pth`` must have a SHA-256 starting with that hex."""
    match = _HASH_IN_NAME.search(name or path.name)
    if match and not _sha256(path).startswith(match.group(1)):
        raise WeightsError(
            f"{path.name} is not the file it claims to be: its checksum does not match the "
            f"'{match.group(1)}' in its name (a damaged or incomplete download?)."
        )


def load_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a weights file safely (``weights_only=True``), checking the hash in its name."""
    p = Path(path)
    if not p.is_file():
        raise WeightsError(f"There is no weights file at {p}.")
    _check_hash(p)
    try:
        # mmap: the 233 MB are read from the page cache as used, not copied into the process
        # (and replicas on one machine share them)
        state = torch.load(p, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # torch.load raises many types on damaged or hostile files
        raise WeightsError(
            f"{p.name} cannot be read as PyTorch weights ({type(exc).__name__}): the file is damaged."
        ) from None
    check_state_dict(state)
    return state


def _hub_dir(model_dir: str | os.PathLike | None) -> Path:
    return hub_checkpoints_dir(model_dir)  # torch.hub.get_dir() / "checkpoints" by default


def find_weights(*, url: str | None = None, model_dir: str | os.PathLike | None = None) -> Path | None:
    """Where usable weights would be read from (env variable, else the hub cache), or None."""
    env = os.environ.get(WEIGHTS_ENV)
    if env:
        return Path(env)
    cached = _hub_dir(model_dir) / os.path.basename(url or WEIGHTS_URL)
    return cached if cached.is_file() else None


def load_pretrained(*, url: str | None = None, model_dir: str | os.PathLike | None = None) -> AlexNet:
    """The pretrained model from the env-variable file or the hub cache (never downloads).

    Raises WeightsError when there is none or it is unusable; a damaged cached file is removed.
    """
    path = find_weights(url=url, model_dir=model_dir)
    if path is None:
        raise WeightsError(MISSING)
    try:
        state = load_weights(path)
    except WeightsError:
        if not os.environ.get(WEIGHTS_ENV):  # never delete a file the user pointed to
            path.unlink(missing_ok=True)
        raise
    return alexnet(state)


def download_weights(
    *,
    url: str | None = None,
    model_dir: str | os.PathLike | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the weights file into the torch hub cache, with progress, and check it.

    The file is written to a temporary name and moved into place only once complete and
    matching the hash in its name, so an interrupted or wrong download leaves nothing behind.
    ``on_progress(done_bytes, total_bytes)`` is called as data arrives. Works for http(s)
    and file:// URLs. ``url`` defaults to :data:`WEIGHTS_URL`.
    """
    url = url or WEIGHTS_URL  # read at call time (tests point it at a local file)
    target_dir = _hub_dir(model_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = os.path.basename(url)
    target = target_dir / name
    fd, tmp_name = tempfile.mkstemp(prefix=name + ".", suffix=PARTIAL_SUFFIX, dir=target_dir)
    tmp = Path(tmp_name)
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or WEIGHTS_BYTES
                done = 0
                while block := response.read(1 << 20):
                    out.write(block)
                    done += len(block)
                    if on_progress:
                        on_progress(done, total)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WeightsError(
                f"The download failed ({reason}). Without internet, copy alexnet-owt-7be5be79.pth to this "
                f"computer and set {WEIGHTS_ENV} to its path, or run `make weights` where there is internet."
            ) from None
        if response.headers.get("Content-Length") and done != int(response.headers["Content-Length"]):
            raise WeightsError(f"The download stopped early ({done} of {total} bytes). Please try again.")
        _check_hash(tmp, name)
        os.replace(tmp, target)
        return target
    finally:
        tmp.unlink(missing_ok=True)


def _main() -> int:
    """``python -m convcore.nets.weights``: download the pretrained weights into the torch hub cache."""
    if find_weights() is not None:
        print(f"AlexNet weights already here: {find_weights()}")
        return 0
    try:
        path = download_weights(
            on_progress=lambda done, total: print(f"\r{done >> 20} of {total >> 20} MB", end="", flush=True)
        )
    except WeightsError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    print(f"\nSaved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
