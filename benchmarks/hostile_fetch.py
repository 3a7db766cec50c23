"""Hostile feed hosts against the fetcher, with wall-clock numbers (the tests assert no times).

Run from the repo root: `python -m benchmarks.hostile_fetch`. On 127.0.0.1:
- the 3.5 KB `Content-Encoding: gzip, gzip` body that inflates to 2 GiB
  (tests/data/hostile/gzip-gzip-2GiB.bin): time to refusal and peak memory growth;
- the issue's trickling server (status line and headers one byte every 1.5 s, read timeout 2 s):
  time until fetch() gives up, against its 6 s deadline (3 x the timeout);
- four feeds of which one trickles, fetched by fetch_due_sources: wall time, and when the
  three fast ones were done.
"""

from __future__ import annotations

import resource
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.common import print_values
from digest.config import Config, FeedConfig, FetchConfig
from digest.sources.fetch import fetch
from digest.sources.pull import fetch_due_sources
from digest.store.db import Database

BOMB = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "hostile" / "gzip-gzip-2GiB.bin"
).read_bytes()
FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
TRICKLE_EVERY = 1.5
STOP = threading.Event()
DONE: dict[str, float] = {}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/bomb":
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip, gzip")
            self.send_header("Content-Length", str(len(BOMB)))
            self.end_headers()
            self.wfile.write(BOMB)
        elif self.path == "/slow":
            try:
                for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 100 + b"\r\n\r\n":
                    if STOP.wait(TRICKLE_EVERY):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            except OSError:
                return
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)
            DONE[self.path] = time.perf_counter()

    def log_message(self, *args: object) -> None:
        pass


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    cfg = FetchConfig(timeout_seconds=2.0, allow_private=True)
    before = _rss_mb()
    start = time.perf_counter()
    bomb = fetch(f"{base}/bomb", cfg=cfg)
    bomb_s = time.perf_counter() - start
    grown = _rss_mb() - before
    start = time.perf_counter()
    slow = fetch(f"{base}/slow", cfg=cfg)
    slow_s = time.perf_counter() - start
    feeds = ["/slow", "/a", "/b", "/c"]
    run_cfg = Config(fetch=cfg, feeds=[FeedConfig(url=base + p) for p in feeds])
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        start = time.perf_counter()
        results = fetch_due_sources(db, run_cfg)
        run_s = time.perf_counter() - start
        db.dispose()
    fast_done = max(DONE[p] for p in feeds[1:]) - start
    STOP.set()
    httpd.shutdown()
    print_values(
        "Hostile hosts against fetch()",
        {
            "bomb: body bytes sent": len(BOMB),
            "bomb: refused after (s)": f"{bomb_s:.2f}",
            "bomb: peak memory growth (MB)": f"{grown:.0f}",
            "bomb: error": bomb.error.split(": ", 1)[1],
            "trickle: gave up after (s)": f"{slow_s:.1f}",
            "trickle: error": "deadline" if "deadline" in slow.error else slow.error,
            "4 feeds, 1 trickling: run took (s)": f"{run_s:.1f}",
            "4 feeds, 1 trickling: 3 fast done after (s)": f"{fast_done:.2f}",
            "statuses": ", ".join(r.status for r in results),
        },
        "bomb refused with < 100 MB; trickle ends by the 6 s deadline; fast feeds not delayed",
    )


if __name__ == "__main__":
    main()
