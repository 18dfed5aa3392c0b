"""queries.neo4j_retry: a read tried again after the errors the driver
retries (with growing waits, within the deadline), and not after others."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired, TransientError

from queries.neo4j_retry import FIRST_DELAY, retried


class Clock:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def failing(errors: list[Exception], answer: str = "rows"):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def run() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return answer

    return run, calls


def test_retryable_errors_are_retried_with_growing_waits() -> None:
    clock = Clock()
    run, calls = failing([ServiceUnavailable("down"), SessionExpired("gone"), ServiceUnavailable("down")])
    assert retried(run, 30.0, clock.sleep, clock) == "rows"
    assert len(calls) == 4
    assert len(clock.waits) == 3
    for i, wait in enumerate(clock.waits):
        assert FIRST_DELAY * 2**i * 0.8 <= wait <= FIRST_DELAY * 2**i * 1.2


def test_a_transient_server_error_is_retried() -> None:
    clock = Clock()
    run, calls = failing([TransientError("the database is not available yet")])
    assert retried(run, 30.0, clock.sleep, clock) == "rows"
    assert len(calls) == 2


def test_no_retry_starts_after_the_deadline() -> None:
    clock = Clock()
    run, calls = failing([ServiceUnavailable("down")] * 10)
    with pytest.raises(ServiceUnavailable):
        retried(run, 2.0, clock.sleep, clock)
    assert sum(clock.waits) <= 2.0
    assert len(calls) == len(clock.waits) + 1 >= 2


@pytest.mark.parametrize(("error", "seconds"), [
    (ClientError("syntax error"), 30.0),  # not retryable: raised at once
    (ServiceUnavailable("down"), 0.0),  # retryable, but no time to retry: one try
])
def test_raised_after_one_try(error: Exception, seconds: float) -> None:
    clock = Clock()
    run, calls = failing([error])
    with pytest.raises(type(error)):
        retried(run, seconds, clock.sleep, clock)
    assert len(calls) == 1 and clock.waits == []
