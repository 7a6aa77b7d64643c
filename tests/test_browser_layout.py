"""Every page on a classroom projector (1024 x 768, 1280 x 720), normal and presenter mode, in real
Chromium: no label cut, nothing wider than the window, no error, and axe-core's WCAG 2 A/AA rules."""

from __future__ import annotations

import pytest

from app import registry
from tests.browser import ARTIFACTS, BROWSER, load, settle
from tests.layout import SIZES, axe_violations, findings

pytestmark = BROWSER

#: axe-core findings that come from Streamlit's own widgets, not from anything the app draws, each
#: with the reason it cannot be fixed from the app (rule id -> a CSS selector part of the node).
STREAMLIT_OWN = {
    # st.data_editor draws its grid on a <canvas> inside a scrolling div (Glide Data Grid) that
    # takes the keyboard focus on the canvas, not on the scrolling div axe looks at: the grid is
    # keyboard-operable (arrow keys, Enter to edit), axe cannot see that.
    "scrollable-region-focusable": ".dc-scroll",
}


def _ours(violation: dict) -> list[str]:
    part = STREAMLIT_OWN.get(violation["id"])
    return [t for t in violation["targets"] if part is None or part not in t]


def _open(server, page, name: str, size: tuple[int, int], presenter: bool):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    path = "" if name == "home" else name
    load(page, f"{server}/{path}" + ("?presenter=1" if presenter else ""))
    page.wait_for_timeout(300)
    settle(page)
    return errors


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", [p.name for p in registry.PAGES])
def test_the_page_fits_a_projector_and_passes_axe(server, page, name, size, presenter):
    errors = _open(server, page, name, size, presenter)
    found = findings(page)
    violations = {v["id"]: _ours(v) for v in axe_violations(page)}
    violations = {k: v for k, v in violations.items() if v}
    if found or violations or errors:
        mode = "presenter" if presenter else "normal"
        page.screenshot(path=str(ARTIFACTS / f"layout_{name}_{size[0]}_{mode}.png"))
    assert not errors, errors
    assert found == []
    assert violations == {}


#: Marks every control a student can use in the main area and the sidebar (one per radio group and
#: per tab list: the arrow keys move inside those, as in every browser).
_CONTROLS_JS = """() => {
  const q = 'button, a[href], input:not([type=hidden]):not([type=radio]), input[type=radio]:checked, ' +
            '[role=slider], [role=tab][aria-selected=true], textarea, select, [tabindex="0"]';
  let n = 0;
  for (const el of document.querySelectorAll('[data-testid=stMain] *, [data-testid=stSidebar] *')) {
    if (!el.matches(q) || el.disabled || el.getAttribute('aria-disabled') === 'true' || el.tabIndex < 0) continue;
    const r = el.getBoundingClientRect();
    if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
    if (r.width === 0 || r.height === 0 || el.closest('[aria-hidden=true], [inert]')) continue;
    if (getComputedStyle(el).visibility === 'hidden' || getComputedStyle(el).opacity === '0') continue;
    el.dataset.kb = String(n++);
  }
  return n;
}"""
#: The focused control's mark, and whether its focus can be seen: the outline, ring, border or
#: background of it or of the widget drawn around it differs from the same control unfocused.
_FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || !el.dataset || el.dataset.kb === undefined) return [null, true];
  const look = () => { let s = ''; for (let e = el, i = 0; e && i < 4; e = e.parentElement, i++) {
    const c = getComputedStyle(e);
    s += [c.outlineStyle, c.outlineWidth, c.outlineColor, c.boxShadow, c.borderColor, c.backgroundColor].join() + '|'; }
    return s; };
  const focused = look();
  el.blur();
  const unfocused = look();
  el.focus();
  return [el.dataset.kb, focused !== unfocused];
}"""
#: No animation: the style is read at once after focus moves.
_NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


@pytest.mark.parametrize("name", [p.name for p in registry.PAGES])
def test_every_control_is_reached_with_the_keyboard_and_its_focus_shows(server, page, name):
    _open(server, page, name, (1280, 720), False)
    page.add_style_tag(content=_NO_TRANSITIONS)
    total = page.evaluate(_CONTROLS_JS)
    reached, unseen = set(), set()
    page.locator("body").focus()
    for _ in range(total * 2 + 20):
        page.keyboard.press("Tab")
        mark, seen = page.evaluate(_FOCUSED_JS)
        if mark is not None:
            reached.add(mark)
            if not seen:
                unseen.add(mark)
        if len(reached) == total:
            break
    missed = [page.locator(f"[data-kb='{m}']").evaluate("e => e.outerHTML.slice(0, 120)")
              for m in map(str, range(total)) if m not in reached]  # fmt: skip
    assert total > 3 and missed == []
    hidden = [page.locator(f"[data-kb='{m}']").evaluate("e => e.outerHTML.slice(0, 120)") for m in unseen]
    assert hidden == []
