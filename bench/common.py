"""What the benchmarks share: timing loops, percentiles and the printed table."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def data_folder(prefix: str) -> Path:
    """The servers' DCC_DATA_DIR: the one the region was generated with, or a new folder."""
    return Path(os.environ.get("DCC_DATA_DIR") or tempfile.mkdtemp(prefix=prefix))


def percentiles(durations: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    if len(durations) < 2:
        value = durations[0] * 1000 if durations else float("nan")
        return value, value
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def percentile(durations: Sequence[float], rank: int) -> float:
    """The rank-th percentile (1-99) in milliseconds."""
    if len(durations) < 2:
        return durations[0] * 1000 if durations else float("nan")
    return statistics.quantiles(durations, n=100, method="inclusive")[rank - 1] * 1000


def timed(function: Callable[[int], object], runs: int, *, warmup: int = 3) -> list[float]:
    """Durations (seconds) of `runs` calls of function(i), after a few untimed calls that fill caches."""
    for index in range(warmup):
        function(index)
    durations = []
    for index in range(runs):
        start = time.perf_counter()
        function(index)
        durations.append(time.perf_counter() - start)
    return durations


def timed_pair(first: Callable[[int], object], second: Callable[[int], object], runs: int, *,
               warmup: int = 3) -> tuple[list[float], list[float]]:
    """Durations of `runs` calls of each, interleaved (first then second, then second then first...): the speed of a
    shared machine drifts over seconds, and both must be measured through the same moments of it."""
    for index in range(warmup):
        first(index)
        second(index)
    durations: tuple[list[float], list[float]] = ([], [])
    functions = (first, second)
    for index in range(runs):
        for which in ((0, 1) if index % 2 == 0 else (1, 0)):
            start = time.perf_counter()
            functions[which](index)
            durations[which].append(time.perf_counter() - start)
    return durations


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("  ".join(str(text).ljust(width) for text, width in zip(header, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print("  ".join(str(text).ljust(width) for text, width in zip(row, widths, strict=True)))


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
