"""Safe HTTP fetching against a real local HTTP server."""

from __future__ import annotations

import gzip
import time
from http.server import BaseHTTPRequestHandler

import pytest

from digest.config import FetchConfig
from digest.sources.fetch import address_problem, check_url, fetch
from tests.support.http import LocalServer, redirect, reply

LOCAL = FetchConfig(timeout_seconds=2.0, max_bytes=100_000, allow_private=True)
FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


# -- address and scheme checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.20", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "non-public"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_named(ip: str, reason: str) -> None:
    assert address_problem(ip).startswith(reason)


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"])
def test_public_addresses_pass(ip: str) -> None:
    assert address_problem(ip) == ""


def test_loopback_refused_with_a_hint_and_no_request_sent(http_server: LocalServer) -> None:
    http_server.routes["/feed"] = reply(FEED)
    strict = FetchConfig(timeout_seconds=2.0)
    got = fetch(http_server.url("/feed"), cfg=strict)
    assert not got.ok
    assert "refusing to fetch http://127.0.0.1" in got.error
    assert "loopback address" in got.error
    assert "allow_private = true" in got.error
    assert http_server.requests == []


def test_hostnames_are_checked_after_resolution(http_server: LocalServer) -> None:
    http_server.routes["/feed"] = reply(FEED)
    got = fetch(http_server.url("/feed", host="localhost"), cfg=FetchConfig())
    assert "loopback address" in got.error
    assert http_server.requests == []


def test_check_url_names_the_private_target() -> None:
    cfg = FetchConfig(allow_private=False)
    assert check_url("http://10.0.0.1/internal", cfg) == (
        "refusing to fetch http://10.0.0.1/internal: private address (10.0.0.1);"
        " set [fetch] allow_private = true to allow"
    )
    assert check_url("http://169.254.169.254/latest/meta-data", cfg).count("link-local") == 1


def test_every_redirect_hop_is_resolved_anew(http_server: LocalServer) -> None:
    http_server.routes["/hop"] = redirect("http://unresolvable.invalid/feed")
    got = fetch(http_server.url("/hop"), cfg=LOCAL)
    assert "cannot resolve host unresolvable.invalid" in got.error
    assert [r["path"] for r in http_server.requests] == ["/hop"]


def test_redirect_from_public_host_to_loopback_is_refused(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public server that redirects inward: the hop check stops the second request."""
    import digest.sources.fetch as fetch_module

    real_pick = fetch_module._pick_address

    def pick(url, cfg):  # type: ignore[no-untyped-def]
        # DNS stand-in: "public.example" is a public host whose server happens to be ours.
        return "127.0.0.1" if url.host == "public.example" else real_pick(url, cfg)

    monkeypatch.setattr(fetch_module, "_pick_address", pick)
    http_server.routes["/feed"] = redirect(http_server.url("/secret"))
    http_server.routes["/secret"] = reply(b"internal data")
    got = fetch(http_server.url("/feed", host="public.example"), cfg=FetchConfig())
    assert "refusing to fetch http://127.0.0.1" in got.error
    assert "loopback address" in got.error
    assert [r["path"] for r in http_server.requests] == ["/feed"]
    assert http_server.requests[0]["Host"] == f"public.example:{http_server.port}"


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "gopher://x/", "javascript:alert(1)"])
def test_other_schemes_refused(url: str) -> None:
    got = fetch(url, cfg=LOCAL)
    assert "only http and https" in got.error


def test_file_urls_need_allow_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    refused = fetch(path.as_uri(), cfg=LOCAL)
    assert "allow_file = true" in refused.error
    allowed = fetch(path.as_uri(), cfg=FetchConfig(allow_file=True))
    assert allowed.ok and allowed.content == FEED


# -- HTTP behaviour -------------------------------------------------------------------------------


def test_200_returns_body_validators_and_user_agent(http_server: LocalServer) -> None:
    http_server.routes["/feed"] = reply(
        FEED,
        ETag='"v1"',
        Last_Modified="Wed, 01 May 2024 10:00:00 GMT",
        Content_Type="application/rss+xml",
    )
    got = fetch(http_server.url("/feed"), cfg=LOCAL)
    assert got.ok and got.status == 200 and got.content == FEED
    assert got.etag == '"v1"'
    assert got.last_modified == "Wed, 01 May 2024 10:00:00 GMT"
    assert got.content_type == "application/rss+xml"
    assert "JobLeadDigest" in http_server.requests[0]["User-Agent"]


def test_hostname_is_kept_in_host_header_when_pinned(http_server: LocalServer) -> None:
    http_server.routes["/feed"] = reply(FEED)
    got = fetch(http_server.url("/feed", host="localhost"), cfg=LOCAL)
    assert got.ok
    assert http_server.requests[0]["Host"] == f"localhost:{http_server.port}"


def test_conditional_get_gives_not_modified(http_server: LocalServer) -> None:
    def route(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"' or h.headers.get("If-Modified-Since"):
            h.send_response(304)
            h.send_header("ETag", '"v1"')
            h.end_headers()
            return
        reply(FEED, ETag='"v1"')(h)

    http_server.routes["/feed"] = route
    first = fetch(http_server.url("/feed"), cfg=LOCAL)
    again = fetch(http_server.url("/feed"), cfg=LOCAL, etag=first.etag)
    by_date = fetch(
        http_server.url("/feed"), cfg=LOCAL, last_modified="Wed, 01 May 2024 10:00:00 GMT"
    )
    assert again.ok and again.not_modified and again.content == b"" and again.status == 304
    assert by_date.not_modified
    assert http_server.requests[1]["If-None-Match"] == '"v1"'
    assert http_server.requests[2]["If-Modified-Since"] == "Wed, 01 May 2024 10:00:00 GMT"


@pytest.mark.parametrize(("status", "words"), [(404, "HTTP 404"), (500, "HTTP 500")])
def test_http_errors_are_reported(http_server: LocalServer, status: int, words: str) -> None:
    http_server.routes["/feed"] = reply(b"oops", status=status)
    got = fetch(http_server.url("/feed"), cfg=LOCAL)
    assert not got.ok and got.status == status and words in got.error
    assert http_server.url("/feed") in got.error


def test_slow_server_times_out(http_server: LocalServer) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        reply(FEED)(h)

    http_server.routes["/slow"] = slow
    cfg = FetchConfig(timeout_seconds=0.3, allow_private=True)
    got = fetch(http_server.url("/slow"), cfg=cfg)
    assert "timeout" in got.error and not got.content  # gave up before the slow answer came


def test_redirects_followed_up_to_five(http_server: LocalServer) -> None:
    for i in range(5):
        http_server.routes[f"/r{i}"] = redirect(f"/r{i + 1}")
    http_server.routes["/r5"] = reply(FEED)
    got = fetch(http_server.url("/r0"), cfg=LOCAL)
    assert got.ok and got.content == FEED and got.redirects == 5
    assert got.final_url.endswith("/r5")


def test_redirect_loop_stops(http_server: LocalServer) -> None:
    http_server.routes["/a"] = redirect("/b", 301)
    http_server.routes["/b"] = redirect("/a", 307)
    got = fetch(http_server.url("/a"), cfg=LOCAL)
    assert "too many redirects" in got.error
    assert len(http_server.requests) == 6


def test_gzip_body_is_decoded(http_server: LocalServer) -> None:
    body = FEED * 50
    http_server.routes["/feed"] = reply(gzip.compress(body), Content_Encoding="gzip")
    got = fetch(http_server.url("/feed"), cfg=LOCAL)
    assert got.ok and got.content == body
    assert "gzip" in http_server.requests[0]["Accept-Encoding"]


def test_body_over_the_size_cap_is_refused(http_server: LocalServer) -> None:
    http_server.routes["/big"] = reply(b"x" * 200_000)
    got = fetch(http_server.url("/big"), cfg=LOCAL)
    assert "larger than 100000 bytes" in got.error and got.content == b""


def test_gzip_bomb_is_capped_after_decompression(http_server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < LOCAL.max_bytes
    http_server.routes["/bomb"] = reply(bomb, Content_Encoding="gzip")
    got = fetch(http_server.url("/bomb"), cfg=LOCAL)
    assert "larger than 100000 bytes" in got.error


def test_streamed_body_without_length_is_capped(http_server: LocalServer) -> None:
    def chunked(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()
        for _ in range(30):
            h.wfile.write(b"y" * 10_000)
        h.close_connection = True

    http_server.routes["/stream"] = chunked
    got = fetch(http_server.url("/stream"), cfg=LOCAL)
    assert "larger than 100000 bytes" in got.error


def test_connection_refused_is_an_error_value() -> None:
    got = fetch("http://127.0.0.1:9/feed", cfg=LOCAL)
    assert not got.ok and "127.0.0.1:9" in got.error
