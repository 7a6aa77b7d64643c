"""What a projector shows: cut labels, content wider than the window, the first screen (browser tests).

Used by tests/test_browser_layout.py and by `python -m tests.layout` (screenshots of every page at the
projector sizes, normal and presenter, with the same findings printed: for looking, not for asserting).
"""

from __future__ import annotations

#: The sizes a classroom projector shows (issue 13): a school projector and a 720p one.
SIZES = ((1024, 768), (1280, 720))

#: Every text that is cut: an element whose text overflows it and is clipped (ellipsis, hidden).
#: Streamlit's own hidden helpers (zero-size, aria-hidden, tooltips) are skipped.
CUT_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid=stMain] *, [data-testid=stSidebar] *')) {
    if (!el.offsetParent || el.closest('[aria-hidden=true], .katex')) continue;
    const text = (el.innerText || '').trim();
    if (!text || el.children.length > 3) continue;
    const cs = getComputedStyle(el);
    const clips = cs.textOverflow === 'ellipsis' || cs.overflowX === 'hidden' || cs.overflow === 'hidden';
    if (clips && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      out.push(text.replace(/\\s+/g, ' ').slice(0, 60) + ' [' + el.clientWidth + '<' + el.scrollWidth + ']');
    }
  }
  return [...new Set(out)];
}"""

#: Content wider than the window: the main area scrolls sideways, or an element sticks out to the right.
WIDE_JS = """() => {
  const out = [];
  const main = document.querySelector('[data-testid=stMain]');
  const vw = document.documentElement.clientWidth;
  if (main && main.scrollWidth > main.clientWidth + 1) out.push('stMain scrolls sideways: ' + main.scrollWidth + ' > ' + main.clientWidth);
  if (document.documentElement.scrollWidth > vw + 1) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1) {
      const what = el.querySelector('[data-testid]');
      out.push((what ? what.dataset.testid : 'element') + ' ends at x=' + Math.round(r.right) + ' > ' + vw);
    }
  }
  for (const el of document.querySelectorAll('[data-testid=stMain] *')) {
    const cs = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(cs.overflowX) || el.closest('[data-testid=stDataFrame], .dc-scroll')) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      out.push('scrolls sideways inside the page: ' + (el.innerText || '').replace(/\\s+/g, ' ').slice(0, 50) + ' [' + el.clientWidth + '<' + el.scrollWidth + ']');
  }
  return [...new Set(out)];
}"""

#: Components in iframes whose picture is wider than the frame (cut on its right), and tables that
#: scroll sideways (their last columns hidden: Streamlit draws tables on a canvas).
#: Tables whose columns do not all fit (Glide Data Grid scrolls them sideways, drawn on a canvas).
TABLE_SCROLLS_JS = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stDataFrame]')].flatMap(d =>
  [...d.querySelectorAll('*')].filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) &&
     e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1).map(e => 'table scrolls: ' + e.scrollWidth + ' > ' + e.clientWidth))"""

FRAMES_JS = """() => {
  const out = [];
  for (const f of document.querySelectorAll('[data-testid=stMain] iframe')) {
    try {
      const d = f.contentDocument.documentElement;
      if (d.scrollWidth > f.clientWidth + 1) out.push((f.title || 'iframe') + ': ' + d.scrollWidth + ' > ' + f.clientWidth);
      for (const p of f.contentDocument.querySelectorAll('img, canvas')) {
        const r = p.getBoundingClientRect();
        if (r.width > 0 && r.right > f.clientWidth + 1) out.push((f.title || 'iframe') + ' picture ends at ' + Math.round(r.right) + ' > ' + f.clientWidth);
      }
    } catch (e) { /* another origin: not ours */ }
  }
  for (const t of document.querySelectorAll('[data-testid=stMain] .dc-scroll, [data-testid=stMain] [data-testid=stDataFrame] [role=grid]')) {
    if (t.scrollWidth > t.clientWidth + 1) out.push('table scrolls sideways: ' + t.scrollWidth + ' > ' + t.clientWidth);
  }
  return [...new Set(out)];
}"""


#: Every setting shown on the page, by kind and label: what a link must bring back exactly.
WIDGETS_JS = """(root) => {
  const out = {};
  const name = (el, root) => { if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    const w = el.closest(root); const l = w && w.querySelector('[data-testid=stWidgetLabel]');
    return l ? l.innerText.trim() : ''; };
  const put = (k, v) => { let key = k, n = 2; while (key in out) key = k + ' #' + n++; out[key] = v; };
  const main = document.querySelector(root);
  for (const s of main.querySelectorAll('input[type=range], [role=slider]'))
    put('slider ' + name(s, '[data-testid=stSlider]'), s.getAttribute('aria-valuetext') || s.getAttribute('aria-valuenow') || s.value);
  for (const c of main.querySelectorAll('[data-testid=stCheckbox] input, [data-testid=stToggle] input'))
    put('check ' + name(c, '[data-testid=stCheckbox], [data-testid=stToggle]'), c.checked);
  for (const g of main.querySelectorAll('[data-testid=stRadio]')) {
    const on = g.querySelector('input:checked');
    put('radio ' + name(g, '[data-testid=stRadio]'), on ? on.closest('label').innerText.trim() : null); }
  for (const b of main.querySelectorAll('input[role=combobox]')) put('select ' + name(b, '[data-testid=stSelectbox]'), b.value);
  for (const i of main.querySelectorAll('[data-testid=stNumberInput] input, [data-testid=stTextInput] input'))
    put('input ' + name(i, '[data-testid=stNumberInput], [data-testid=stTextInput]'), i.value);
  for (const t of main.querySelectorAll('[role=tab][aria-selected=true]')) put('tab', t.innerText.trim());
  return out;
}"""


def popovers(page):
    """The main area's popover buttons (their widgets exist only while the popover is open)."""
    return page.get_by_test_id("stMain").get_by_test_id("stPopover").get_by_role("button")


def widgets(page) -> dict:
    """Every setting on the page now (sliders, checkboxes, radios, select boxes, inputs, tabs), those
    in the main area and those in each of its popovers (opened one by one, then closed)."""
    from tests.browser import settle

    out = page.evaluate(WIDGETS_JS, "[data-testid=stMain]")
    for i in range(popovers(page).count()):
        button = popovers(page).nth(i)
        label = button.inner_text().strip()
        button.click()
        page.get_by_test_id("stPopoverBody").wait_for()
        settle(page)
        out.update(
            {f"{label}: {k}": v for k, v in page.evaluate(WIDGETS_JS, "[data-testid=stPopoverBody]").items()}
        )
        page.keyboard.press("Escape")
        page.get_by_test_id("stPopoverBody").wait_for(state="detached")
    return out


def findings(page) -> list[str]:
    """What is wrong with the page as shown now (empty when nothing)."""
    out = [f"cut: {t}" for t in page.evaluate(CUT_JS)]
    out += [f"wide: {t}" for t in page.evaluate(WIDE_JS)]
    out += [f"frame: {t}" for t in page.evaluate(FRAMES_JS)]
    out += [f"exception: {t[:80]}" for t in page.get_by_test_id("stException").all_inner_texts()]
    return out


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2 A and AA violations on the page as shown now (axe-playwright-python, offline)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    result = Axe().run(page, options=options)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "targets": [" ".join(map(str, n["target"])) for n in v["nodes"]],
            "summary": [n.get("failureSummary", "")[:160] for n in v["nodes"]],
        }
        for v in result.response["violations"]
    ]


def first_screen_top(page, selector: str) -> float | None:
    """The top of the first element matching selector in the viewport's coordinates (None: absent)."""
    return page.evaluate(
        "(q) => { const e = document.querySelector(q); return e ? e.getBoundingClientRect().top : null; }",
        selector,
    )


def _main() -> int:  # pragma: no cover - a tool for looking, run by hand
    import argparse
    import os
    import sys
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from app import registry
    from tests.browser import ROOT, chromium_path, images_loaded, settle

    sys.path.insert(0, str(ROOT / "deploy"))
    from cluster import free_port, server_env, start_server

    ap = argparse.ArgumentParser(description="Screenshots and layout findings at projector sizes.")
    ap.add_argument("--out", type=Path, default=Path("/tmp/layout"))
    ap.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    ap.add_argument("--modes", default="normal,presenter")
    ap.add_argument("--query", default="", help="extra query string for every page")
    ap.add_argument("--axe", action="store_true", help="run axe-core too")
    ap.add_argument("--full", action="store_true", help="full-length screenshots too")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.pages.split(",") if args.pages else [p.name for p in registry.PAGES]
    port = free_port()
    proc = start_server(port, server_env(), args.out / "server.log")
    bad = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), headless=True)
            for name in names:
                for w, h in SIZES:
                    for mode in args.modes.split(","):
                        ctx = browser.new_context(viewport={"width": w, "height": h})
                        page = ctx.new_page()
                        query = "&".join(
                            q for q in (args.query, "presenter=1" if mode == "presenter" else "") if q
                        )
                        path = "" if name == "home" else name
                        page.goto(f"http://127.0.0.1:{port}/{path}" + (f"?{query}" if query else ""))
                        settle(page)
                        try:
                            images_loaded(page)
                        except Exception:  # noqa: BLE001 - a page without pictures
                            pass
                        page.wait_for_timeout(800)
                        stem = f"{name}_{w}_{mode}"
                        page.screenshot(path=str(args.out / f"{stem}.png"))
                        if args.full:
                            page.screenshot(path=str(args.out / f"{stem}_full.png"), full_page=True)
                        found = findings(page)
                        if args.axe:
                            for v in axe_violations(page):
                                found += [
                                    f"axe {v['id']}: {t}  -- {m}" for t, m in zip(v["targets"], v["summary"])
                                ]
                        bad += bool(found)
                        print(
                            stem, "OK" if not found else "", *found, sep="\n  " if found else " ", flush=True
                        )
                        ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{bad} views with findings; screenshots in {args.out}", file=sys.stderr)
    return 0 if os.environ.get("STRICT") is None or not bad else 1


if __name__ == "__main__":
    raise SystemExit(_main())
