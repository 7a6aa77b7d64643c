"""The Filter Lab in real Chromium at projector sizes (issue 13): nothing cut or too wide in any of
its views, normal and presenter; the map drawn at its true size (stride 3: a third as wide)."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle
from tests.layout import SIZES, axe_violations, findings
from tests.test_browser_layout import STREAMLIT_OWN

pytestmark = BROWSER

#: The views a lesson goes through: settings in the address (the widgets' own URL binding).
VIEWS = {
    "sobel": "",
    "stride3": "lab.stride=3",
    "blur12": "lab.filter=Blur+and+sharpen:+Gaussian+blur&lab.gaussian_blur.sigma=12&lab.kernel_numbers=true",
    "colour_flip": "lab.filter=Colour:+Green+patches&lab.flip=true&lab.kernel_numbers=true",
    "custom_rgb": "lab.filter=Custom:+type+your+own+numbers&lab.custom.rgb=true",
    "three_maps": "lab.colour.detector=Each+colour+channel:+three+maps",
    "bank": "lab.tab=Filter+bank&bank.name=Colour+detectors&bank.rgb=true",
    "two": "lab.tab=Two+filters+in+a+row&image.sample=Digit+7",
    "two_relu": "lab.tab=Two+filters+in+a+row&two.relu=true",
}


def _open(server, page, query: str, size: tuple[int, int] = (1280, 720), presenter: bool = False) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    params = "&".join(q for q in (query, "presenter=1" if presenter else "") if q)
    page.goto(f"{server}/filter_lab" + (f"?{params}" if params else ""))
    settle(page)
    images_loaded(page)
    page.wait_for_timeout(400)  # late pictures change the layout once more
    settle(page)
    # nothing left from a rerun: Streamlit fades stale elements (axe would find their faded text)
    page.wait_for_function("() => !document.querySelector('[data-stale=true]')", timeout=30_000)


def _width(page, alt_start: str) -> float:
    img = page.locator(f"img[alt^='{alt_start}']").first
    expect(img).to_be_visible()
    return img.evaluate("e => e.getBoundingClientRect().width")


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("view", list(VIEWS))
def test_nothing_is_cut_or_too_wide(server, page, view, size, presenter):
    _open(server, page, VIEWS[view], size, presenter)
    found = findings(page)
    violations = {v["id"]: v["targets"] for v in axe_violations(page)}
    violations = {k: [t for t in v if STREAMLIT_OWN.get(k, "\0") not in t] for k, v in violations.items()}
    violations = {k: v for k, v in violations.items() if v}
    if found or violations:
        page.screenshot(
            path=str(ARTIFACTS / f"filter_lab_{view}_{size[0]}_{'presenter' if presenter else 'normal'}.png")
        )
    assert found == []
    assert violations == {}


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_map_is_drawn_at_its_true_size(server, page, size, presenter):
    _open(server, page, "", size, presenter)
    photo, one = _width(page, "input picture"), _width(page, "feature map of")
    assert one == pytest.approx(photo, rel=0.01)  # stride 1, 'same' padding: 512 x 600 both
    # the first screen shows the whole input picture and its map
    bottom = page.locator("img[alt^='input picture']").evaluate("e => e.getBoundingClientRect().bottom")
    assert bottom <= size[1]
    page.get_by_role("slider").first.focus()  # the stride: Sobel x has no slider of its own
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        settle(page)
    expect(page.get_by_text("feature map 171 x 200", exact=False).first).to_be_visible()
    images_loaded(page)
    three = _width(page, "feature map of")
    assert _width(page, "input picture") == pytest.approx(photo, rel=0.01), "the input keeps its size"
    assert three == pytest.approx(photo * 171 / 512, rel=0.03), (photo, three)
    assert three < one / 2.5


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_two_filters_in_a_row_are_on_the_first_screen(server, page, presenter):
    """Lesson step 8 at 1024 x 768: the ReLU switch, the five pictures and the difference are seen
    without scrolling."""
    _open(server, page, VIEWS["two_relu"], (1024, 768), presenter)
    starts = (
        "the input ",
        "map of filter A",
        "map of filter B",
        "the combined kernel C",
        "map of the combined",
    )
    for start in starts:
        img = page.locator(f"img[alt^='{start}']").first
        expect(img).to_be_visible()
        box = img.evaluate("e => e.getBoundingClientRect().toJSON()")
        assert box["bottom"] <= 768 and box["width"] >= 100, (start, box)
    said = page.get_by_text("Largest difference", exact=False).first
    assert said.evaluate("e => e.getBoundingClientRect().bottom") <= 768
    toggle = page.get_by_text("ReLU between them", exact=True)
    assert toggle.evaluate("e => e.getBoundingClientRect().top") >= 0


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_two_filters_in_a_row_keep_a_landscape_photo_in_its_columns(server, page, presenter):
    """A landscape picture (the coffee cup, 3:2; most uploaded photos are 4:3) at 1024 x 768: each
    picture stays inside its column, none runs under the next one."""
    _open(server, page, "lab.tab=Two+filters+in+a+row&image.sample=Coffee+cup", (1024, 768), presenter)
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('img')]
             .filter(i => /^(the input|map of|the combined)/.test(i.alt))
             .map(i => [i.alt, i.getBoundingClientRect().toJSON(),
                        i.closest('[data-testid=stColumn]').getBoundingClientRect().toJSON()])"""
    )
    assert len(boxes) == 5
    for alt, box, column in boxes:
        assert column["left"] - 1 <= box["left"] and box["right"] <= column["right"] + 1, (alt, box, column)
        assert box["width"] >= 100, (alt, box)
    rows = {}
    for alt, box, _ in boxes:
        rows.setdefault(round(box["top"] / 40), []).append((box["left"], box["right"], alt))
    for row in rows.values():
        row.sort()
        for (_, right, alt), (left, _, nxt) in zip(row, row[1:]):
            assert right <= left, (alt, nxt)
