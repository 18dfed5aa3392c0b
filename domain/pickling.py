"""Slotted dataclasses pickled as their fields.

A bulk load sends parsed files from its worker processes (counterparties,
monthly series by the thousand) and its writes to a writer process (firms,
spellings, merge decisions, batches and chunks). The generic state of a
slotted dataclass calls ``dataclasses.fields()`` for every object on both
sides; pickled as ``(cls, fields in order)`` each object is rebuilt by its
``__init__`` from a plain tuple.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["pickled_as_fields"]

C = TypeVar("C", bound=type)


def _reduce_by_fields(self: Any) -> tuple[type, tuple[Any, ...]]:
    cls = type(self)
    return cls, tuple(getattr(self, name) for name in cls.__slots__)


def pickled_as_fields(cls: C) -> C:
    """Class decorator (above ``@dataclass(slots=True)``, whose every field
    is an ``__init__`` argument in slot order): pickle instances as their
    fields."""
    setattr(cls, "__reduce__", _reduce_by_fields)  # noqa: B010 (one method for many classes)
    return cls
