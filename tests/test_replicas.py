"""Scale-out: two `streamlit run` replicas behind nginx (Debian's package) on loopback.

Proves what a multi-replica deployment needs: WebSocket upgrade through the proxy, sticky
sessions (every request of a browser reaches the replica that holds its session, uploads and
images included), and load spread over the replicas. The classroom load test runs through it
(bench/stclient.py sessions), and a real Chromium uses the app through it. Which replica answered
is read from nginx's access log: no response tells the browser.

And the front door's security: Streamlit's /_stcore/metrics is not served, every response
carries anti-framing, nosniff and no-referrer headers, and another site cannot frame the app.
"""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
import types
import urllib.error
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
    assert "X-Upstream" not in conf  # the replica's address is logged, not sent to browsers
    assert "sticky=$sticky_key upstream=$upstream_addr" in conf


#: What every response through nginx carries (the component pages: see ``COMPONENT_HEADERS``).
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: The custom components' pages are framed by the app itself: same origin only.
COMPONENT_HEADERS = SECURITY_HEADERS | {
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
}


def get(url: str):
    """(status, headers) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def assert_security_headers(headers, expected=SECURITY_HEADERS) -> None:
    for name, value in expected.items():
        assert headers.get_all(name) == [value], f"{name}: {headers.get_all(name)}"
    assert "X-Upstream" not in headers


def test_nginx_does_not_serve_the_metrics(cluster):
    for path in (
        "/_stcore/metrics",
        "/_stcore/metrics?families=session_events",
        "/_stcore/metrics/",
        "/_stcore/%6Detrics",  # nginx matches the decoded path
        "//_stcore//metrics",  # and merges slashes
    ):
        status, headers = get(cluster.url + path)
        assert status == 404, path
        assert_security_headers(headers)  # nginx's own answers carry them too
    # the replicas still have them (nginx is what keeps them from the classroom)
    status, _ = get(f"http://127.0.0.1:{cluster.ports[0]}/_stcore/metrics")
    assert status == 200


def test_every_response_carries_the_security_headers_and_no_upstream(cluster):
    for path in ("/", "/filter_lab", "/_stcore/health", "/_stcore/host-config", "/no-such-page"):
        status, headers = get(cluster.url + path)
        assert status == 200, path
        assert_security_headers(headers)
    # a static file: Streamlit sends nosniff itself, nginx's replaces it (never twice)
    with urllib.request.urlopen(cluster.url + "/", timeout=10) as r:
        script = r.read().decode().split('<script type="module" crossorigin src="', 1)[1].split('"', 1)[0]
    status, headers = get(cluster.url + "/" + script.removeprefix("./"))
    assert status == 200 and headers.get_content_type().endswith("javascript")
    assert_security_headers(headers)


def sticky_log(cluster, since: int, keys: set[str], websockets: int = 0) -> dict[str, set[str]]:
    """The replicas that answered each of ``keys`` (nginx's access log, from offset ``since``);
    waits until the log has ``websockets`` closed WebSockets (logged when they close)."""
    deadline = time.monotonic() + 15
    while True:
        text = cluster.access_log.read_bytes()[since:].decode(errors="replace")
        if text.count("GET /_stcore/stream ") >= websockets or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    seen = cluster.replicas_by_browser(since)
    return {k: v for k, v in seen.items() if k in keys} if keys else seen


def test_each_browser_gets_a_replica_cookie_and_keeps_its_replica(cluster):
    since = cluster.log_offset()
    keys = set()
    for _ in range(12):  # twelve new browsers
        s = Session(cluster.url)
        s._http("GET", "/")
        assert "convviz_replica" in s.cookies, "nginx sets the sticky cookie on the first request"
        for path in ("/_stcore/health", "/_stcore/host-config", "/"):
            s._http("GET", path)
        keys.add(s.cookies["convviz_replica"])
    seen = sticky_log(cluster, since, keys)
    assert set(seen) == keys, "every browser's requests are in the log, under its cookie"
    for key, upstreams in seen.items():
        assert len(upstreams) == 1, f"browser {key}'s requests went to {upstreams}"
    assert set().union(*seen.values()) == set(cluster.upstreams), "both replicas get browsers"


def test_the_classroom_load_test_runs_through_nginx(cluster):
    args = types.SimpleNamespace(sessions=6, duration=15.0, ramp=3.0, think=1.5, seed=3)
    photos = [phone_photo(k, size=(1600, 1200)) for k in range(3)]
    since = cluster.log_offset()
    # in a thread of its own: Playwright's sync API may already run an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, drive(cluster.url, photos, args, cluster.pids)).result()
    assert result["errors"] == []
    assert result["actions"] >= 6 * 4  # each session opened, uploaded and moved widgets
    assert "upload a photo" in result["rows"]
    # every session (its page, uploads, media and WebSocket) stayed on one replica: nginx's log
    seen = sticky_log(cluster, since, set(), websockets=result["sessions_opened"])
    assert len(seen) == result["sessions_opened"]
    assert all(len(upstreams) == 1 for upstreams in seen.values()), seen
    assert set().union(*seen.values()) == set(cluster.upstreams), "sessions were spread over both replicas"


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


@BROWSER[0]
@BROWSER[1]
def test_the_components_frames_render_through_nginx(cluster, page):
    # AlexNet's clickable filter grid (its conv1 tab) is an iframe of the app's own origin: SAMEORIGIN lets it
    # render (the step pages' grids are v2 components in the page since issue 14)
    answers = []
    page.on("response", lambda r: answers.append(r) if "/component/" in r.url and ".html" in r.url else None)
    page.goto(cluster.url + "/alexnet")
    settle(page)
    page.get_by_role("tab", name="Its filters (conv1)").click()
    settle(page)
    frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']").first
    expect(frame.locator("img")).to_be_visible(timeout=30_000)
    assert answers
    for answer in answers:
        headers = answer.headers
        assert answer.status == 200 and "x-upstream" not in headers
        assert {k: headers.get(k.lower()) for k in COMPONENT_HEADERS} == COMPONENT_HEADERS
    page.goto(cluster.url + "/train")  # the digit canvas (a v2 component, in the page itself)
    settle(page)
    expect(page.locator("canvas").first).to_be_visible(timeout=30_000)
    page.goto(cluster.url + "/conv_steps")  # the step grids (a v2 component too)
    settle(page)
    expect(page.locator(".sg .output .cell").first).to_be_visible(timeout=30_000)


class _Framer(http.server.BaseHTTPRequestHandler):
    """Another site (another origin: its own port) whose page frames the given URLs."""

    urls: tuple[str, ...] = ()

    def do_GET(self):  # noqa: N802
        body = "".join(f'<iframe src="{u}"></iframe>' for u in self.urls).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@BROWSER[0]
@BROWSER[1]
def test_another_site_cannot_frame_the_app(cluster, page):
    component = "/component/streamlit_image_coordinates.streamlit_image_coordinates/index.html"
    direct = f"http://127.0.0.1:{cluster.ports[0]}/_stcore/health"  # no nginx, no headers: the control
    _Framer.urls = (cluster.url + "/", cluster.url + component, direct)
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Framer)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        page.wait_for_timeout(1500)
        app, comp, control = (f.url for f in page.frames[1:])
    finally:
        site.shutdown()
    assert control == direct, "the other site can frame what nginx does not guard"
    assert app.startswith("chrome-error:") and comp.startswith("chrome-error:"), (app, comp)


def test_the_load_tests_by_widget_count_names_each_kind_of_widget_once():
    from loadtest import widget_family

    assert widget_family("ps.crop_row." + "ab12" * 16) == "ps.crop_row"
    assert widget_family("cs._next_answer_560509509") == "cs._next_answer"
    assert widget_family("ax.unit_col.relu5") == "ax.unit_col.relu5"  # a layer's name stays
    assert widget_family("lab.filter") == "lab.filter"
