"""A Streamlit client at the WebSocket level: what a browser tab does, without the browser.

A page load in a browser is: GET / (which sets the XSRF cookie), a WebSocket to
``/_stcore/stream`` (subprotocols ``streamlit`` and the XSRF token), and a ``rerun_script``
message naming the page. The server then runs the page's script and streams ForwardMsgs back:
deltas (elements, widgets with their ids and ranges), and ``script_finished``. Moving a widget is
another ``rerun_script`` carrying every widget's state. An upload is a ``file_urls_request``,
an HTTP PUT of the file (with the XSRF header) and a rerun carrying the uploader's new state.
The browser then fetches the images the deltas name (``/media/...``); so does this client.

Used by ``bench/loadtest.py`` (a classroom of sessions) and by the tests of the nginx set-up.
Only standard-library HTTP and the ``websockets`` package (a Streamlit dependency) are used.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import random
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

#: Widget element types this client can move, with the WidgetState field each one uses.
MOVABLE = {
    "slider": "double_array_value",
    "selectbox": "string_value",
    "radio": "string_value",
    "checkbox": "bool_value",
    "number_input": "double_value",
    "tabs": "string_value",  # st.tabs with on_change="rerun": the open tab's label
    "text_input": "string_value",  # typed, never moved at random (it has no list of values)
}
_FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class ClientError(Exception):
    """Something a student would have seen go wrong (an exception, a refused request, a hang)."""


@dataclass
class Widget:
    """A widget from the last run: its id, element type and the element's proto."""

    id: str
    kind: str
    proto: object
    fragment_id: str = ""  # set when the widget is inside an st.fragment: moving it reruns only that
    labels: list[str] = field(default_factory=list)  # a tab bar's tabs

    @property
    def key(self) -> str:
        # keyed widgets have ids "$$ID-<hash>-<user key>"
        return self.id.split("-", 2)[2] if self.id.count("-") >= 2 else self.id

    @property
    def disabled(self) -> bool:
        return bool(getattr(self.proto, "disabled", False))

    def options(self) -> list:
        """Values a user could pick (sliders: every step; number inputs: a sample of the range)."""
        p = self.proto
        if self.kind in ("selectbox", "radio"):
            return list(p.options)
        if self.kind == "tabs":
            return list(self.labels)
        if self.kind == "checkbox":
            return [False, True]
        if self.kind == "slider":
            if p.options:  # select_slider-like: not used by this app
                return []
            n = int(round((p.max - p.min) / p.step)) if p.step else 0
            values = [p.min + i * p.step for i in range(min(n, 200) + 1)]
            return values
        if self.kind == "number_input":
            lo = p.min if p.has_min else -10.0
            hi = p.max if p.has_max else 10.0
            step = p.step or 1.0
            n = int((hi - lo) / step)
            return [lo + i * step for i in range(0, n + 1, max(1, n // 50))]
        return []

    def state(self, value) -> WidgetState:
        ws = WidgetState(id=self.id)
        if self.kind == "slider":
            ws.double_array_value.data.extend([float(value)])
        elif self.kind in ("selectbox", "radio", "tabs", "text_input"):
            ws.string_value = str(value)
        elif self.kind == "checkbox":
            ws.bool_value = bool(value)
        elif self.kind == "number_input":
            ws.double_value = float(value)
        elif self.kind == "button":
            ws.trigger_value = True  # a click
        return ws


@dataclass
class RunResult:
    """One interaction: how long until the page was complete, and what it showed."""

    seconds: float
    media: int
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the messages shown (st.info, st.success, ...)


class Session:
    """One browser tab's worth of Streamlit session, driven from asyncio.

    ``base`` is the server's (or the load balancer's) URL, e.g. ``http://127.0.0.1:8501``.
    """

    def __init__(self, base: str, *, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.session_id = ""
        self.query_string = ""
        self.page = ""
        self.page_hashes: dict[str, str] = {}
        self.widgets: dict[str, Widget] = {}  # by user key, from the last completed run
        self.states: dict[str, WidgetState] = {}  # by widget id: what the browser would send
        self._seen_media: set[str] = set()
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._run: dict | None = None
        self._file_urls: asyncio.Future | None = None
        self._requests = itertools.count(1)
        self.bytes_received = 0

    # ------------------------------------------------------------------ HTTP (blocking, in a thread)

    def _http(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            hdrs = dict(headers or {})
            if self.cookies:
                hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    k, _, rest = value.partition("=")
                    self.cookies[k.strip()] = rest.split(";", 1)[0]
            return resp.status, data
        finally:
            conn.close()

    async def _ahttp(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        return await asyncio.to_thread(self._http, method, path, body, headers)

    # ------------------------------------------------------------------ connection

    async def open(self, page: str = "") -> RunResult:
        """Load ``page`` (a URL path such as ``filter_lab``; "" for Home) like a new tab."""
        # the browser's first requests: the page, then the health check and the host config
        # (which set the XSRF cookie the WebSocket and uploads must carry)
        for path in ("/" + page, "/_stcore/health", "/_stcore/host-config"):
            status, _ = await self._ahttp("GET", path)
            if status != 200:
                raise ClientError(f"GET {path} answered {status}")
        xsrf = self.cookies.get("_streamlit_xsrf", "")
        ws_url = (
            "ws://" + f"{self.host}:{self.port}" + urllib.parse.urlsplit(self.base).path + "/_stcore/stream"
        )
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await connect(
            ws_url,
            subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
            additional_headers=headers,
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read())
        self.page = page
        return await self.rerun()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            try:
                await self._reader
            except Exception:  # noqa: BLE001 - the reader ends with the connection
                pass

    async def _read(self) -> None:
        async for raw in self._ws:
            self.bytes_received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self._handle(msg)
        run = self._run
        if run is not None and not run["done"].done():
            run["done"].set_exception(ClientError("the server closed the connection"))

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        run = self._run
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            if run is not None:
                run["widgets"] = {}
                run["media"] = set()
        elif kind == "navigation":
            for p in msg.navigation.app_pages:
                self.page_hashes[p.url_pathname] = p.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            if run is not None:
                run["errors"].append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "file_urls_response":
            if self._file_urls is not None and not self._file_urls.done():
                self._file_urls.set_result(msg.file_urls_response)
        elif kind == "delta" and run is not None:
            self._take_delta(msg.delta, run)
        elif kind == "script_finished" and run is not None:
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                run["errors"].append("the page failed to compile")
            if status in _FINISHED or status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                if not run["done"].done():
                    run["done"].set_result(None)

    def _take_delta(self, delta, run: dict) -> None:
        if delta.fragment_id:
            run["fragments"].add(delta.fragment_id)
        if delta.WhichOneof("type") == "add_block":
            block = delta.add_block
            btype = block.WhichOneof("type")
            if btype == "tab_container" and block.tab_container.id:
                w = Widget(block.tab_container.id, "tabs", block.tab_container, delta.fragment_id)
                run["widgets"][w.key] = w
                run["tabs"] = w
            elif btype == "tab" and run.get("tabs") is not None:
                run["tabs"].labels.append(block.tab.label)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        etype = element.WhichOneof("type")
        if etype == "exception":
            run["errors"].append(
                f"exception on the page: {element.exception.type}: {element.exception.message}"
            )
            return
        if etype == "alert":
            run["texts"].append(element.alert.body)
            if element.alert.format == element.alert.ERROR:
                run["alerts"].append(element.alert.body)
        proto = getattr(element, etype) if etype else None
        if proto is not None and etype in MOVABLE or etype in ("file_uploader", "button"):
            wid = getattr(proto, "id", "")
            if wid:
                w = Widget(wid, etype, proto, delta.fragment_id)
                run["widgets"][w.key] = w
        if etype == "imgs":
            for img in element.imgs.imgs:
                if img.url.startswith("/media/"):
                    run["media"].add(img.url)
        elif etype == "image" and getattr(element.image, "url", "").startswith("/media/"):
            run["media"].add(element.image.url)

    # ------------------------------------------------------------------ interactions

    async def rerun(self, *changes: WidgetState, fragment_id: str = "") -> RunResult:
        """Send the widget states (with ``changes`` applied) and wait for the page to be complete.

        With ``fragment_id`` only that fragment reruns, as when a browser's widget inside an
        ``st.fragment`` changes.
        """
        for ws in changes:
            self.states[ws.id] = ws
        loop = asyncio.get_running_loop()
        run = {
            "done": loop.create_future(),
            "widgets": {},
            "media": set(),
            "errors": [],
            "alerts": [],
            "texts": [],
            "fragments": set(),
        }
        self._run = run
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_name = self.page
        if self.page in self.page_hashes:
            cs.page_script_hash = self.page_hashes[self.page]
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(self.states.values())
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(run["done"], self.timeout)
        except TimeoutError:
            raise ClientError(f"no answer within {self.timeout:.0f} s") from None
        finally:
            self._run = None
        new_media = run["media"] - self._seen_media
        results = await asyncio.gather(*(self._ahttp("GET", url) for url in new_media))
        for url, (status, _) in zip(new_media, results):
            if status != 200:
                run["errors"].append(f"GET {url} answered {status}")
        self._seen_media |= new_media
        seconds = time.perf_counter() - start
        # like the browser: keep only the states of widgets that are still on the page (after a
        # fragment's run, the rest of the page is untouched)
        if fragment_id:
            kept = {k: w for k, w in self.widgets.items() if w.fragment_id != fragment_id}
            self.widgets = kept | run["widgets"]
        else:
            self.widgets = run["widgets"]
        live = {w.id for w in self.widgets.values()}
        self.states = {k: v for k, v in self.states.items() if k in live}
        errors = run["errors"] + [f"error shown: {a}" for a in run["alerts"]]
        return RunResult(seconds, len(new_media), errors, run["texts"])

    async def goto(self, page: str) -> RunResult:
        """Click a page in the sidebar."""
        self.page = page
        return await self.rerun()

    async def set(self, key: str, value) -> RunResult:
        """Move the widget whose key is ``key`` to ``value``."""
        widget = self.widgets.get(key)
        if widget is None:
            raise ClientError(f"no widget {key!r} on page {self.page!r}")
        return await self.rerun(widget.state(value), fragment_id=widget.fragment_id)

    async def move_random(
        self, rng: random.Random, prefixes: tuple[str, ...]
    ) -> tuple[str, RunResult] | None:
        """Move one random enabled widget whose key starts with one of ``prefixes`` to a new value."""
        choices = [
            w
            for w in self.widgets.values()
            if w.kind in MOVABLE and not w.disabled and w.key.startswith(prefixes) and len(w.options()) > 1
        ]
        if not choices:
            return None
        w = rng.choice(sorted(choices, key=lambda w: w.key))
        value = rng.choice(w.options())
        return w.key, await self.rerun(w.state(value), fragment_id=w.fragment_id)

    async def put_file(self, name: str, data: bytes, mime: str = "image/jpeg"):
        """Send a file to the server's upload endpoint, as a browser's uploader does before it tells
        the widget; returns its URLs (with ``file_id``). Alone, it is what a crafted client does:
        a file no widget asked for."""
        loop = asyncio.get_running_loop()
        self._file_urls = loop.create_future()
        msg = BackMsg()
        msg.file_urls_request.request_id = str(next(self._requests))
        msg.file_urls_request.session_id = self.session_id
        msg.file_urls_request.file_names.append(name)
        await self._ws.send(msg.SerializeToString())
        try:
            response = await asyncio.wait_for(self._file_urls, self.timeout)
        except TimeoutError:
            raise ClientError("no upload URL within the time limit") from None
        if response.error_msg or not response.file_urls:
            raise ClientError(f"upload refused: {response.error_msg}")
        urls = response.file_urls[0]
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        )
        body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": self.cookies.get("_streamlit_xsrf", ""),
        }
        status, text = await self._ahttp("PUT", urllib.parse.urlsplit(urls.upload_url).path, body, headers)
        if status not in (200, 204):
            raise ClientError(f"upload PUT answered {status}: {text[:200]!r}")
        return urls

    async def upload(self, key: str, name: str, data: bytes, mime: str = "image/jpeg") -> RunResult:
        """Drop a file on the uploader ``key`` and wait for the page that uses it."""
        widget = self.widgets.get(key)
        if widget is None or widget.kind != "file_uploader":
            raise ClientError(f"no file uploader {key!r} on page {self.page!r}")
        start = time.perf_counter()
        urls = await self.put_file(name, data, mime)
        state = WidgetState(id=widget.id)
        state.file_uploader_state_value.CopyFrom(
            FileUploaderState(
                uploaded_file_info=[
                    UploadedFileInfo(file_id=urls.file_id, name=name, size=len(data), file_urls=urls)
                ]
            )
        )
        result = await self.rerun(state)
        result.seconds = time.perf_counter() - start
        return result
