"""queries.scoped's pseudonyms: one spelling per firm and bank, whatever
spellings of it come back; the memo both ways; the XOR on integers."""

from __future__ import annotations

import base64
import itertools

import pytest

from queries.scoped import PSEUDONYM_PREFIX, _Pseudonyms, _xor

SECRET = b"s" * 32
IDS = ["F000001", "F123456", "C0", "株式会社あいう", "x" * 70]


def test_xor_is_the_bytewise_xor() -> None:
    for n in (0, 1, 2, 7, 31, 32, 33, 70):
        data = bytes((i * 37) % 256 for i in range(n))
        key = bytes((i * 101 + 3) % 256 for i in range(n)) if n else b""
        for d, k in ((data, key), (b"\x00" * n, key), (data, b"\x00" * n)):
            assert _xor(d, k) == bytes(a ^ b for a, b in zip(d, k, strict=True))
            assert len(_xor(d, k)) == n


def test_every_id_has_one_pseudonym_and_back() -> None:
    names, fresh = _Pseudonyms(SECRET, "bank:a"), _Pseudonyms(SECRET, "bank:a")
    for firm in IDS:
        p = names.encode(firm)
        assert p.startswith(PSEUDONYM_PREFIX) and p == p.lower()
        assert fresh.decode(p) == firm and fresh.encode(firm) == p  # decoded first, then given out: the same
        assert _Pseudonyms(SECRET, "bank:b").decode(p) is None  # another bank's: nothing


def _spellings(p: str) -> list[str]:
    """Other spellings of ``p`` that base32 reads the same: upper case, padding."""
    body = p[len(PSEUDONYM_PREFIX):]
    pad = "=" * (-len(body) % 8)
    return [PSEUDONYM_PREFIX + body.upper(), PSEUDONYM_PREFIX + body + pad, PSEUDONYM_PREFIX + body.upper() + pad]


@pytest.mark.parametrize("decoded_first", [False, True])
def test_another_spelling_names_the_firm_and_changes_no_pseudonym(decoded_first: bool) -> None:
    """An officer may send a pseudonym in upper case or padded: it names
    the firm, and the pseudonym every officer of the bank sees stays as
    given out (the memo is shared by the bank's requests)."""
    names = _Pseudonyms(SECRET, "bank:a")
    canonical = _Pseudonyms(SECRET, "bank:a").encode("F000042")
    for other in _spellings(canonical):
        if other == canonical:
            continue
        if decoded_first:
            assert names.decode(other) == "F000042"
            assert names.encode("F000042") == canonical
        else:
            assert names.encode("F000042") == canonical
            assert names.decode(other) == "F000042"
        assert names.encode("F000042") == canonical


def test_the_memo_is_bounded_and_keeps_answers_right() -> None:
    names = _Pseudonyms(SECRET, "bank:a")
    names.MEMO = 4  # type: ignore[misc]  # an instance's own, small
    ids = [f"F{i:06d}" for i in range(10)]
    given = {f: names.encode(f) for f in ids}
    for f, p in itertools.chain(given.items(), reversed(list(given.items()))):
        assert names.decode(p) == f and names.encode(f) == p
        assert names.decode(p.upper()) == f
        assert names.decode(PSEUDONYM_PREFIX + "zz" + p[len(PSEUDONYM_PREFIX) + 2:]) in (None, f)
        assert len(names._encoded) <= 4 and len(names._decoded) <= 4
    assert names.decode("p-") is None and names.decode("p-!!") is None
    assert names.decode(PSEUDONYM_PREFIX + base64.b32encode(b"short").decode().lower()) is None


def test_a_pseudonym_does_not_tell_the_kind_of_firm_by_its_length() -> None:
    """A client (``F`` + 6 digits), a registry company (``C`` + 13 digits) and
    an unresolved name or sole proprietor are all padded to 16 bytes."""
    names = _Pseudonyms(SECRET, "bank:a")
    ids = ["F000123", "C1240002008545", "N0000000000123", "P12345", "F1"]
    assert len({len(names.encode(i)) for i in ids}) == 1
    assert [names.decode(names.encode(i)) for i in ids] == ids


def test_a_pseudonym_given_out_before_the_padding_still_names_its_firm() -> None:
    """Links an officer kept (a what-if of ``p-…``) keep working; the
    pseudonym given out from now on is the padded one."""
    names = _Pseudonyms(SECRET, "bank:a")
    raw = b"F000123"
    tag = names._tag(raw)
    before = PSEUDONYM_PREFIX + base64.b32encode(tag + _xor(raw, names._stream(tag, len(raw)))).decode().rstrip(
        "=").lower()
    assert names.decode(before) == "F000123"
    assert names.encode("F000123") != before and len(names.encode("F000123")) > len(before)
    assert names.decode(names.encode("F000123")) == "F000123"
