"""``heap.settle``: collect once, then keep the survivors out of later full collections."""

from __future__ import annotations

import gc
import weakref

from tunedin_api import heap


class _Node:
    def __init__(self) -> None:
        self.me: _Node | None = None


def test_settle_collects_cycles_then_freezes_the_survivors() -> None:
    cyclic = _Node()
    cyclic.me = cyclic  # only a collection, not reference counting, can free it
    gone = weakref.ref(cyclic)
    del cyclic
    kept = [_Node() for _ in range(1000)]
    try:
        heap.settle()
        assert gone() is None
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        # A later full collection walks only what was made since: the frozen objects stay out.
        gc.collect()
        assert gc.get_freeze_count() == frozen
        # Settling again unfreezes first, so cycles made among frozen objects are not kept forever.
        kept[0].me = kept[0]
        again = weakref.ref(kept[0])
        del kept[0]
        heap.settle()
        assert again() is None
    finally:
        gc.unfreeze()
