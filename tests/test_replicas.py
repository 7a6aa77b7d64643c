"""Scale-out: two `streamlit run` replicas behind nginx (Debian's package) on loopback.

Proves what a multi-replica deployment needs: WebSocket upgrade through the proxy, sticky
sessions (every request of a browser reaches the replica that holds its session, uploads and
images included), and load spread over the replicas. The classroom load test runs through it
(bench/stclient.py sessions), and a real Chromium uses the app through it.
"""

from __future__ import annotations

import asyncio
import types
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from cluster import Cluster, render_config  # noqa: E402
from loadtest import drive, phone_photo  # noqa: E402
from playwright.sync_api import expect
from stclient import Session  # noqa: E402

from tests.browser import BROWSER, ROOT, settle


@pytest.fixture(scope="module")
def cluster():
    with Cluster(2) as c:
        yield c


def test_the_config_routes_websockets_and_sticks_sessions():
    conf = render_config(ROOT / "tmp", "127.0.0.1:8080", ["127.0.0.1:8601", "127.0.0.1:8602"])
    assert "{{" not in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "hash $sticky_key consistent;" in conf
    assert "server 127.0.0.1:8601" in conf and "server 127.0.0.1:8602" in conf
    assert "client_max_body_size 26m;" in conf  # the app's 25 MB upload limit gets through


def test_each_browser_gets_a_replica_cookie_and_keeps_its_replica(cluster):
    seen = set()
    for _ in range(12):  # twelve new browsers
        s = Session(cluster.url)
        s._http("GET", "/")
        assert "convviz_replica" in s.cookies, "nginx sets the sticky cookie on the first request"
        for path in ("/_stcore/health", "/_stcore/host-config", "/"):
            s._http("GET", path)
        assert len(s.upstreams) == 1, f"one browser's requests went to {s.upstreams}"
        seen |= s.upstreams
    assert seen == set(cluster.upstreams), "both replicas get browsers"


def test_the_classroom_load_test_runs_through_nginx(cluster):
    args = types.SimpleNamespace(sessions=6, duration=15.0, ramp=3.0, think=1.5, seed=3)
    photos = [phone_photo(k, size=(1600, 1200)) for k in range(3)]
    # in a thread of its own: Playwright's sync API may already run an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, drive(cluster.url, photos, args, cluster.pids)).result()
    assert result["errors"] == []
    assert result["actions"] >= 6 * 4  # each session opened, uploaded and moved widgets
    assert "upload a photo" in result["rows"]
    assert result["sticky"], "every session stayed on one replica"
    assert set(result["upstreams"]) == set(cluster.upstreams), "sessions were spread over both replicas"


def test_a_replica_answers_health_checks_directly(cluster):
    for port in cluster.ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
            assert r.status == 200 and r.read() == b"ok"


@BROWSER[0]
@BROWSER[1]
def test_chromium_uses_the_app_through_nginx(cluster, page):
    page.goto(cluster.url + "/filter_lab")
    settle(page)  # connected: the WebSocket upgrade went through nginx
    expect(page.get_by_role("heading", name="Filter Lab")).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_text("Upload", exact=True).click()
    settle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(ROOT / "assets" / "coffee.jpg"))
    settle(page)  # the upload (an HTTP PUT) reached the replica that holds this session
    expect(page.get_by_test_id("stSidebar").get_by_text("coffee.jpg: 600 x 400 pixels")).to_be_visible()
    expect(page.get_by_text("Feature map: 600 x 400")).to_be_visible()
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    settle(page)
    expect(page.get_by_text("Feature map: 300 x 200")).to_be_visible()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert "convviz_replica" in cookies
