"""Process-wide memory settings, where they were measured to pay: NumPy
without transparent huge pages, and Python's cyclic collector run rarely.

NumPy without transparent huge pages
------------------------------------

NumPy advises the kernel to back each array of 4 MiB or more with
transparent huge pages (``madvise(MADV_HUGEPAGE)``). Where the kernel's
``/sys/kernel/mm/transparent_hugepage/defrag`` is ``madvise`` (the default
of many distributions, and of this project's machines), a page fault in such
a region that finds no free 2 MiB block stalls on direct compaction and
reclaim instead of taking an ordinary page; and the advice stays on the
memory after NumPy frees it, so later allocations that reuse it stall too
(numpy/numpy#31590). A machine whose free memory is handed back to its host
(a virtual machine with free page reporting, as here) rarely has such a
block at hand.

Measured on this project's machine kind (2 cores, 24 GB; docs/data-model.md):

* a fresh 1 GiB array: 3.9–7.7 s with the advice, 0.47 s without;
* the refresh after the 100k-firm region's load: the main process spent
  22.8 s of system time in page faults (897,000 of them), 9.0 s without
  the advice; its part of the refresh ended at 45 s instead of 60 s.

:func:`no_numpy_huge_pages` turns the advice off for this process and,
through ``NUMPY_MADVISE_HUGEPAGE=0`` in the environment, for the processes it
starts (NumPy reads the variable when it is imported). A value the user set
in the environment wins. It is called where it was measured: the process
that refreshes after a large load (:func:`api.commands.common.refresh_after_load`).
The load itself did not gain (alternated runs of the 100k region: 411 and
424 s of CPU without the advice, 400–464 s with it), and the server was not
measured; both keep NumPy's default.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["no_numpy_huge_pages", "collect_rarely", "GC_THRESHOLD"]

_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"

GC_THRESHOLD = (50_000, 20, 100)
"""Allocations between two young collections (Python's default: 700), and
how many of those before each older one. An answer (ego network, view,
trend) is built from acyclic lists, dicts and tuples, which reference
counting frees; the cyclic collector only rescans them on the way."""


def collect_rarely(collect: bool = False) -> None:
    """Python's cyclic garbage collector, rarely, in a process that builds
    answers (a server process, a rendering process): the objects alive now
    are frozen out of its scans (``gc.freeze``; first collected when
    ``collect``) and collections are made rarer (:data:`GC_THRESHOLD`).

    In a server the oldest generation's scans over the store's driver,
    caches and peer tables reached ~100 ms and made the 99th percentile.
    Rendering answers at load time: a client's one-hop network 2.36 →
    1.88 ms of CPU, an officer's 3.56 → 2.94 ms (embedded store, 100k
    region, 2,000 each); an officer's two-hop network on Neo4j, four
    threads, 36.3 → 28.8 ms an answer (docs/data-model.md)."""
    import gc

    if collect:
        gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def no_numpy_huge_pages() -> bool:
    """Stop NumPy from advising huge pages in this process and the processes
    it starts, unless ``NUMPY_MADVISE_HUGEPAGE`` is set already. Returns
    whether NumPy in this process advises them now."""
    if _VARIABLE in os.environ:
        return _advises()
    os.environ[_VARIABLE] = "0"  # read when NumPy is imported
    setter = _multiarray_attr("_set_madvise_hugepage")
    if setter is not None:  # NumPy is imported already
        setter(False)
    return _advises()


def _advises() -> bool:
    """Whether NumPy advises huge pages (``False`` when it is not imported yet)."""
    getter = _multiarray_attr("_get_madvise_hugepage")
    return bool(getter()) if getter is not None else False


def _multiarray_attr(name: str) -> Callable[..., Any] | None:
    """A function of the imported NumPy's ``multiarray`` module
    (``numpy._core`` since 2.0, ``numpy.core`` before); ``None`` when
    NumPy is not imported (nothing here imports it)."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        found = getattr(sys.modules.get(module), name, None)
        if callable(found):
            return found
    return None
