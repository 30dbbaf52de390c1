"""Settings: one object built from `QA_*` environment variables (and a `.env` file), overridable per call."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from index.config import DEFAULT_EMBED_MODEL, IndexConfig, storage_name
from qa.errors import ConfigError

__all__ = ["DEFAULT_EMBED_MODEL", "Settings", "load_settings", "storage_name"]
DEFAULT_TOP_K = 5


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "qa"


@dataclass(frozen=True)
class Settings:
    home: Path
    chroma_url: str | None = None
    chroma_token: str | None = field(default=None, repr=False)  # secret: kept out of reprs and messages
    chroma_tenant: str | None = None
    chroma_database: str | None = None
    collection: str = "default"
    model: str = "extractive"
    api_base: str | None = None
    api_key: str | None = None
    embed_model: str = DEFAULT_EMBED_MODEL
    embed_backend: str = "onnx"  # "onnx" or "torch"
    embed_threads: int | None = None  # ONNX Runtime threads; None: the runtime decides
    cache_dir: Path | None = None  # exported embedding models; None: the user's cache folder
    top_k: int = DEFAULT_TOP_K
    timeout: float = 60.0  # seconds for one model call
    max_file_mb: float = 50.0  # larger files are refused with this limit named
    ui_auth: str | None = None  # "user:password" turns on the UI login
    ui_models: tuple[str, ...] = ()  # models the page and its API may choose, besides `model`
    serve_key: str | None = field(
        default=None, repr=False
    )  # the bearer key of the OpenAI-compatible endpoint (/v1) of `qa ui`

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with every non-None override applied (None means: keep the setting)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def index_config(self) -> IndexConfig:
        """What index needs of these settings (index reads no settings of its own)."""
        return IndexConfig(
            home=self.home,
            collection=self.collection,
            chroma_url=self.chroma_url,
            chroma_token=self.chroma_token,
            chroma_tenant=self.chroma_tenant,
            chroma_database=self.chroma_database,
            embed_model=self.embed_model,
            embed_backend=self.embed_backend,
            embed_threads=self.embed_threads,
            cache_dir=self.cache_dir,
            max_file_bytes=int(self.max_file_mb * 1_000_000),
        )

    @property
    def offered_models(self) -> list[str]:
        """The models a caller of the UI or its API may pick: QA_MODEL first, then QA_UI_MODELS."""
        return list(dict.fromkeys([self.model, *self.ui_models]))

    def offered_model(self, requested: str | None) -> str | None:
        """`requested` when the server offers it (None or "" mean the server's model), else a ConfigError.
        A caller never names a model of its own: a litellm model string can carry a URL or a provider."""
        if not requested:
            return None
        if requested not in self.offered_models:
            raise ConfigError(
                f"The model '{requested}' is not offered by this server; choose one of: "
                f"{', '.join(self.offered_models)} (the server's QA_MODEL and QA_UI_MODELS)."
            )
        return requested

    @property
    def collection_dir(self) -> Path:
        """Where this collection's local files (lexical index, manifest, lock) live: index decides."""
        return self.index_config().collection_dir


def _env(environ: dict[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else None


def read_variables(env_file: str | os.PathLike | None = ".env") -> dict[str, tuple[str, str]]:
    """Every variable the settings see, with where it came from ("environment", or the `.env` file's name): the
    file fills in what the environment does not set. The one reader of both (`qa settings` shows the same)."""
    found: dict[str, tuple[str, str]] = {}
    if env_file and Path(env_file).is_file():
        from dotenv import dotenv_values

        found.update({k: (v, str(env_file)) for k, v in dotenv_values(env_file).items() if v is not None})
    found.update({k: (v, "environment") for k, v in os.environ.items()})
    return found


def load_settings(env_file: str | os.PathLike | None = ".env") -> Settings:
    """Settings from the environment; a `.env` file fills in what the environment does not set."""
    environ = {name: value for name, (value, _) in read_variables(env_file).items()}

    top_k = _env(environ, "QA_TOP_K")
    try:
        top_k_value = int(top_k) if top_k else DEFAULT_TOP_K
    except ValueError:
        raise ConfigError(f"QA_TOP_K must be a whole number, got {top_k!r}") from None
    if top_k_value < 1:
        raise ConfigError(f"QA_TOP_K must be at least 1, got {top_k_value}")
    timeout = _env(environ, "QA_TIMEOUT")
    max_mb = _env(environ, "QA_MAX_FILE_MB")
    try:
        timeout_value = float(timeout) if timeout else 60.0
        max_mb_value = float(max_mb) if max_mb else 50.0
    except ValueError:
        raise ConfigError("QA_TIMEOUT and QA_MAX_FILE_MB must be numbers") from None

    backend = (_env(environ, "QA_EMBED_BACKEND") or "onnx").strip().lower()
    if backend not in ("onnx", "torch"):
        raise ConfigError(f"QA_EMBED_BACKEND must be one of onnx, torch, got {backend!r}")
    threads = _env(environ, "QA_EMBED_THREADS")
    try:
        threads_value = int(threads) if threads else None
    except ValueError:
        raise ConfigError(f"QA_EMBED_THREADS must be a whole number, got {threads!r}") from None
    cache = _env(environ, "QA_CACHE_DIR")
    xdg_cache = _env(environ, "XDG_CACHE_HOME")
    cache_dir = Path(cache).expanduser() if cache else Path(xdg_cache) / "qa" if xdg_cache else None

    return Settings(
        home=Path(_env(environ, "QA_HOME") or _default_home()).expanduser(),
        chroma_url=_env(environ, "QA_CHROMA_URL"),
        chroma_token=_env(environ, "QA_CHROMA_TOKEN"),
        chroma_tenant=_env(environ, "QA_CHROMA_TENANT"),
        chroma_database=_env(environ, "QA_CHROMA_DATABASE"),
        collection=_env(environ, "QA_COLLECTION") or "default",
        model=_env(environ, "QA_MODEL") or "extractive",
        api_base=_env(environ, "QA_API_BASE"),
        api_key=_env(environ, "QA_API_KEY"),
        embed_model=_env(environ, "QA_EMBED_MODEL") or DEFAULT_EMBED_MODEL,
        embed_backend=backend,
        embed_threads=threads_value,
        cache_dir=cache_dir,
        top_k=top_k_value,
        timeout=timeout_value,
        max_file_mb=max_mb_value,
        ui_auth=_env(environ, "QA_UI_AUTH"),
        serve_key=_env(environ, "QA_SERVE_KEY"),
        ui_models=tuple(m.strip() for m in (_env(environ, "QA_UI_MODELS") or "").split(",") if m.strip()),
    )
