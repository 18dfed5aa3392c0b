"""NumPy without transparent huge pages, where that was measured to pay.

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

__all__ = ["no_numpy_huge_pages"]

_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"


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
