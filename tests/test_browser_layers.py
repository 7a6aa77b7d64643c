"""Parameters and receptive fields on a classroom projector (1024 x 768, 1280 x 720), normal and
presenter mode, in real Chromium: nothing cut, every table column shown, the picture described."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, BROWSER, expect, open_view
from tests.layout import SIZES, TABLE_SCROLLS_JS, findings

pytestmark = BROWSER


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_layers_fits_a_projector(server, page, size, presenter):
    w, h = size
    open_view(page, server + "/layers", size, presenter)
    page.wait_for_timeout(500)
    found = findings(page) + page.evaluate(TABLE_SCROLLS_JS)
    if found:
        page.screenshot(path=str(ARTIFACTS / f"layers_{w}_{'presenter' if presenter else 'normal'}.png"))
    assert found == []
    picture = page.get_by_role(
        "img", name="the input image with the 195 x 195 pixels that unit (row 4, column 4)"
    )
    expect(picture).to_be_visible()
