"""Which bank an administrator means (api.bank_choice)."""

from __future__ import annotations

from api.bank_choice import choose_bank, name_taken_by

KNOWN = {"bank:sanin", "bank:tottori-mirai", "0179"}
NAMES = {"bank:sanin": "山陰合同銀行", "bank:tottori-mirai": "鳥取みらい銀行"}


def test_a_known_id_is_that_bank() -> None:
    c = choose_bank(" bank:sanin ", KNOWN, NAMES)
    assert (c.bank, c.by_name, c.new) == ("bank:sanin", False, False)


def test_a_banks_name_is_its_id_not_a_second_bank() -> None:
    c = choose_bank("鳥取みらい銀行", KNOWN, NAMES)
    assert (c.bank, c.by_name, c.new) == ("bank:tottori-mirai", True, False)
    assert choose_bank("鳥取みらい　銀行", KNOWN, NAMES).bank == "bank:tottori-mirai"  # a full-width space


def test_a_named_bank_nothing_uses_yet_is_known() -> None:
    c = choose_bank("bank:hoshi", KNOWN, {**NAMES, "bank:hoshi": "星銀行"})
    assert (c.bank, c.new) == ("bank:hoshi", False)


def test_a_typo_is_new_with_the_banks_it_is_near() -> None:
    c = choose_bank("bank:tottori-miria", KNOWN, NAMES)
    assert (c.bank, c.new) == ("bank:tottori-miria", True)
    assert c.near[0] == "bank:tottori-mirai"
    assert choose_bank("鳥取みらい銀", KNOWN, NAMES).near == ("bank:tottori-mirai",)  # near by its name
    assert choose_bank("bank:hiroshima", KNOWN, NAMES).near == ()


def test_a_name_two_banks_share_is_not_guessed() -> None:
    c = choose_bank("みらい銀行", KNOWN, {"bank:a": "みらい銀行", "bank:b": "みらい銀行"})
    assert c.new and not c.by_name and set(c.near) == {"bank:a", "bank:b"}


def test_a_name_is_taken_by_another_bank_only() -> None:
    assert name_taken_by("bank:x", "鳥取みらい銀行", NAMES) == "bank:tottori-mirai"
    assert name_taken_by("bank:x", "ＢＡＮＫ", {"bank:y": "bank"}) == "bank:y"
    assert name_taken_by("bank:tottori-mirai", "鳥取みらい銀行", NAMES) is None  # its own name again
    assert name_taken_by("bank:x", "広島銀行", NAMES) is None


def test_an_id_typed_in_another_width_or_case_is_that_bank() -> None:
    assert choose_bank("０１７９", KNOWN, NAMES).bank == "0179"
    c = choose_bank("BANK:SANIN", KNOWN, NAMES)
    assert (c.bank, c.new, c.by_name) == ("bank:sanin", False, False)
