"""Jobs the portal repeats on a timer from its lifespan; each can be switched off and run from cron instead."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

logger = logging.getLogger(__name__)


async def every(seconds: float, job: Callable[[], object], *, switch: str, what: str) -> None:
    """Runs `job` in a thread every `seconds` until cancelled, unless the environment variable `switch` is "0"."""
    if os.environ.get(switch, "1") == "0":
        return
    while True:
        try:
            await asyncio.to_thread(job)
        except Exception:
            logger.exception("%s: unexpected error, retrying", what)
        await asyncio.sleep(seconds)
