"""Wakes the watchers of a live sitting as soon as someone changed it, instead of at their next look at the database.

In this process the signal is immediate. With several workers (state in Redis) it also goes through a Redis channel
to the other processes. The sitting's version in the database stays the only truth: a watcher woken looks it up,
and a lost signal costs one fallback interval of the watcher (state/rcp_live.py), never a missed change."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections import defaultdict

from dcc_portal import settings

CHANNEL = "dcc:rcp-live"
_origins: dict[int, str] = {}
_waiting: dict[str, set[asyncio.Event]] = defaultdict(set)
_wakes: dict[str, int] = defaultdict(int)  # signals received per sitting by this process
_reads: dict[str, tuple[int, asyncio.Future]] = {}  # the version read in flight per sitting, and after which signal
_publisher = None
logger = logging.getLogger("dcc_portal")


def listen(session_id: str) -> asyncio.Event:
    event = asyncio.Event()
    _waiting[session_id].add(event)
    return event


def stop_listening(session_id: str, event: asyncio.Event) -> None:
    _waiting[session_id].discard(event)
    if not _waiting[session_id]:
        _waiting.pop(session_id, None)


async def version(session_id: str, read) -> int:
    """The sitting's version from the database (`read(session_id)`, in a thread), for a watcher that was just woken
    (or whose interval ran out). A read already under way serves it when that read began after the last signal this
    process received, so it saw every change signalled so far: the tablets woken together read the database once."""
    since = _wakes[session_id]
    running = _reads.get(session_id)
    if running is None or running[0] < since:
        task = asyncio.ensure_future(asyncio.to_thread(read, session_id))
        running = _reads[session_id] = (since, task)
        task.add_done_callback(lambda _done: _reads.pop(session_id, None) if _reads.get(session_id) is running else None)
    return await asyncio.shield(running[1])


def _wake(session_id: str) -> None:
    _wakes[session_id] += 1
    for event in _waiting.get(session_id, ()):
        event.set()


def _origin() -> str:
    """This process's name on the channel (its own messages come back from Redis and are skipped). Drawn in the
    process itself: workers forked from one parent must not share it."""
    return _origins.setdefault(os.getpid(), uuid.uuid4().hex)


def _redis():
    global _publisher
    url = settings.redis_url()
    if url and _publisher is None:
        import redis.asyncio

        _publisher = redis.asyncio.from_url(url)
    return _publisher


async def changed(session_id: str) -> None:
    """Someone changed the sitting: wake its watchers here and in the other workers."""
    _wake(session_id)
    client = _redis()
    if client is not None:
        try:
            await client.publish(CHANNEL, f"{_origin()} {session_id}")
        except Exception as error:  # noqa: BLE001 - the watchers of other workers fall back on their interval
            logger.warning("live sitting signal not published: %s", type(error).__name__)


async def lifespan_task():
    """With Redis: relay the other workers' signals to this process's watchers for as long as the app runs."""
    client = _redis()
    if client is None:
        return
    while True:
        try:
            async with client.pubsub() as channel:
                await channel.subscribe(CHANNEL)
                async for message in channel.listen():
                    if message.get("type") != "message":
                        continue
                    origin, _, session_id = message["data"].decode().partition(" ")
                    if origin != _origin():
                        _wake(session_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - Redis restarted: listen again; watchers poll meanwhile
            logger.warning("live sitting signals interrupted: %s", type(error).__name__)
            await asyncio.sleep(1)
