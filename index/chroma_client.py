"""Connecting to Chroma: the embedded PersistentClient under a home folder, or a Chroma server (http or https,
a token sent as `x-chroma-token` as Chroma Cloud expects, a tenant and a database).

The token is a secret: it goes into the request headers and nowhere else (no message, repr or log names it).
A client belongs to whoever opened it (a `ChromaStore`, or the `qa.Assistant` that lends it to its stores),
which calls `close()`: nothing here is kept process-wide.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from index.config import IndexConfig
from index.errors import StoreAuthError, StoreUnavailableError
from index.redact import redact

TOKEN_HEADER = "x-chroma-token"


def _chroma_settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def display_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    host = parsed.hostname or ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{host}{port}{parsed.path.rstrip('/')}"


def embedded_path(config: IndexConfig) -> Path:
    return config.home / "chroma"


def client_key(config: IndexConfig) -> tuple:
    """Configurations with the same key can share one client."""
    if config.chroma_url:
        return (config.chroma_url, config.chroma_token, config.chroma_tenant, config.chroma_database)
    return (str(embedded_path(config)),)


def open_client(config: IndexConfig):
    """A new client of the configured store; the caller owns it and calls `close()` when done (embedded
    clients of one folder share Chroma's engine, which stops when the last of them is closed)."""
    if config.chroma_url:
        return _server_client(
            config.chroma_url, config.chroma_token, config.chroma_tenant, config.chroma_database
        )
    return _embedded_client(str(embedded_path(config)))


def _embedded_client(path: str):
    import chromadb

    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=path, settings=_chroma_settings())
    except Exception as e:
        raise StoreUnavailableError(redact(f"Cannot open the embedded Chroma store in {path}: {e}")) from None


def _server_client(chroma_url: str, token: str | None, tenant: str | None, database: str | None):
    import chromadb
    from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT

    url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
    https = url.scheme == "https"
    port = url.port or (443 if https else 8000)
    headers = {TOKEN_HEADER: token} if token else None
    shown = display_url(chroma_url)
    _check_access(shown, url, port, headers)
    try:
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=port,
            ssl=https,
            headers=headers,
            settings=_chroma_settings(),
            tenant=tenant or DEFAULT_TENANT,
            database=database or DEFAULT_DATABASE,
        )
    except Exception as e:
        if is_auth_error(e):
            raise StoreAuthError(shown, None, bool(token)) from None
        text = str(e)
        if "not found" in text.lower() and (tenant or database):
            raise StoreUnavailableError(
                f"The Chroma server at {shown} has no tenant '{tenant or DEFAULT_TENANT}' with database "
                f"'{database or DEFAULT_DATABASE}': create them on the server, or fix QA_CHROMA_TENANT / "
                "QA_CHROMA_DATABASE."
            ) from None
        raise unreachable(shown, port, e) from None


def _check_access(shown: str, url, port: int, headers: dict | None) -> None:
    """One plain request before the client is built: a refused token is one clear error, not a parse failure
    deep inside chromadb (which drops the HTTP status)."""
    import httpx

    base = f"{url.scheme or 'http'}://{url.hostname or '127.0.0.1'}:{port}{url.path.rstrip('/')}"
    try:
        response = httpx.get(f"{base}/api/v2/auth/identity", headers=headers, timeout=15)
    except Exception as e:  # connection refused, DNS, TLS: the server is not there
        raise unreachable(shown, port, e) from None
    if response.status_code in (401, 403):
        raise StoreAuthError(shown, response.status_code, bool(headers))


def unreachable(shown: str, port: int, error: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"Cannot reach the Chroma server at {shown} ({type(error).__name__}). Start it "
        f"(`chroma run --path DIR --port {port}`) or unset QA_CHROMA_URL to use the embedded store."
    )


def is_auth_error(e: Exception) -> bool:
    """chromadb turns a 401/403 into assorted exceptions; their names and texts tell."""
    name = type(e).__name__
    text = str(e).lower()
    return name in ("ChromaAuthError", "AuthorizationError") or any(
        w in text for w in ("unauthorized", "forbidden", "permission denied")
    )


def is_connection_error(e: Exception) -> bool:
    name = type(e).__name__.lower()
    text = str(e).lower()
    return any(w in name for w in ("connect", "timeout", "network", "remoteprotocol")) or any(
        w in text for w in ("connection refused", "could not connect", "connecterror", "timed out")
    )


def call_store(config: IndexConfig, fn, *args, **kwargs):
    """fn(*args, **kwargs) against the configured store: a server's refusal or loss is one clear error."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        if config.chroma_url and is_auth_error(e):
            raise StoreAuthError(display_url(config.chroma_url), None, bool(config.chroma_token)) from None
        if config.chroma_url and is_connection_error(e):
            raise StoreUnavailableError(
                f"Lost the Chroma server at {display_url(config.chroma_url)} ({type(e).__name__}); "
                "is it still running?"
            ) from None
        raise
