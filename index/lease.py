"""A lease on a whole collection, kept on the store: one manifest record with a holder and an expiry.

Whole-collection operations (reconciling orphans, `remove --all`, migrating) take it; per-source writes do not
need it. Taking it is Chroma's `add`, which keeps an existing record untouched, followed by a read: whoever's
name is in the record holds it. The holder renews it in the background; a killed holder stops renewing, and once
its expiry passes the next taker deletes exactly that expired record (a delete conditioned on its expiry) and
takes it. Expiries are wall-clock times, so the machines' clocks must roughly agree (NTP).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

from index.errors import IndexBusyError

LEASE_ID = "~lease"
_MARK = [1.0]


def writer_id() -> str:
    """Names this run in records and leases: host, process, a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class CollectionLease:
    def __init__(self, store, holder: str | None = None, ttl: float = 30.0, wait_seconds: float = 60.0):
        self.store = store
        self.holder = holder or writer_id()
        self.ttl = ttl
        self.wait_seconds = wait_seconds
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False  # set when a renewal found someone else's name in the record

    def _record(self) -> dict | None:
        got = self.store._call(self.store.manifest_collection().get, ids=[LEASE_ID], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    def try_acquire(self) -> bool:
        col = self.store.manifest_collection()
        for _ in range(3):
            expires = time.time() + self.ttl
            meta = {"kind": "lease", "holder": self.holder, "expires": expires}
            self.store._call(col.add, ids=[LEASE_ID], embeddings=[_MARK], metadatas=[meta])
            current = self._record()
            if current is None:
                continue  # released between our add and our read: try again
            if current.get("holder") == self.holder:
                return True
            if float(current.get("expires", 0)) < time.time():  # its holder died: break exactly that lease
                self.store._call(col.delete, ids=[LEASE_ID], where={"expires": current["expires"]})
                continue
            return False
        return False

    def acquire(self) -> CollectionLease:
        deadline = time.monotonic() + self.wait_seconds
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                current = self._record() or {}
                left = max(0.0, float(current.get("expires", 0)) - time.time())
                raise IndexBusyError(
                    f"Another machine ({current.get('holder', 'unknown')}) holds the lease on collection "
                    f"'{self.store.collection_name}' for a whole-collection operation; it expires in {left:.0f} s "
                    "unless renewed. Wait for it to finish and run again."
                )
            time.sleep(0.5)
        self._renewer = threading.Thread(target=self._renew, name="qa-lease", daemon=True)
        self._renewer.start()
        return self

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                current = self._record()
                if not current or current.get("holder") != self.holder:
                    self.lost = True
                    return
                meta = {"kind": "lease", "holder": self.holder, "expires": time.time() + self.ttl}
                self.store._call(
                    self.store.manifest_collection().upsert,
                    ids=[LEASE_ID],
                    embeddings=[_MARK],
                    metadatas=[meta],
                )
            except Exception:  # a server hiccup: the next renewal tries again, the expiry is the backstop
                continue

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        try:
            col = self.store.manifest_collection()
            self.store._call(col.delete, ids=[LEASE_ID], where={"holder": self.holder})
        except Exception:  # the server is gone: the lease expires by itself
            pass

    def __enter__(self) -> CollectionLease:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
