"""The login door: logins wait while the worker's pages are late, one at a time, and never wait for ever."""

from __future__ import annotations

import asyncio
import time

from dcc_portal import admission


class LateLoop:
    """A worker whose event loop answers its timer this late, measure after measure (the last value repeats)."""

    def __init__(self, lags: list[float]) -> None:
        self.lags, self.now, self.measures, self.measuring, self.most_at_once = list(lags), 0.0, 0, 0, 0

    def clock(self) -> float:
        return self.now

    async def lag(self) -> float:
        self.measuring += 1
        self.most_at_once = max(self.most_at_once, self.measuring)
        await asyncio.sleep(0)
        lag = self.lags.pop(0) if len(self.lags) > 1 else self.lags[0]
        self.now += admission.TICK + lag
        self.measures += 1
        self.measuring -= 1
        return lag


def door(loop: LateLoop) -> admission.LoginDoor:
    return admission.LoginDoor(lag=loop.lag, clock=loop.clock, lag_limit=0.025, longest_wait=1.0)


def test_a_login_goes_in_at_once_when_the_worker_keeps_up():
    loop = LateLoop([0.002])
    waited = asyncio.run(door(loop).wait_turn())
    assert loop.measures == 1 and waited < 0.1


def test_a_login_waits_while_the_pages_are_late_and_goes_in_as_soon_as_they_are_not():
    loop = LateLoop([0.2, 0.3, 0.1, 0.004])
    asyncio.run(door(loop).wait_turn())
    assert loop.measures == 4


def test_a_worker_late_all_the_time_still_lets_a_login_in_every_second():
    loop = LateLoop([0.4])
    waited = asyncio.run(door(loop).wait_turn())
    assert 1.0 <= waited < 1.0 + admission.TICK + 0.4 + 1e-9 and loop.measures == 3


def test_logins_go_through_the_door_one_at_a_time():
    loop = LateLoop([0.1, 0.01])
    gate = door(loop)

    async def storm():
        return await asyncio.gather(*(gate.wait_turn() for _ in range(5)))

    waits = asyncio.run(storm())
    assert loop.most_at_once == 1 and loop.measures == 6 and gate.waiting == 0
    assert waits == sorted(waits)  # first come, first in


def test_the_lag_measured_is_the_time_the_loop_was_kept_from_its_timer():
    async def measured(blocking: float) -> float:
        async def busy():
            await asyncio.sleep(0.01)
            time.sleep(blocking)  # a page's synchronous work holding the loop

        blocker = asyncio.create_task(busy())
        lag = await admission.loop_lag(0.02)
        await blocker
        return lag

    assert asyncio.run(measured(0.0)) < 0.1
    assert asyncio.run(measured(0.3)) >= 0.25
