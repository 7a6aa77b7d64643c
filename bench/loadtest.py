"""Classroom load test: N students using one server at once.

    make loadtest                                   # 40 sessions, 120 s, report in docs/
    python bench/loadtest.py --sessions 10 --duration 30
    python bench/loadtest.py --url http://127.0.0.1:8080 --pid 1234   # an existing server or proxy

Each session is a real Streamlit session at the WebSocket level (``bench/stclient.py``): it
opens the app, switches the image source to Upload and uploads its own 12-megapixel phone-sized
JPEG (every student's photo differs, so no session profits from another's cache), then goes round
the Filter Lab, the convolution and pooling step-by-step pages and the AlexNet explorer, moving
a random widget of the page every ~2 s (uniform 1.5-2.5 s). Sessions arrive over ``--ramp``
seconds, as a class does.

Latency of an interaction = from sending the change until the page's run has finished and
every new image on it has been fetched (what a student waits for). Errors = exceptions on a
page, error boxes shown for valid input, refused requests, dropped connections, no answer in
60 s. Server memory = the resident set of the server process (sampled every 0.5 s; the peak).

Without ``--url`` the script starts ``streamlit run app/main.py`` on 127.0.0.1 itself, with
an AlexNet weights file of the real shapes (random numbers: no internet here, and the cost of a
forward pass does not depend on the values), and stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import platform
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT))

from cluster import Cluster, free_port, server_env, start_server  # noqa: E402
from stclient import ClientError, Session  # noqa: E402

from app import registry  # noqa: E402

#: The pages a session goes round, with the widget-key prefixes it may move there (the registry's).
TOUR = {
    name: tuple(f"{prefix}." for prefix in registry.BY_NAME[name].prefixes)
    for name in ("filter_lab", "conv_steps", "pool_steps", "alexnet")
}
#: Issue 18's headroom for one server: the class's mix plus 10 trainers (issue 12's were 2 s and 1.5 GB).
TARGETS = {"p95": 1.0, "errors": 0, "rss_mb": 1024}


# ------------------------------------------------------------------------------ inputs


def phone_photo(seed: int, size: tuple[int, int] = (4032, 3024)) -> bytes:
    """A 12-megapixel JPEG like a phone's: smooth shapes, texture and noise, unique per seed."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    w, h = size
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)  # a coarse colour layout
    base = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(25):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(h // 30, h // 6))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    pixels = np.asarray(base, dtype=np.int16)
    noise = rng.normal(0, 6, (h // 4, w // 4, 1)).astype(np.int16)
    pixels = np.clip(pixels + np.repeat(np.repeat(noise, 4, axis=0), 4, axis=1), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def weights_file(folder: Path, seed: int = 7) -> Path:
    """AlexNet weights of the real shapes (random values), named like the official file with the
    start of its own SHA-256, as convcore checks (also the tests' stand-in for the real file)."""
    import torch

    from convcore.nets import alexnet as ax

    raw = folder / "raw.pth"
    torch.save(ax.untrained_alexnet(seed=seed, keep_dense=True).state_dict(), raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    named = folder / f"alexnet-owt-{digest[:8]}.pth"
    raw.rename(named)
    return named


# ------------------------------------------------------------------------------ the server


def _proc_mb(pid: int, file: str, field: str) -> float:
    """The sum of ``field`` (kB) in /proc/<p>/``file`` over a process and its children, in MiB."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/{file}").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    return _proc_mb(pid, "status", "VmRSS:")


def pss_mb(pid: int) -> float:
    """Proportional memory of a process and its children, in MiB (Linux /proc/PID/smaps_rollup): a
    page shared by n processes counts 1/n in each, so replicas' sum counts their shared pages (the
    memory-mapped AlexNet weights, torch's code) once. 0 where the kernel does not say."""
    return _proc_mb(pid, "smaps_rollup", "Pss:")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


# ------------------------------------------------------------------------------ one student


class Recorder:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.actions = 0

    def add(self, kind: str, seconds: float, errors: list[str], who: str) -> None:
        self.actions += 1
        self.latency[kind].append(seconds)
        self.errors += [f"session {who}, {kind}: {e}" for e in errors]


async def student(
    n: int, base: str, photo: bytes, rec: Recorder, stop_at: float, args, sessions: list[Session]
) -> None:
    rng = random.Random(args.seed * 1000 + n)
    await asyncio.sleep(args.ramp * n / max(1, args.sessions))
    tour = list(TOUR)
    rng.shuffle(tour)
    while time.monotonic() < stop_at:
        s = Session(base, timeout=60)
        sessions.append(s)
        try:
            r = await s.open("")
            rec.add("first page", r.seconds, r.errors, str(n))
            await s.set("image.source", "Upload")
            r = await s.upload("image.upload", f"photo_{n}.jpg", photo)
            rec.add("upload a photo", r.seconds, r.errors, str(n))
            if n < getattr(
                args, "trainers", 0
            ):  # "everybody, press Train": within the first minute of the lesson
                await asyncio.sleep(
                    max(0.0, args.ramp * (1 - n / max(1, args.sessions))) + rng.uniform(0, 10)
                )
                await train(s, rec, n)
            while time.monotonic() < stop_at:
                page = tour[0]
                tour = tour[1:] + tour[:1]
                r = await s.goto(page)
                rec.add(f"open {page}", r.seconds, r.errors, str(n))
                for _ in range(rng.randint(4, 7)):
                    await asyncio.sleep(rng.uniform(args.think - 0.5, args.think + 0.5))
                    if time.monotonic() >= stop_at:
                        break
                    moved = await s.move_random(rng, TOUR[page])
                    if moved:
                        what = widget_family(moved[0]) if getattr(args, "by_widget", False) else "a widget"
                        rec.add(f"move {what} on {page}", moved[1].seconds, moved[1].errors, str(n))
            break
        except (ClientError, OSError) as exc:
            rec.add("failed", 0.0, [str(exc) or type(exc).__name__], str(n))
            await asyncio.sleep(1)  # a student reloads the tab
        finally:
            await s.close()


def widget_family(key: str) -> str:
    """A widget's key without the part that differs per image or per question ("ps.crop_row.<hash>",
    "cs._next_answer_<n>"), so that ``--by-widget`` counts each kind of widget once."""
    return re.sub(r"(\.[0-9a-f]{16,}|_\d+)$", "", key)


TRAINED = "train (press to done)"


async def train(s: Session, rec: Recorder, n: int) -> None:
    """Open the Train page, press Train from scratch with its defaults, and poll the page every
    0.5 s (as the page's fragments do in a browser) until it says Done: the time is "train (press to
    done)". A poll reruns the whole page here, a little more work than a browser's fragment runs."""
    r = await s.goto("train")
    rec.add("open train", r.seconds, r.errors, str(n))
    start = time.perf_counter()
    r = await s.set("train._start", True)
    rec.add("press Train", r.seconds, r.errors, str(n))
    while not any(t.startswith("Done:") for t in r.texts):
        if time.perf_counter() - start > 300:
            rec.add(TRAINED, time.perf_counter() - start, ["no Done: after 300 s"], str(n))
            return
        await asyncio.sleep(0.5)
        r = await s.rerun()
    rec.add(TRAINED, time.perf_counter() - start, r.errors, str(n))


# ------------------------------------------------------------------------------ a student who attacks


def worst_inputs() -> dict[str, bytes]:
    """The costliest inputs issue 12's probe found, each made here: a 64,000-page TIFF, a
    25-megapixel 16-bit PNG, and 24 MB of junk to send without any widget asking."""
    import io

    from bench_decode import _tiff
    from PIL import Image

    png = io.BytesIO()
    gradient = (np.add.outer(np.arange(5000), np.arange(5000)) * 6).astype(np.uint16)
    Image.fromarray(gradient).save(png, format="PNG")
    return {"pages.tif": _tiff(64_000), "deep.png": png.getvalue(), "junk.jpg": bytes(24 << 20)}


async def attacker(
    n: int, base: str, inputs: dict[str, bytes], rec: Recorder, stop_at: float, sessions: list, think: float
) -> None:
    """Sends the worst inputs over and over: huge pastes, the costliest files, unclaimed uploads,
    hostile links, waiting ``think`` seconds (on average) between actions as a student does (0: as
    fast as the server answers). Its own latencies are recorded apart; the others' are what counts."""
    rng = random.Random(n)

    async def pause() -> None:
        if think > 0:
            await asyncio.sleep(rng.uniform(max(0.0, think - 0.5), think + 0.5))

    hostile = "ui.presenter=1.5&lab.stride=" + "[" * 1000 + "&ax.unit_col.conv1=inf"
    round_ = 0
    while time.monotonic() < stop_at:
        round_ += 1
        tail = f"{n}.{round_}".encode()  # trailing bytes: a new file each time, so no cache helps
        s = Session(base, timeout=120)
        sessions.append(s)
        s.query_string = hostile
        try:
            rec.add("hostile link", (await s.open("filter_lab")).seconds, [], f"attacker {n}")
            await pause()
            await s.goto("conv1d")
            await s.set("c1.signal", "Type numbers")
            r = await s.set("c1.typed", ", ".join(["1.5"] * 10_000))
            rec.add("paste 10,000 numbers", r.seconds, [], f"attacker {n}")
            await pause()
            await s.goto("")
            await s.set("image.source", "Upload")
            for name in ("pages.tif", "deep.png"):
                r = await s.upload("image.upload", name, inputs[name] + tail, "image/png")
                rec.add(f"upload {name}", r.seconds, [], f"attacker {n}")
                await pause()
            for k in range(4):
                await s.put_file(f"junk{k}.jpg", inputs["junk.jpg"])
            await pause()
            rec.add("4 unclaimed 24 MB uploads", 0.0, [], f"attacker {n}")
        except (ClientError, OSError) as exc:
            rec.add("refused", 0.0, [str(exc) or type(exc).__name__], f"attacker {n}")
            await asyncio.sleep(1)
        finally:
            await s.close()


# ------------------------------------------------------------------------------ the run


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def drive(base: str, photos: list[bytes], args, pids: list[int]) -> dict:
    rec = Recorder()
    samples: list[float] = []
    pss: list[float] = []
    stop_at = time.monotonic() + args.ramp + args.duration
    sessions: list[Session] = []

    async def sample_memory() -> None:
        while time.monotonic() < stop_at + 5:
            samples.append(sum(rss_mb(p) for p in pids))
            pss.append(sum(pss_mb(p) for p in pids))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_memory()) if pids else None
    cpu0, client0, t0 = sum(cpu_seconds(p) for p in pids), time.process_time(), time.monotonic()
    attacks = Recorder()
    inputs = worst_inputs() if getattr(args, "attackers", 0) else {}
    await asyncio.gather(
        *(
            student(n, base, photos[n % len(photos)], rec, stop_at, args, sessions)
            for n in range(args.sessions)
        ),
        *(
            attacker(n, base, inputs, attacks, stop_at, sessions, getattr(args, "attack_think", args.think))
            for n in range(getattr(args, "attackers", 0))
        ),
    )
    wall = time.monotonic() - t0
    if sampler:
        sampler.cancel()
    # a training's minutes are not an interaction's wait: reported on their own line
    everything = [x for kind, xs in rec.latency.items() if kind not in ("failed", TRAINED) for x in xs]
    trained = rec.latency.get(TRAINED, [])
    rows = {
        kind: {
            "count": len(xs),
            "p50": percentile(xs, 50),
            "p95": percentile(xs, 95),
            "max": max(xs),
        }
        for kind, xs in rec.latency.items()
        if kind != "failed"
    }
    return {
        "sessions": args.sessions,
        "duration_s": args.duration,
        "ramp_s": args.ramp,
        "think_s": args.think,
        "wall_s": wall,
        "actions": len(everything),
        "actions_per_s": len(everything) / wall,
        "p50": percentile(everything, 50),
        "p95": percentile(everything, 95),
        "max": max(everything) if everything else float("nan"),
        "rows": rows,
        "trainings": len(trained),
        "last_training_s": max(trained) if trained else None,
        "errors": rec.errors,
        "rss_peak_mb": max(samples) if samples else None,
        "pss_peak_mb": max(pss) if pss else None,
        "servers": len(pids),
        "rss_end_mb": samples[-1] if samples else None,
        "rss_samples_mb": [round(x) for x in samples[::4]],  # every 2 s
        "server_cpu_share": (sum(cpu_seconds(p) for p in pids) - cpu0) / wall / (os.cpu_count() or 1)
        if pids
        else None,
        "client_cpu_s": time.process_time() - client0,
        "sessions_opened": len(sessions),
        "upstreams": [],  # filled from nginx's access log behind the nginx set-up
        "sticky": True,
        "mb_received": sum(s.bytes_received for s in sessions) / 2**20,
        "attackers": getattr(args, "attackers", 0),
        "attack_think": getattr(args, "attack_think", 0.0),
        "attack_rows": {
            kind: {"count": len(xs), "p50": percentile(xs, 50), "max": max(xs)}
            for kind, xs in attacks.latency.items()
        },
        "attack_refusals": attacks.errors,
    }


def markdown(result: dict, args, label: str) -> str:
    ok = lambda good: "yes" if good else "**no**"  # noqa: E731
    rss = result["rss_peak_mb"]
    lines = [
        f"### {label}",
        "",
        f"`{shlex.join(['python', 'bench/loadtest.py', *sys.argv[1:]])}` on {platform.node() or 'this machine'}, "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}: {result['sessions']} sessions "
        f"(ramp {result['ramp_s']:.0f} s, then {result['duration_s']:.0f} s), "
        f"a widget moved every {result['think_s'] - 0.5:.1f}-{result['think_s'] + 0.5:.1f} s per session.",
        "",
        "| measure | target | measured | met |",
        "|---|---|---|---|",
        f"| interactions (all kinds) | | {result['actions']} ({result['actions_per_s']:.1f}/s) | |",
        f"| p50 latency | | {result['p50']:.2f} s | |",
        f"| p95 latency | <= {TARGETS['p95']:.1f} s | {result['p95']:.2f} s | {ok(result['p95'] <= TARGETS['p95'])} |",
        f"| errors | {TARGETS['errors']} | {len(result['errors'])} | {ok(len(result['errors']) == 0)} |",
    ]
    if result.get("trainings"):
        lines.append(f"| the slowest of {result['trainings']} trainings (press to done) | <= 60 s | "
                     f"{result['last_training_s']:.1f} s | {ok(result['last_training_s'] <= 60)} |")  # fmt: skip
    if rss is not None and result["servers"] > 1:  # the target is per server; mmapped weights count twice
        lines.append(f"| server memory (peak RSS, sum of {result['servers']} replicas) | | {rss:.0f} MB | |")
        if result.get("pss_peak_mb"):
            lines.append(f"| memory the replicas use together (peak PSS: pages they share counted once) | | "
                         f"{result['pss_peak_mb']:.0f} MB | |")  # fmt: skip
    elif rss is not None:
        lines.append(
            f"| server memory (peak RSS) | <= {TARGETS['rss_mb'] / 1024:.1f} GB | {rss:.0f} MB | "
            f"{ok(rss <= TARGETS['rss_mb'])} |"
        )
        lines.append(f"| server CPU (share of all cores) | | {result['server_cpu_share']:.0%} | |")
    lines.append(f"| load generator CPU (same machine) | | {result['client_cpu_s']:.0f} s | |")
    if result["upstreams"]:
        lines.append(
            f"| replicas that served sessions | | {', '.join(result['upstreams'])} | "
            f"{ok(len(result['upstreams']) > 1)} |"
        )
        lines.append(
            f"| every session stayed on one replica | yes | {result['sticky']} | {ok(result['sticky'])} |"
        )
    lines += ["", "| interaction | count | p50 | p95 | max |", "|---|---|---|---|---|"]
    for kind, row in result["rows"].items():
        lines.append(
            f"| {kind} | {row['count']} | {row['p50']:.2f} s | {row['p95']:.2f} s | {row['max']:.2f} s |"
        )
    if result["errors"]:
        lines += ["", "Errors (first 10):", ""] + [f"- {e}" for e in result["errors"][:10]]
    if result.get("attackers"):
        lines += [
            "",
            f"Meanwhile {result['attackers']} more sessions sent the worst inputs (their own times):",
            "",
        ]
        lines += ["| attack | count | p50 | max |", "|---|---|---|---|"]
        for kind, row in result["attack_rows"].items():
            lines.append(f"| {kind} | {row['count']} | {row['p50']:.2f} s | {row['max']:.2f} s |")
        if result["attack_refusals"]:
            lines += ["", "Refused (what the attackers saw, first 5):", ""]
            lines += [f"- {e}" for e in result["attack_refusals"][:5]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--duration", type=float, default=120, help="seconds of steady use after the ramp")
    ap.add_argument("--ramp", type=float, default=20, help="seconds over which sessions arrive")
    ap.add_argument("--think", type=float, default=2.0, help="mean seconds between a session's moves")
    ap.add_argument("--url", help="an already running server (or load balancer) instead of starting one")
    ap.add_argument(
        "--pid", type=int, action="append", default=[], help="with --url: server process(es), for memory"
    )
    ap.add_argument(
        "--replicas", type=int, default=0, help="start this many replicas behind nginx (deploy/cluster.py)"
    )
    ap.add_argument("--photos", type=int, default=0, help="distinct photos (default: one per session)")
    ap.add_argument(
        "--attackers", type=int, default=0, help="more sessions sending the worst inputs (not counted above)"
    )
    ap.add_argument(
        "--attack-think",
        type=float,
        default=2.0,
        help="attackers' mean seconds between actions (0: flat out)",
    )
    ap.add_argument(
        "--trainers", type=int, default=0, help="of the sessions, this many press Train in the first minute"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--by-widget", action="store_true", help="count each widget's moves apart (where the tail comes from)"
    )
    ap.add_argument("--report", type=Path, help="append the markdown table to this file")
    ap.add_argument("--label", default="One server", help="heading of the table")
    ap.add_argument("--json", type=Path, help="write the raw results here")
    args = ap.parse_args(argv)
    if args.sessions < 1 or args.duration <= 0 or args.think < 0.5:
        ap.error("--sessions >= 1, --duration > 0 and --think >= 0.5 please")

    n_photos = args.photos or args.sessions
    print(f"Making {n_photos} phone-sized photos...", flush=True)
    photos = [phone_photo(args.seed * 1000 + i) for i in range(n_photos)]
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp:
        weights = {"CONVCORE_ALEXNET_WEIGHTS": str(weights_file(Path(tmp)))} if not args.url else {}
        if args.url:
            result = asyncio.run(drive(args.url, photos, args, args.pid))
        elif args.replicas:
            with Cluster(args.replicas, env=weights) as cluster:
                print(f"nginx {cluster.url} -> {', '.join(cluster.upstreams)}", flush=True)
                print(f"{args.sessions} sessions for {args.ramp:.0f} + {args.duration:.0f} s...", flush=True)
                since = cluster.log_offset()
                result = asyncio.run(drive(cluster.url, photos, args, cluster.pids))
                served = cluster.replicas_by_browser(since)  # no response names its replica; the log does
                result["upstreams"] = sorted(set().union(*served.values()))
                result["sticky"] = all(len(replicas) <= 1 for replicas in served.values())
        else:
            port = free_port()
            proc = start_server(port, server_env(weights), Path(tmp) / "streamlit.log")
            print(
                f"Server http://127.0.0.1:{port} (pid {proc.pid}), {rss_mb(proc.pid):.0f} MB at start.",
                flush=True,
            )
            print(f"{args.sessions} sessions for {args.ramp:.0f} + {args.duration:.0f} s...", flush=True)
            try:
                result = asyncio.run(drive(f"http://127.0.0.1:{port}", photos, args, [proc.pid]))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    table = markdown(result, args, args.label)
    print(table)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        with open(args.report, "a") as fh:
            fh.write("\n" + table)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    met = (
        result["p95"] <= TARGETS["p95"]
        and not result["errors"]
        and (
            result["rss_peak_mb"] is None
            or result["servers"] > 1
            or result["rss_peak_mb"] <= TARGETS["rss_mb"]
        )
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
