"""api.connection_balance: which answers close their connection."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from api import connection_balance as balance
from api.connection_balance import Balanced, Shares


def test_a_process_over_its_share_closes_one_connection_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = [0, 3]  # the other process holds 3
    mine = set(range(7))  # this one 7: its share is ceil(10 / 2) = 5
    shares = Shares(counts, 0, mine)
    assert shares.should_close()
    assert counts == [7, 3]  # its count written on the way
    assert not shares.should_close()  # one per CLOSE_EVERY_S
    monkeypatch.setattr(balance, "CLOSE_EVERY_S", 0.0)
    assert shares.should_close()
    mine.discard(6)  # 6 against 3: still over (share 5)
    assert shares.should_close()
    mine.discard(5)  # 5 against 3: over (share 4)
    assert shares.should_close()
    mine.discard(4)  # 4 against 3 (share ceil(7 / 2) = 4): within
    assert not shares.should_close() and counts == [4, 3]
    counts[1] = 5  # the other took more since
    assert not shares.should_close()


def test_a_lone_process_or_an_even_split_never_closes() -> None:
    assert not Shares([0], 0, set(range(50))).should_close()
    assert not Shares([0, 5, 5], 0, set(range(5))).should_close()
    assert not Shares([0, 0], 0, set()).should_close()


def test_the_count_follows_an_idle_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(balance, "COUNT_EVERY_S", 0.01)
    counts, mine = [9, 0], {1, 2}
    import threading

    stop = threading.Event()
    thread = Shares(counts, 0, mine).keep_counting(stop)
    deadline = time.monotonic() + 5
    while counts[0] != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(5)
    assert counts[0] == 2 and not thread.is_alive()


def _answer(shares: Shares) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(Balanced(app, shares)({"type": "http"}, receive, send))
    return sent


def test_the_answer_says_connection_close_only_when_over_the_share() -> None:
    over = _answer(Shares([0, 1], 0, set(range(3))))
    assert over[0]["headers"] == [(b"content-type", b"text/plain"), (b"connection", b"close")]
    assert over[1] == {"type": "http.response.body", "body": b"ok"}
    within = _answer(Shares([0, 3], 0, set(range(3))))
    assert within[0]["headers"] == [(b"content-type", b"text/plain")]
