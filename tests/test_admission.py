"""The login door: logins wait while the worker's pages are late, one at a time, and never wait for ever."""

from __future__ import annotations

import asyncio
import time

from dcc_portal import admission


class BusyLoop:
    """A worker whose event loop is this busy, window after window (the last value repeats)."""

    def __init__(self, shares: list[float]) -> None:
        self.shares, self.now, self.measures, self.measuring, self.most_at_once = list(shares), 0.0, 0, 0, 0

    def clock(self) -> float:
        return self.now

    async def busy(self) -> float:
        self.measuring += 1
        self.most_at_once = max(self.most_at_once, self.measuring)
        await asyncio.sleep(0)
        share = self.shares.pop(0) if len(self.shares) > 1 else self.shares[0]
        self.now += admission.WINDOW
        self.measures += 1
        self.measuring -= 1
        return share


def door(loop: BusyLoop) -> admission.LoginDoor:
    return admission.LoginDoor(busy=loop.busy, clock=loop.clock, busy_limit=0.25, longest_wait=1.0)


def test_a_login_goes_in_at_once_when_the_worker_keeps_up():
    loop = BusyLoop([0.05])
    waited = asyncio.run(door(loop).wait_turn())
    assert loop.measures == 1 and waited == admission.WINDOW


def test_a_login_waits_while_the_pages_are_late_and_goes_in_as_soon_as_they_are_not():
    loop = BusyLoop([0.6, 0.9, 0.3, 0.1])
    asyncio.run(door(loop).wait_turn())
    assert loop.measures == 4


def test_a_worker_late_all_the_time_still_lets_a_login_in_every_second():
    loop = BusyLoop([0.9])
    waited = asyncio.run(door(loop).wait_turn())
    assert 1.0 <= waited < 1.0 + admission.WINDOW and loop.measures == round(1.0 / admission.WINDOW)


def test_logins_go_through_the_door_one_at_a_time():
    loop = BusyLoop([0.5, 0.1])
    gate = door(loop)

    async def storm():
        return await asyncio.gather(*(gate.wait_turn() for _ in range(5)))

    waits = asyncio.run(storm())
    assert loop.most_at_once == 1 and loop.measures == 6 and gate.waiting == 0
    assert waits == sorted(waits)  # first come, first in


def test_the_share_measured_is_the_time_other_work_kept_the_loop_from_its_timers():
    async def measured(blocking: float) -> float:
        async def page():
            await asyncio.sleep(0.01)
            time.sleep(blocking)  # a page's synchronous work holding the loop

        blocker = asyncio.create_task(page())
        share = await admission.loop_busy(window=0.2, tick=0.02)
        await blocker
        return share

    assert asyncio.run(measured(0.0)) < 0.2
    assert asyncio.run(measured(0.3)) >= 0.5
