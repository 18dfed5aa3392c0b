"""Banks' names on both stores: set, changed, taken away, read all at once;
a name set again changes nothing; they survive a reopened schema and leave
the data version alone (no analytic rests on a name)."""

from __future__ import annotations

from queries.banks import bank_name_problem
from queries.store import Store


def test_a_bank_is_named_renamed_and_shown_by_its_id_again(store: Store) -> None:
    version = store.data_version()
    assert store.bank_names() == {}
    assert store.set_bank_name("bank:sanin", "山陰合同銀行") is True
    assert store.set_bank_name("bank:sanin", "山陰合同銀行") is False  # the same name: nothing changed
    assert store.set_bank_name("bank:tottori", "鳥取銀行 <b>") is True  # text, escaped where shown
    assert store.bank_names() == {"bank:sanin": "山陰合同銀行", "bank:tottori": "鳥取銀行 <b>"}
    assert store.set_bank_name("bank:sanin", "山陰合同銀行（本店）") is True
    assert store.bank_names()["bank:sanin"] == "山陰合同銀行（本店）"
    assert store.set_bank_name("bank:tottori", None) is True
    assert store.set_bank_name("bank:tottori", None) is False  # no name to take away
    assert store.bank_names() == {"bank:sanin": "山陰合同銀行（本店）"}
    assert store.data_version() == version
    store.ensure_schema()
    assert store.bank_names() == {"bank:sanin": "山陰合同銀行（本店）"}


def test_a_bank_name_is_checked_before_it_is_stored() -> None:
    assert bank_name_problem("山陰合同銀行") is None
    assert bank_name_problem("  ") == "a bank's name may not be empty"
    assert bank_name_problem("銀" * 101) == "a bank's name may hold at most 100 characters"
    assert bank_name_problem("山陰\u202e銀行") == "a bank's name may not hold control or invisible characters"
