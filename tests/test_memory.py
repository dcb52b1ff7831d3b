"""The portal process keeps what it built at start-up out of the garbage collector's way."""

from __future__ import annotations

import asyncio
import gc

from dcc_portal import memory


def test_start_up_objects_are_frozen_and_young_collections_are_rarer():
    threshold = gc.get_threshold()
    try:
        built_at_start = [{"page": n} for n in range(1000)]
        asyncio.run(memory.lifespan_task())
        assert gc.get_freeze_count() >= len(built_at_start)
        assert gc.get_threshold() == (memory.YOUNG_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
