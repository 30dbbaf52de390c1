"""The two embedding backends: the same vectors, the ONNX export made once and reused, and no download."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embed import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    get_embedder,
    onnx_model_path,
    onnx_supported,
    resolve_model_path,
)
from qa.errors import ConfigError
from qa.settings import DEFAULT_EMBED_MODEL as MODEL_FOR_TESTS
from qa.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(resolve_model_path(MODEL_FOR_TESTS))

TEXTS = [
    "How do I read a file line by line?",
    "Python 3.11 > Reading files\nUse open() in a with statement; iterating over the file object yields its lines.",
    "x",
    "Les élèves ont étudié la théorie des ensembles à l'université de Genève.",
    "The national security adviser said the talks would resume. " * 40,  # past 256 word pieces: truncated
    "",
]

# A child process: block every socket, embed with a cold or warm export cache, report what it saw.
CHILD = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise OSError("network use in a test")
socket.socket.connect = refuse
socket.create_connection = refuse
from pathlib import Path
from index.embed import get_embedder
e = get_embedder("all-MiniLM-L6-v2", "onnx", cache_dir=Path(sys.argv[1]))
v = e.embed_query("What is a decorator?")
print(json.dumps({"type": type(e).__name__, "norm": float((v * v).sum()), "torch": "torch" in sys.modules}))
"""


@pytest.fixture(scope="module")
def onnx_embedder() -> OnnxEmbedder:
    embedder = get_embedder(MODEL_FOR_TESTS, "onnx")  # the export cache the rest of the suite uses
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.mark.slow
def test_backends_agree(onnx_embedder):
    torch_embedder = get_embedder(MODEL_FOR_TESTS, "torch")
    assert isinstance(torch_embedder, SentenceTransformerEmbedder)
    a = onnx_embedder.embed_documents(TEXTS)
    b = torch_embedder.embed_documents(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() >= 0.99, cosine
    q = onnx_embedder.embed_query(TEXTS[0])
    assert float(q @ torch_embedder.embed_query(TEXTS[0])) >= 0.99


@pytest.mark.slow
def test_batching_keeps_order_and_values(onnx_embedder):
    # Many texts of mixed length: sorted, batched and cached internally, returned in input order.
    texts = [f"{'word ' * (i % 37)}sentence number {i}" for i in range(300)]
    together = onnx_embedder.embed_documents(texts)  # an indexing-size call (no cache)
    one_by_one = np.stack([onnx_embedder.embed_documents([t])[0] for t in texts[:20]])
    assert np.allclose(together[:20], one_by_one, atol=1e-5)
    small = onnx_embedder.embed_documents(
        texts[:5] + texts[:5]
    )  # duplicates: embedded once, both rows filled
    assert np.allclose(small[:5], small[5:]) and np.allclose(small[:5], together[:5], atol=1e-5)


def _child(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "HF_"))}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(cache)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_export_is_made_offline_once_and_reused(tmp_path):
    # First process: no export yet, sockets blocked, no HF_HUB_OFFLINE given: it exports without the network.
    first = _child(tmp_path)
    assert first["type"] == "OnnxEmbedder" and abs(first["norm"] - 1.0) < 1e-4
    exported = sorted(tmp_path.rglob("*.onnx"))
    assert len(exported) == 1
    before = exported[0].stat()
    # Second process: reuses the file, and the query path never imports torch.
    second = _child(tmp_path)
    after = exported[0].stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert second["torch"] is False
    assert sorted(tmp_path.rglob("*.onnx")) == exported


def test_export_path_follows_the_weights(tmp_path, qa_home, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    cache = load_settings(env_file=None).index_config().cache_dir
    path = onnx_model_path(MODEL_DIR, cache)
    assert path.is_relative_to(tmp_path) and path == onnx_model_path(MODEL_DIR, cache)


def test_embedding_settings(qa_home, monkeypatch):
    assert load_settings(env_file=None).embed_backend == "onnx"
    monkeypatch.setenv("QA_EMBED_BACKEND", "Torch")
    monkeypatch.setenv("QA_EMBED_THREADS", "2")
    config = load_settings(env_file=None).index_config()
    assert (config.embed_backend, config.embed_threads) == ("torch", 2)
    monkeypatch.setenv("QA_EMBED_BACKEND", "tensorflow")
    with pytest.raises(ConfigError, match="QA_EMBED_BACKEND"):
        load_settings(env_file=None)
    monkeypatch.setenv("QA_EMBED_BACKEND", "onnx")
    monkeypatch.setenv("QA_EMBED_THREADS", "many")
    with pytest.raises(ConfigError, match="QA_EMBED_THREADS"):
        load_settings(env_file=None)


def test_only_mean_pooled_local_models_go_to_onnx(tmp_path):
    assert onnx_supported(MODEL_DIR)
    assert not onnx_supported(tmp_path)  # not a sentence-transformers folder
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(
        json.dumps(
            [
                {"type": "sentence_transformers.models.Transformer"},
                {"type": "sentence_transformers.models.Pooling"},
            ]
        )
    )
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    (tmp_path / "tokenizer.json").write_text("{}")
    assert not onnx_supported(tmp_path)  # CLS pooling: left to sentence-transformers


def test_abandoned_partial_exports_are_removed(tmp_path):
    """A `qa index` killed while exporting leaves a .tmp file; the next export removes it, not a live one."""
    import os

    from index.embed import _remove_abandoned_exports

    target = tmp_path / "model.onnx"
    dead = tmp_path / ".model.onnx.999999999.tmp"  # no such pid
    live = tmp_path / f".model.onnx.{os.getpid()}.tmp"
    dead.write_bytes(b"partial")
    live.write_bytes(b"in progress")
    _remove_abandoned_exports(target)
    assert not dead.exists()
    assert live.exists()
