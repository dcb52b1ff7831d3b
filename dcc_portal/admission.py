"""The door of the login: a morning's login storm queues here instead of slowing the pages of those already signed in.

A worker process lets one password step through at a time, when its event loop has time to spare: over the last
`WINDOW` seconds, short timers were kept waiting less than `BUSY_LIMIT` of the time by other work (pages being built,
the logins let in before). When the loop stays busy, a login still goes through every `LONGEST_WAIT` seconds, so the
door slows logins down and never shuts them out. The second factor
and the pages that follow a login do not pass through it.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable

TICK = 0.02  # s: the timer that measures how late the event loop answers
WINDOW = 0.2  # s: how long the door watches the loop before letting a login in
BUSY_LIMIT = 0.25  # share of the window the timers waited: above it, the worker has pages waiting
LONGEST_WAIT = 1.0  # s: the slowest pace at which the door lets logins through


async def loop_busy(window: float = WINDOW, tick: float = TICK) -> float:
    """The share of `window` seconds during which `tick`-second timers on this event loop were kept waiting."""
    started = time.monotonic()
    waited = 0.0
    while (now := time.monotonic()) - started < window:
        due = now + tick
        await asyncio.sleep(tick)
        waited += max(0.0, time.monotonic() - due)
    return waited / (time.monotonic() - started)


class LoginDoor:
    def __init__(self, *, busy: Callable[[], Awaitable[float]] = loop_busy, busy_limit: float = BUSY_LIMIT,
                 longest_wait: float = LONGEST_WAIT, clock: Callable[[], float] = time.monotonic) -> None:
        self._busy, self._busy_limit, self._longest_wait, self._clock = busy, busy_limit, longest_wait, clock
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self.waiting = 0

    async def wait_turn(self) -> float:
        """Return when this login may go on; how long it waited (seconds)."""
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        arrived = self._clock()
        self.waiting += 1
        try:
            async with lock:
                opened = self._clock()
                while await self._busy() > self._busy_limit and self._clock() - opened < self._longest_wait:
                    pass
        finally:
            self.waiting -= 1
        return self._clock() - arrived


LOGINS = LoginDoor()
