"""kb add URL against a local server started by the test (never the internet)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT, run_kb

SEED = (ROOT / "articles" / "KB279415.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/kb/279415":
            body, status, kind = SEED, 200, "text/html; charset=utf-8"
        elif self.path == "/cats":
            body, status, kind = b"<html><title>Cats</title><p>meow</p></html>", 200, "text/html"
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50 * 2**20))
            self.end_headers()
            return
        else:
            body, status, kind = b"not here", 404, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_stores_exact_bytes_with_url_and_time(workspace, server):
    url = f"{server}/kb/279415"
    result = run_kb(["add", url], workspace)
    assert result.returncode == 0, result.stderr
    assert "added KB279415" in result.stdout
    stored = list((workspace / "articles" / "KB279415").iterdir())
    assert [p.read_bytes() for p in stored] == [SEED]
    history = json.loads(run_kb(["history", "279415", "--json"], workspace).stdout)
    assert history[0]["origin"].startswith(url + " (fetched 20")
    again = run_kb(["add", url], workspace)
    assert "unchanged KB279415" in again.stdout


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404"),
        ("/cats", "no KB article number"),
        ("/huge", "too large"),
    ],
)
def test_fetch_errors_are_one_line_naming_the_url(workspace, server, path, reason):
    url = f"{server}{path}"
    result = run_kb(["add", url, str(ROOT / "articles" / "Q283238.TXT")], workspace)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"kb: {url}: ") and reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "added 1" in result.stdout


def test_unreachable_host(workspace):
    result = run_kb(["add", "http://127.0.0.1:9/kb/1"], workspace)
    assert result.returncode == 1 and "cannot fetch" in result.stderr
