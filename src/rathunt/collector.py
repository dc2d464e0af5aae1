"""The cyclic garbage collector, held off while rathunt builds large long-lived structures.

Loading and compiling thousands of rules allocates millions of objects that all live on;
each allocation burst makes the collector walk everything allocated so far, which about
doubles the time compiling takes. Reference counting still frees what is dropped meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (as it was before, afterwards)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
