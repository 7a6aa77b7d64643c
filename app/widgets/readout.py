"""The Filter Lab's pictures with a hover readout (issue 14): a Streamlit component (v2, in the page,
no iframe) that draws the input and its feature map(s) and, for the pixel pointed at, its window on
the input, the numbers under the kernel, the products, the sum, the bias and the value.

The server sends one payload per settings change (:func:`app.caches.readout_arrays` plus the
pictures); the browser answers the mouse on its own (``app/web/conv_readout.js``): no rerun per move.
"""

from __future__ import annotations

import json
import struct

import convcore
from app import caches, components, session
from app.session import internal

_HTML = '<div class="cr"><div class="pics"></div><div class="readout" data-conv-readout></div>' \
        '<div class="said" role="status" aria-live="polite"></div></div>'  # fmt: skip
#: What each input channel is called, and its colour in the readout's input grid (RGB multipliers).
_CHANNELS = {
    1: (["Brightness"], [[1, 1, 1]]),
    3: (["Red", "Green", "Blue"], [[1, 0, 0], [0, 1, 0], [0, 0.8, 1]]),
}


def payload(head: dict, arrays: bytes, pictures: list[tuple[bytes, str, dict]]) -> bytes:
    """One message for the component: a little-endian uint32 header length, the JSON header, padding
    to 4 bytes, then ``arrays`` (offsets as in the header) and the pictures (``(bytes, mime, info)``;
    their offsets and lengths are added to ``info``, listed in the header's "pictures")."""
    offset, listed = len(arrays), []
    for data, mime, info in pictures:
        listed.append({**info, "offset": offset, "length": len(data), "mime": mime})
        offset += len(data)
    text = json.dumps({**head, "pictures": listed}, separators=(",", ":")).encode()
    pad = b"\0" * ((4 - (4 + len(text)) % 4) % 4)
    return b"".join([struct.pack("<I", len(text)), text, pad, arrays, *(p[0] for p in pictures)])


def feature_maps(image: caches.CurrentImage, filt: convcore.Filter, key: caches.MapKey,
                 out: caches.Rendered, shares: list[float], gap: float, captions: list[str | None], alts: list[str],
                 prefix: str) -> None:  # fmt: skip
    """The input and ``key``'s map(s) side by side, the readout beside them where the row has room
    (else under them).

    ``shares`` are the pictures' widths in % of the row (input first), ``gap`` the space between
    them in %, ``captions`` and ``alts`` theirs too (a map's caption may be None)."""
    head, arrays = caches.readout_arrays(image, filt, key)
    (h, w), (oh, ow) = image.pixels.shape[:2], head["out"]
    names, tints = _CHANNELS[head["padded"]["channels"]]
    photo = caches.shown_photo(image, caches.enlargement((h, w), (oh, ow)))
    mime = "image/png" if photo[:4] == b"\x89PNG" else "image/jpeg"
    pictures = [(photo, mime, {"share": shares[0], "caption": captions[0], "alt": alts[0]})]
    pictures += [(png, "image/png", {"share": s, "caption": c, "alt": a})
                 for png, s, c, a in zip(out.map_pngs, shares[1:], captions[1:], alts[1:])]  # fmt: skip
    extra = {
        "channel_names": names,
        "tints": tints,
        "flip": key.params.flip,
        "big": session.presenting(),
        "gap": gap,
    }
    components.component("conv_readout", _HTML)(data=payload({**head, **extra}, arrays, pictures), key=internal(prefix, "readout"),
               height="content", width="stretch")  # fmt: skip
