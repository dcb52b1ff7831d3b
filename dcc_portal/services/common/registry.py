"""Registries that name a function as "module:function" instead of importing it: a lower module (the document
lifecycle, downloads, exports) reaches the features built on it without importing them."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Callable


@cache
def resolve(target: str) -> Callable:
    module_name, function = target.split(":")
    return getattr(importlib.import_module(module_name), function)
