"""A careful HTTP GET: http(s) and public addresses only; bounded in time, size and redirects; polite retries.

Users type the addresses, also into the web app; so every address and every redirect target is resolved and
each of its IP addresses checked before connecting, and the connection goes to the checked address (a second
DNS answer cannot swap in an internal one). Proxies from the environment are not used, for the same reason.
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from assistant.errors import FetchError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Worth another try after a pause: the server is rate-limiting (429) or failing for a moment (5xx).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_READ_SIZE = 64 * 1024
_TLS = ssl.create_default_context()
_OPEN_HINT = (
    "open the address in a browser, save the document, and add the file with `asylum-assistant ingest` "
    "(or the upload form)"
)


def _user_agent() -> str:
    """"asylum-assistant/<version> (+<project address>)": who is asking, and where to read about it."""
    try:
        version = metadata.version("asylum-assistant")
        about = metadata.metadata("asylum-assistant")
        urls = [entry.split(",", 1)[-1].strip() for entry in about.get_all("Project-URL") or []]
        home = next(iter(urls), "") or about.get("Home-page") or ""
    except metadata.PackageNotFoundError:
        version, home = "dev", ""
    about_us = f"+{home}" if home else "asylum and refugee law research"
    return f"asylum-assistant/{version} ({about_us})"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class FetchPolicy:
    """How patient, how large and how careful a download may be. The first three are the user's settings."""

    timeout: float  # seconds to connect, and to wait for each piece of data
    max_bytes: int  # reading stops past this
    allow_private: bool  # also private, loopback, link-local, multicast and reserved addresses
    attempts: int = 3  # per address, on connection errors, 429 and 5xx
    backoff: float = 1.0  # seconds before the first retry; doubled before each further one
    max_retry_after: float = 60.0  # a server asking for a longer pause (Retry-After) gets an error instead
    max_redirects: int = 5
    total_timeout: float = 600.0  # one download, retries and redirects included
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings) -> FetchPolicy:
        return cls(
            timeout=settings.fetch_timeout,
            max_bytes=int(settings.fetch_max_mb * 1024 * 1024),
            allow_private=settings.allow_private,
        )


@dataclass(frozen=True)
class Response:
    """A downloaded body and what the server said of it."""

    url: str  # where it finally came from, after redirects
    media_type: str  # lower case, without parameters: "application/pdf"; "" when the server gave none
    body: bytes


class _Transient(Exception):
    """A failure worth another try: the connection could not be made or was dropped before an answer."""


def get(url: str, policy: FetchPolicy, media_types: Collection[str], expected: str) -> Response:
    """Download `url`, following at most `policy.max_redirects` redirects, each one checked like the first.

    Args:
        media_types: the acceptable Content-Types ("" admits a response without one); others are refused
            before their body is read.
        expected: what those types are, for the error message: "a PDF, Word or HTML document".

    Raises:
        FetchError: for every failure, with the reason and what to do.
    """
    deadline = time.monotonic() + policy.total_timeout
    accept = ", ".join(sorted(t for t in media_types if t)) or "*/*"
    visited = [url]
    current = url
    for _ in range(policy.max_redirects + 1):
        parts = check_url(current, shown_as=url)
        connection, response = _request(parts, url, policy, accept, deadline)
        try:
            if response.status in REDIRECT_STATUSES:
                current = _redirect_target(response, current, url, visited)
                visited.append(current)
                continue
            _check_status(response, url, policy)
            media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if media_type not in media_types:
                sent = media_type or "a file without a content type"
                raise FetchError(url, f"the server sent {sent}, not {expected}: there is nothing to ingest")
            return Response(current, media_type, _read_body(response, url, policy, deadline))
        finally:
            connection.close()
    chain = " → ".join(visited)
    raise FetchError(
        url, f"the server redirected more than {policy.max_redirects} times ({chain}); {_OPEN_HINT}"
    )


def check_url(url: str, shown_as: str | None = None) -> SplitResult:
    """The parts of an http(s) address with a host; FetchError (naming `shown_as`) for anything else."""
    shown = shown_as or url
    via = "" if shown == url else f"the server redirected to {url}, but "
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise FetchError(shown, f"{via}this is not a valid web address ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme or "." in scheme:
            raise FetchError(shown, f"{via}the address needs to start with https:// (or http://)")
        raise FetchError(shown, f"{via}only http:// and https:// addresses can be fetched, not {scheme}:")
    if not parts.hostname:
        raise FetchError(shown, f"{via}the address names no host (expected https://host/…)")
    if parts.username is not None or parts.password is not None:
        raise FetchError(shown, f"{via}addresses with a user name or password in them are not fetched")
    return parts


def blocked_reason(address: str) -> str | None:
    """Why an IP address is not fetched from by default ("a loopback address…"); None for a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    except ValueError:
        return "not an IP address this check understands"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return blocked_reason(str(embedded))
    for flag, reason in (
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_loopback, "a loopback address (this machine itself)"),
        (ip.is_link_local, "a link-local address (such as a cloud metadata service)"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private network address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public internet address"),
    ):
        if flag:
            return reason
    return None


def _addresses(host: str, port: int, url: str, policy: FetchPolicy) -> list[str]:
    """Every IP address of `host`, each checked unless private ones are allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        why = getattr(error, "strerror", None) or error
        raise FetchError(
            url, f"the host {host} could not be found ({why}); check the address and the internet connection"
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not policy.allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                which = address if address == host else f"{host} ({address})"
                raise FetchError(
                    url,
                    f"{which} is {reason}. Fetching from private and local addresses is off, so that the "
                    "assistant cannot be used to reach its host's own network; allow it with --allow-private "
                    "(setting allow_private, ASYLUM_ASSISTANT_ALLOW_PRIVATE=1) only if you mean to",
                )
    return addresses


def _request(
    parts: SplitResult, url: str, policy: FetchPolicy, accept: str, deadline: float
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """Send the GET, trying again after a pause on connection errors, 429 and 5xx."""
    for attempt in range(1, policy.attempts + 1):
        try:
            connection, response = _send(parts, url, policy, accept)
        except _Transient as failure:
            if attempt == policy.attempts:
                raise FetchError(
                    url, f"{failure} ({attempt} attempts); check the address and the connection, or try later"
                ) from None
            wait = policy.backoff * 2 ** (attempt - 1)
        else:
            if response.status not in RETRY_STATUSES or attempt == policy.attempts:
                return connection, response
            asked = _retry_after(response.getheader("Retry-After"))
            connection.close()
            if asked is not None and asked > policy.max_retry_after:
                raise FetchError(
                    url,
                    f"the server is busy (HTTP {response.status} {response.reason}) and asks to wait "
                    f"{asked:.0f} s before the next request; try again later",
                )
            wait = asked if asked is not None else policy.backoff * 2 ** (attempt - 1)
        if time.monotonic() + wait > deadline:
            raise FetchError(url, f"no document after {policy.total_timeout:.0f} s with retries; try later")
        time.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _send(
    parts: SplitResult, url: str, policy: FetchPolicy, accept: str
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    try:
        host = parts.hostname.encode("idna").decode("ascii")  # type: ignore[union-attr]  # check_url saw one
    except UnicodeError:
        raise FetchError(url, f"the host name {parts.hostname} is not valid") from None
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    refused: list[str] = []
    for address in _addresses(host, port, url, policy):
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(host, port, address, policy.timeout)
            if https
            else _PinnedHTTPConnection(host, port, address, policy.timeout)
        )
        try:
            connection.connect()
        except ssl.SSLError as error:
            connection.close()
            reason = error.reason or error
            raise FetchError(url, f"the secure connection to {host} failed ({reason})") from None
        except TimeoutError:
            connection.close()
            refused.append(f"no connection to {host} within {policy.timeout:g} s")
            continue
        except OSError as error:
            connection.close()
            refused.append(f"could not connect to {host} ({error.strerror or error})")
            continue
        try:
            connection.request("GET", _target(parts), headers={
                "User-Agent": policy.user_agent, "Accept": accept, "Accept-Encoding": "gzip",
            })
            return connection, connection.getresponse()
        except TimeoutError:
            connection.close()
            raise FetchError(url, _slow(policy)) from None
        except (http.client.RemoteDisconnected, ConnectionError) as error:
            connection.close()
            raise _Transient(f"{host} closed the connection without answering ({error})") from None
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise FetchError(url, f"the request to {host} failed ({error})") from None
    raise _Transient(refused[-1] if refused else f"{host} has no address")


def _target(parts: SplitResult) -> str:
    """The request target: path and query, percent-encoded where the address was not (the fragment stays)."""
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return f"{path}?{query}" if query else path


def _redirect_target(response: http.client.HTTPResponse, current: str, url: str, visited: list[str]) -> str:
    location = (response.getheader("Location") or "").strip()
    if not location:
        raise FetchError(url, f"the server redirected (HTTP {response.status}) without saying where to")
    target = urljoin(current, location)
    check_url(target, shown_as=url)
    if target in visited:
        loop = " → ".join(visited[visited.index(target):] + [target])
        raise FetchError(url, f"the server redirects in a loop ({loop}); {_OPEN_HINT}")
    return target


def _check_status(response: http.client.HTTPResponse, url: str, policy: FetchPolicy) -> None:
    status, said = response.status, f"HTTP {response.status} {response.reason}".strip()
    if status == 200:
        return
    if 200 < status < 300:
        # EUR-Lex and other sites behind a web firewall answer scripts with 202 and a JavaScript check.
        raise FetchError(
            url,
            f"the server answered {said} without the document: the site probably checks for a browser "
            f"(a JavaScript challenge) that this tool does not pass; {_OPEN_HINT}",
        )
    if status in (404, 410):
        raise FetchError(url, f"there is no document at this address ({said}); check it in a browser")
    if status in (401, 403):
        raise FetchError(
            url, f"the server refused access ({said}): it may need a login, or refuse scripts; {_OPEN_HINT}"
        )
    if status == 429:
        raise FetchError(url, f"the server is limiting requests ({said}), {policy.attempts} tries; try later")
    if status >= 500:
        raise FetchError(url, f"the server failed ({said}) {policy.attempts} times in a row; try again later")
    raise FetchError(url, f"the server answered {said}, not a document")


def _read_body(response: http.client.HTTPResponse, url: str, policy: FetchPolicy, deadline: float) -> bytes:
    """The body, decompressed, refused as soon as it passes the size limit (never read whole first)."""
    limit = policy.max_bytes
    declared = (response.getheader("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(url, _too_large(policy))
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding in ("identity", ""):
        decoder = None
    else:
        raise FetchError(url, f"the server compressed the document as {encoding!r}, which is not supported")
    body = bytearray()
    try:
        while piece := response.read1(_READ_SIZE):
            if decoder:
                # Never inflate more than the limit allows: a small compressed body can expand enormously.
                piece = decoder.decompress(piece, limit + 1 - len(body))
            body += piece
            if len(body) > limit:
                raise FetchError(url, _too_large(policy))
            if time.monotonic() > deadline:
                raise FetchError(url, f"the download took over {policy.total_timeout:.0f} s; try later")
        if decoder:
            body += decoder.flush()
    except TimeoutError:
        raise FetchError(url, _slow(policy)) from None
    except http.client.IncompleteRead:
        raise FetchError(url, "the connection closed before the whole document arrived; try again") from None
    except zlib.error:
        raise FetchError(url, "the server sent a damaged compressed document; try again") from None
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(url, f"the download broke off ({error}); try again") from None
    if len(body) > limit:
        raise FetchError(url, _too_large(policy))
    return bytes(body)


def _retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (a number, or an HTTP date); None when absent or unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _slow(policy: FetchPolicy) -> str:
    return (
        f"the server sent nothing for {policy.timeout:g} s; it may be slow or down: try again later, "
        "or raise the fetch_timeout setting (ASYLUM_ASSISTANT_FETCH_TIMEOUT)"
    )


def _too_large(policy: FetchPolicy) -> str:
    return (
        f"the document is larger than the {policy.max_bytes / 1024 / 1024:g} MB limit; raise the "
        "fetch_max_mb setting (ASYLUM_ASSISTANT_FETCH_MAX_MB), or download it yourself and use "
        "`asylum-assistant ingest`"
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand: the host name is not resolved again."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is still verified against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_TLS)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = _TLS.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
