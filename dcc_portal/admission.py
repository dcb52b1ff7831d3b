"""The door of the login: a morning's login storm queues here instead of slowing the pages of those already signed in.

A worker process lets one password step through at a time, when its event loop keeps up: a short timer came back
within `LAG_LIMIT` of its due time, so no page is waiting behind other work. When the loop stays late, a login still
goes through every `LONGEST_WAIT` seconds, so the door slows logins down and never shuts them out. The second factor
and the pages that follow a login do not pass through it.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable

TICK = 0.05  # s: the timer that measures how late the event loop answers
LAG_LIMIT = 0.025  # s: later than this, the worker has pages waiting
LONGEST_WAIT = 1.0  # s: the slowest pace at which the door lets logins through


async def loop_lag(tick: float = TICK) -> float:
    """How late a `tick`-second timer fires on this event loop, in seconds."""
    due = time.monotonic() + tick
    await asyncio.sleep(tick)
    return max(0.0, time.monotonic() - due)


class LoginDoor:
    def __init__(self, *, lag: Callable[[], Awaitable[float]] = loop_lag, lag_limit: float = LAG_LIMIT,
                 longest_wait: float = LONGEST_WAIT, clock: Callable[[], float] = time.monotonic) -> None:
        self._lag, self._lag_limit, self._longest_wait, self._clock = lag, lag_limit, longest_wait, clock
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
                while await self._lag() > self._lag_limit and self._clock() - opened < self._longest_wait:
                    pass
        finally:
            self.waiting -= 1
        return self._clock() - arrived


LOGINS = LoginDoor()
