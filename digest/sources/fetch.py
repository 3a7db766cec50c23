"""Fetching a URL a user configured, without letting it reach the machine's own network.

Interface (stable):
    fetch(url, *, cfg: FetchConfig, etag="", last_modified="", json_body=None) -> FetchResult
    address_problem(ip: str) -> str        # "" when the address is public
    check_url(url, cfg) -> str             # "" when the URL may be fetched as far as can be told

Why it is built this way:
- Feed and board URLs come from the config and the web app, so a URL may point at
  http://169.254.169.254/ or a database port on localhost. Every hop (the first request and each
  redirect) is resolved with `socket.getaddrinfo`, every address is checked, and the connection
  is then made to the checked address (the URL's host goes in the Host header and TLS SNI), so a
  DNS answer that changes between the check and the connect ("DNS rebinding") cannot slip through.
  Proxies from the environment are therefore not used.
- Redirects are followed by hand (at most MAX_REDIRECTS) so each hop is checked. A POST (job
  lists that take a JSON query, like Workday's) is never redirected: a career site that moved
  answers with the redirect as an error naming the new address, so the watch can be fixed.
- The body is read raw and decompressed here, not by httpx: httpx inflates each received chunk
  in one call, so a 3.5 KB `Content-Encoding: gzip, gzip` body becomes gigabytes in memory
  before any cap is checked. Each encoding layer is inflated a piece at a time
  (`zlib.decompressobj(...).decompress(data, max_length)`), and `max_bytes` is applied to the
  decompressed bytes as they grow. Only the encodings decoded here are offered in
  Accept-Encoding; any other is refused.
- `timeout_seconds` bounds each connect/read, and a whole-request deadline
  (`deadline_seconds`, default 3 x the timeout) bounds connect, headers, body and redirects
  together: every socket operation gets at most the time left, so a server trickling its
  headers a byte at a time cannot hold the worker.
- Errors are values (FetchResult.error), worded for the operator, never exceptions.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import httpcore
import httpx

from digest.config import FetchConfig

MAX_REDIRECTS = 5
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ALLOW_HINT = "set [fetch] allow_private = true to allow"
#: the encodings decoded here (with a cap on the output), offered in Accept-Encoding
ACCEPT_ENCODING = "gzip, deflate"
#: bytes one decompression step may produce: memory stays bounded whatever the ratio
INFLATE_PIECE = 64 * 1024
#: encoding layers we agree to peel ("gzip, gzip, gzip" is no honest server's answer)
MAX_ENCODINGS = 3
DEADLINE_WORDS = "gave up at the whole-request deadline"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch gave. `error` is "" on success; `content` is empty for 304 and errors."""

    url: str
    final_url: str = ""
    status: int = 0
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False
    redirects: int = 0
    error: str = ""
    #: where a redirect that was not followed pointed (a POST's 301/302/307/308)
    location: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class _Refused(Exception):
    """A hop that must not be fetched; the message is the operator-facing reason."""


# --------------------------------------------------------------------------- address checks


def address_problem(ip: str) -> str:
    """Why an address must not be fetched from ("loopback address", ...), or "" if public."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    checks = (
        ("is_unspecified", "unspecified address"),
        ("is_loopback", "loopback address"),
        ("is_link_local", "link-local address"),
        ("is_multicast", "multicast address"),
        ("is_reserved", "reserved address"),
        ("is_private", "private address"),
    )
    for attr, reason in checks:
        if getattr(addr, attr):
            return reason
    if not addr.is_global:
        return "non-public address"
    return ""


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise _Refused(f"cannot resolve host {host}: {exc}") from None
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    if not seen:
        raise _Refused(f"cannot resolve host {host}: no addresses")
    return list(seen)


def _pick_address(url: httpx.URL, cfg: FetchConfig) -> str:
    """The address to connect to, after checking every address the host resolves to."""
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = _resolve(url.host, port)
    if not cfg.allow_private:
        for ip in addresses:
            problem = address_problem(ip)
            if problem:
                raise _Refused(f"refusing to fetch {url}: {problem} ({ip}); {ALLOW_HINT}")
    return addresses[0]


def _check_scheme(url: httpx.URL | str, cfg: FetchConfig) -> None:
    scheme = urlsplit(str(url)).scheme.lower()
    if scheme == BUNDLED:
        return
    if scheme == "file":
        if not cfg.allow_file:
            raise _Refused(
                f"refusing to fetch {url}: file: URLs are off; set [fetch] allow_file = true to allow"
            )
        return
    if scheme not in ("http", "https"):
        raise _Refused(f"refusing to fetch {url}: only http and https URLs are fetched")


def check_url(url: str, cfg: FetchConfig) -> str:
    """Why `url` would be refused before any request is sent, or "" (resolves DNS)."""
    try:
        _check_scheme(url, cfg)
        if urlsplit(url).scheme.lower() in ("file", BUNDLED):
            return ""
        parsed = httpx.URL(url)
        if not parsed.host:
            return f"refusing to fetch {url}: no host in the URL"
        _pick_address(parsed, cfg)
    except _Refused as exc:
        return str(exc)
    except (httpx.InvalidURL, ValueError) as exc:
        return f"invalid URL {url!r}: {exc}"
    return ""


# --------------------------------------------------------------------------- file: URLs

#: `demo:NAME` is a feed file bundled with the package (digest/demo/data/feeds/NAME), found where
#: jobdigest is installed today, so a demo's config survives a reinstall or an upgrade.
BUNDLED = "demo"


def _fetch_bundled(url: str, cfg: FetchConfig) -> FetchResult:
    name = urlsplit(url).path
    folder = Path(str(files("digest.demo") / "data" / "feeds"))
    path = folder / name
    if not name or "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        known = ", ".join(sorted(p.name for p in folder.iterdir()))
        return FetchResult(url=url, error=f"{url}: no such bundled demo feed (there are: {known})")
    return replace(_fetch_file(path.as_uri(), cfg), url=url)


def _fetch_file(url: str, cfg: FetchConfig) -> FetchResult:
    path = Path(url2pathname(unquote(urlsplit(url).path)))
    try:
        with path.open("rb") as handle:
            data = handle.read(cfg.max_bytes + 1)
    except OSError as exc:
        return FetchResult(
            url=url, final_url=url, error=f"cannot read {path}: {exc.strerror or exc}"
        )
    if len(data) > cfg.max_bytes:
        return FetchResult(url=url, final_url=url, error=_too_big(url, cfg))
    return FetchResult(url=url, final_url=url, status=200, content=data)


def _too_big(url: str, cfg: FetchConfig) -> str:
    return f"{url}: response larger than {cfg.max_bytes} bytes ([fetch] max_bytes)"


# --------------------------------------------------------------------------- HTTP


def _request(
    client: httpx.Client,
    url: httpx.URL,
    cfg: FetchConfig,
    headers: dict[str, str],
    body: bytes | None = None,
) -> httpx.Request:
    """A request pinned to a checked address, carrying the real host for Host and SNI."""
    address = _pick_address(url, cfg)
    host_header = url.netloc.decode("ascii")
    pinned = url.copy_with(host=address)
    return client.build_request(
        "GET" if body is None else "POST",
        pinned,
        headers={**headers, "Host": host_header},
        content=body,
        extensions={"sni_hostname": url.host},
    )


def _read_body(response: httpx.Response, url: str, cfg: FetchConfig, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if (
        declared.isdigit()
        and int(declared) > cfg.max_bytes
        and "content-encoding" not in response.headers
    ):
        raise _Refused(_too_big(url, cfg))
    chunks: list[bytes] = []
    size = 0
    for chunk in _decoded(response, url):
        size += len(chunk)
        if size > cfg.max_bytes:
            raise _Refused(_too_big(url, cfg))
        if time.monotonic() > deadline:
            raise _Refused(_deadline_error(url, cfg))
        chunks.append(chunk)
    return b"".join(chunks)


def _deadline_error(url: str, cfg: FetchConfig) -> str:
    return f"{url}: {DEADLINE_WORDS} of {cfg.deadline:g} s ([fetch] deadline_seconds)"


# --------------------------------------------------------------------------- decoding


def _encodings(response: httpx.Response, url: str) -> list[str]:
    """Content-Encoding layers in the order they must be undone (last applied first)."""
    values = [
        v.strip().lower()
        for v in ",".join(response.headers.get_list("content-encoding")).split(",")
        if v.strip() and v.strip().lower() != "identity"
    ]
    if len(values) > MAX_ENCODINGS:
        raise _Refused(f"{url}: {len(values)} layers of Content-Encoding (at most {MAX_ENCODINGS})")
    for value in values:
        if value not in ("gzip", "x-gzip", "deflate"):
            raise _Refused(
                f"{url}: unsupported Content-Encoding {value!r} (we accept gzip, deflate)"
            )
    return list(reversed(values))


def _decoded(response: httpx.Response, url: str) -> Iterator[bytes]:
    """The body with every encoding layer undone lazily: each layer yields pieces of at most
    INFLATE_PIECE bytes, so a layer never holds more than one piece of its output."""
    stream: Iterator[bytes] = response.iter_raw()
    for encoding in _encodings(response, url):
        stream = _inflate(stream, encoding, url)
    return stream


def _inflate(chunks: Iterable[bytes], encoding: str, url: str) -> Iterator[bytes]:
    """One gzip (several members allowed) or deflate (zlib-wrapped, or raw as some servers
    send it) layer, yielding at most INFLATE_PIECE bytes per step."""
    gzip_layer = encoding in ("gzip", "x-gzip")
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip_layer else zlib.MAX_WBITS)
    first = True
    try:
        for chunk in chunks:
            data, more = chunk, False
            while data or more:
                if decoder.eof:
                    if not (gzip_layer and data):
                        break  # what follows a deflate stream is ignored, as httpx does
                    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)  # the next gzip member
                try:
                    out = decoder.decompress(data, INFLATE_PIECE)
                except zlib.error:
                    if gzip_layer or not first:
                        raise
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    out = decoder.decompress(data, INFLATE_PIECE)
                first = False
                if out:
                    yield out
                more = len(out) == INFLATE_PIECE and not decoder.eof  # output still pending
                data = decoder.unused_data if decoder.eof else decoder.unconsumed_tail
    except zlib.error as exc:
        raise _Refused(f"{url}: cannot decode the {encoding} body: {exc}") from None


# --------------------------------------------------------------------------- the deadline


class _Deadline:
    """A point in time every socket operation of one fetch must finish by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def clamp(self, timeout: float | None, expired: type[Exception]) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired(DEADLINE_WORDS)
        return left if timeout is None else min(timeout, left)

    def passed(self) -> bool:
        return time.monotonic() >= self.at


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes never wait past the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def _guard(self, op: str, timeout: float | None, expired: type[Exception], *args: object):  # type: ignore[no-untyped-def]
        try:
            return getattr(self._inner, op)(*args, self._deadline.clamp(timeout, expired))
        except httpcore.TimeoutException:
            if self._deadline.passed():
                raise expired(DEADLINE_WORDS) from None
            raise

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._guard("read", timeout, httpcore.ReadTimeout, max_bytes)  # type: ignore[no-any-return]

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._guard("write", timeout, httpcore.WriteTimeout, buffer)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, wait), self._deadline
        )

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, with every connection bound to one fetch's deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(  # type: ignore[no-untyped-def]
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address=None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        wait = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, wait, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _transport(deadline: _Deadline) -> httpx.HTTPTransport:
    """httpx's transport on a pool that uses the deadline-bound backend. httpx offers no
    public way to pass a network backend, so the pool it built is replaced by an equal one."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # noqa: SLF001
        ssl_context=_tls_context(),
        max_connections=4,
        network_backend=_DeadlineBackend(deadline),
    )
    return transport


def _next_hop(current: httpx.URL, response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location", "")
    if not location:
        raise _Refused(f"{current}: HTTP {response.status_code} redirect without a Location")
    try:
        return httpx.URL(urljoin(str(current), location))
    except (httpx.InvalidURL, ValueError) as exc:
        raise _Refused(f"{current}: redirect to an invalid URL {location!r}: {exc}") from None


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every fetch: building one loads the CA bundle (~30-90 ms),
    which was most of the cost of a request to a paged career site."""
    return httpx.create_ssl_context(trust_env=False)


def _http_error(url: httpx.URL, response: httpx.Response) -> str:
    reason = response.reason_phrase or ""
    return f"HTTP {response.status_code} {reason}".rstrip() + f" from {url}"


def _moved(url: str, current: httpx.URL, hop: int, response: httpx.Response) -> FetchResult:
    """A POST that was redirected: not followed (the body would be lost or re-sent blindly)."""
    location = response.headers.get("location", "")
    try:
        target = urljoin(str(current), location) if location else ""
    except ValueError:
        target = location
    where = f" to {target}" if target else " without a Location"
    return FetchResult(
        url=url,
        final_url=str(current),
        status=response.status_code,
        redirects=hop,
        location=target,
        error=f"{current}: HTTP {response.status_code} redirect{where}",
    )


def _fetch_http(
    url: str,
    cfg: FetchConfig,
    etag: str,
    last_modified: str,
    deadline: _Deadline,
    body: bytes | None = None,
) -> FetchResult:
    headers = {"User-Agent": cfg.user_agent, "Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING}
    if body is not None:
        headers |= {"Accept": "application/json", "Content-Type": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = httpx.URL(url)
    timeout = httpx.Timeout(cfg.timeout_seconds)
    with httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=_transport(deadline)
    ) as client:
        for hop in range(MAX_REDIRECTS + 1):
            _check_scheme(current, cfg)
            if current.scheme == "file":
                raise _Refused(f"refusing to follow a redirect from http to {current}")
            if not current.host:
                raise _Refused(f"refusing to fetch {current}: no host in the URL")
            request = _request(client, current, cfg, headers, body)
            response = client.send(request, stream=True)
            try:
                if response.status_code in REDIRECT_CODES and body is not None:
                    return _moved(url, current, hop, response)
                if response.status_code in REDIRECT_CODES:
                    current = _next_hop(current, response)
                    continue
                return _result(url, current, hop, response, cfg, deadline.at)
            finally:
                response.close()
    raise _Refused(f"{url}: too many redirects (more than {MAX_REDIRECTS})")


def _result(
    url: str,
    final: httpx.URL,
    hops: int,
    response: httpx.Response,
    cfg: FetchConfig,
    deadline: float,
) -> FetchResult:
    common = {
        "url": url,
        "final_url": str(final),
        "status": response.status_code,
        "redirects": hops,
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
        "content_type": response.headers.get("content-type", ""),
    }
    if response.status_code == 304:
        return FetchResult(**common, not_modified=True)  # type: ignore[arg-type]
    if response.status_code >= 400 or response.status_code < 200:
        return FetchResult(**common, error=_http_error(final, response))  # type: ignore[arg-type]
    body = _read_body(response, str(final), cfg, deadline)
    return FetchResult(**common, content=body)  # type: ignore[arg-type]


def fetch(
    url: str,
    *,
    cfg: FetchConfig,
    etag: str = "",
    last_modified: str = "",
    json_body: bytes | None = None,
) -> FetchResult:
    """GET `url` safely (see the module docstring); conditional when etag/last_modified given.
    With `json_body`, POST that JSON instead (a job list that takes a query)."""
    deadline = _Deadline(cfg.deadline)
    try:
        _check_scheme(url, cfg)
        scheme = urlsplit(url).scheme.lower()
        if scheme in (BUNDLED, "file") and json_body is not None:
            return FetchResult(url=url, error=f"{url}: a {scheme}: URL cannot take a query")
        if scheme == BUNDLED:
            return _fetch_bundled(url, cfg)
        if scheme == "file":
            return _fetch_file(url, cfg)
        return _fetch_http(url, cfg, etag, last_modified, deadline, json_body)
    except _Refused as exc:
        return FetchResult(url=url, error=str(exc))
    except httpx.TimeoutException as exc:
        if DEADLINE_WORDS in str(exc) or deadline.passed():
            return FetchResult(url=url, error=_deadline_error(url, cfg))
        kind = type(exc).__name__.replace("Timeout", " timeout").lower().strip()
        return FetchResult(url=url, error=f"{url}: {kind} after {cfg.timeout_seconds:g} s")
    except httpx.InvalidURL as exc:
        return FetchResult(url=url, error=f"invalid URL {url!r}: {exc}")
    except httpx.HTTPError as exc:
        return FetchResult(url=url, error=f"{url}: {type(exc).__name__}: {exc}")
    except (OSError, ValueError) as exc:
        return FetchResult(url=url, error=f"{url}: {type(exc).__name__}: {exc}")
