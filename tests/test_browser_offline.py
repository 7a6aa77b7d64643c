"""Offline in real Chromium: no page of the app fetches anything from another computer.

Classrooms run the app without internet (or behind a school filter): a font, a script or a
favicon from a CDN fails there, slowly, and tells a third party who opened what. Every request
each page makes (its frames', the components', the favicon's included) must go to the app's own
server on 127.0.0.1.
"""

from __future__ import annotations

import urllib.parse

import pytest

from app import registry
from tests.browser import BROWSER, settle

pytestmark = BROWSER

#: Schemes that fetch nothing over the network.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}


def is_local(url: str, server: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    own = urllib.parse.urlsplit(server)
    return parts.scheme in {"http", "ws"} and (parts.hostname, parts.port) == (own.hostname, own.port)


@pytest.mark.parametrize("entry", registry.PAGES, ids=lambda p: p.url_path or "home")
def test_every_request_of_the_page_stays_on_the_server(server, page, entry):
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("websocket", lambda ws: seen.append(ws.url))
    outside: list[str] = []

    def refuse(route):  # offline, as in a classroom without internet: and recorded
        outside.append(route.request.url)
        route.abort("internetdisconnected")

    page.route(lambda url: not is_local(url, server), refuse)
    page.goto(f"{server}/{entry.url_path}")
    settle(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the favicon is asked for after the page has loaded
    assert any(u.endswith("/_stcore/stream") for u in seen), "the page connected (a check of the check)"
    elsewhere = sorted({u for u in seen + outside if not is_local(u, server)})
    assert elsewhere == [], f"{entry.title} fetched from outside the server: {elsewhere}"
    # the favicon the page names (set by st.set_page_config) is the server's, and it is there
    icons = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    assert icons and all(is_local(u, server) for u in icons), f"the favicon comes from {icons}"
    answer = page.request.get(icons[-1])
    assert answer.ok and answer.headers["content-type"].startswith("image/"), icons[-1]
