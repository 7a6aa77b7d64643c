"""Several ``streamlit run`` replicas behind nginx on one machine, with sticky sessions.

    python deploy/cluster.py --replicas 2 --port 8080      # serve until Ctrl-C

One Streamlit process uses about one and a half cores (Python's GIL); a school server with more
cores serves more students with one replica per core or two. nginx (Debian: ``apt-get install
nginx``) runs as an ordinary process with its files in a temporary folder, from
``deploy/nginx.conf.template``. The same class starts the cluster for the tests
(tests/test_replicas.py) and for ``bench/loadtest.py --replicas 2``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(
    url: str, proc: subprocess.Popen | None = None, timeout: float = 90, *, interval: float = 0.2
) -> None:
    """Until ``url``/_stcore/health answers 200, asking every ``interval`` seconds (raises if the
    process dies or time runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not become healthy")
        time.sleep(interval)


def server_env(extra: dict | None = None) -> dict:
    """The environment `make run` gives the server: glibc tuned for one thread per session (fewer
    arenas; arrays over 512 KB in their own mappings, given back when freed)."""
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", "2")
    env.setdefault("MALLOC_MMAP_THRESHOLD_", "524288")
    env.update(extra or {})
    return env


def start_server(port: int, env: dict, log: Path) -> subprocess.Popen:
    """``streamlit run app/main.py`` on 127.0.0.1:port; returns once /_stcore/health answers."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--server.headless", "true"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(f"streamlit did not start; see {log}") from None
    return proc


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise RuntimeError("nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx)")
    return found


def render_config(prefix: Path, listen: str, upstreams: list[str]) -> str:
    servers = "\n".join(f"        server {u} max_fails=3 fail_timeout=10s;" for u in upstreams)
    text = TEMPLATE.read_text()
    return (
        text.replace("{{PREFIX}}", str(prefix)).replace("{{LISTEN}}", listen).replace("{{SERVERS}}", servers)
    )


_LOGGED = re.compile(r"sticky=(\S+) upstream=(.+)$")


def replicas_by_browser(log: str) -> dict[str, set[str]]:
    """Parse nginx's access log (deploy/nginx.conf.template's ``sticky`` format): sticky key ->
    the replicas that answered its requests (requests nginx answered itself, upstream ``-``, skipped)."""
    seen: dict[str, set[str]] = {}
    for line in log.splitlines():
        match = _LOGGED.search(line)
        if match:
            # "a, b" when nginx retried on another replica; "a : b" after an internal redirect
            addrs = {a.strip() for a in re.split(r"[,:] ", match.group(2))} - {"-", ""}
            if addrs:
                seen.setdefault(match.group(1), set()).update(addrs)
    return seen


class Cluster:
    """``replicas`` Streamlit servers on free loopback ports behind nginx on ``port`` (0: any free)."""

    def __init__(self, replicas: int = 2, *, port: int = 0, env: dict | None = None, host: str = "127.0.0.1"):
        if replicas < 1:
            raise ValueError(f"replicas must be >= 1, got {replicas}")
        self.replicas = replicas
        self.port = port or free_port()
        self.host = host
        self.env = server_env(env)
        self.folder = Path(tempfile.mkdtemp(prefix="convviz-cluster-"))
        self.folder.chmod(0o755)  # nginx's workers (user nobody when started as root) write temp files here
        self.servers: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def upstreams(self) -> list[str]:
        return [f"127.0.0.1:{p}" for p in self.ports]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.servers]

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def log_offset(self) -> int:
        """Where nginx's access log ends now (pass to :meth:`replicas_by_browser` as ``since``)."""
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def replicas_by_browser(self, since: int = 0) -> dict[str, set[str]]:
        """From nginx's access log: each browser's sticky key (its ``convviz_replica`` cookie) and
        the replicas that answered it. No response names the replica; the log does."""
        return replicas_by_browser(self.access_log.read_bytes()[since:].decode(errors="replace"))

    def __enter__(self) -> Cluster:
        try:
            for k in range(self.replicas):
                port = free_port()
                self.servers.append(start_server(port, self.env, self.folder / f"replica{k + 1}.log"))
                self.ports.append(port)
            conf = self.folder / "nginx.conf"
            conf.write_text(render_config(self.folder, f"{self.host}:{self.port}", self.upstreams))
            self.nginx = subprocess.Popen(
                [nginx_binary(), "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"],
                stdout=open(self.folder / "nginx.out", "w"),
                stderr=subprocess.STDOUT,
            )
            wait_healthy(self.url, self.nginx, timeout=30)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for proc in ([self.nginx] if self.nginx else []) + self.servers:
            if proc.poll() is None:
                proc.terminate()
        for proc in ([self.nginx] if self.nginx else []) + self.servers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve the classroom's network")
    args = ap.parse_args(argv)
    with Cluster(args.replicas, port=args.port, host=args.host) as cluster:
        print(
            f"{args.replicas} replicas ({', '.join(cluster.upstreams)}) behind nginx: {cluster.url}",
            flush=True,
        )
        print(f"Logs in {cluster.folder}. Ctrl-C stops everything.", flush=True)
        try:
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
