"""The firm master's name is a firm's display name: the operator's own record of
the firm wins over every spelling other clients' ledgers give it (only the NTA
registry name comes before it); firms the master does not name keep the
registry name / most formal spelling rule."""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

import pytest

from ingest.firm_names import display_name, display_name_changes, master_name
from queries.model import FirmSpellings
from queries.store import Store

MASTER = "米子食品株式会社"
LEDGERS = {"大山食品株式会社": 3, "(株)ヨナゴ食品": 1, "ﾖﾅｺﾞｼｮｸﾋﾝ": 1}  # other clients' spellings


def test_the_master_name_wins_over_more_formal_and_more_frequent_spellings() -> None:
    spellings = {**LEDGERS, MASTER: 1}
    assert display_name(spellings) == "大山食品株式会社"  # the rule without a master name
    assert display_name(spellings, master_name=MASTER) == MASTER
    assert display_name({"株式会社山陰精工": 5}, master_name="ｶ)ﾏﾂｴｾｲｷ") == "ｶ)ﾏﾂｴｾｲｷ"  # even a bank kana one
    assert display_name([], master_name=" 有限会社　出雲運輸 ") == "有限会社 出雲運輸"  # tidied


def test_the_registry_name_still_comes_first_and_a_blank_master_name_is_none() -> None:
    assert display_name(LEDGERS, registry_name="株式会社　米子食品", master_name=MASTER) == "株式会社 米子食品"
    assert display_name(LEDGERS, master_name="  ") == "大山食品株式会社"


@pytest.mark.parametrize(("stored", "given", "expected"), [
    (MASTER, [MASTER], MASTER),                                 # imported before the ledgers
    ("大山食品株式会社", [MASTER], MASTER),                       # a ledger's name stored before the master
    ("米子食品(株)", ["米子食品株式会社", "米子食品(株)"], "米子食品(株)"),  # renamed by a later import: it stays
    ("米子食品株式会社", ["米子食品株式会社", "米子食品(株)"], "米子食品株式会社"),
    ("米子食品　株式会社", ["米子食品 株式会社"], "米子食品 株式会社"),     # whitespace only
    ("大山食品株式会社", ["ﾖﾅｺﾞｼｮｸﾋﾝ", "米子食品(株)"], "米子食品(株)"),  # unknown latest: most formal
    ("大山食品株式会社", [], None),                               # the master does not name it
    (None, [], None),
])
def test_master_name_is_the_stored_one_when_the_master_gave_it(
        stored: str | None, given: list[str], expected: str | None) -> None:
    assert master_name(stored, given) == expected


class _Spellings:
    """A store that only answers ``firm_spellings``."""

    def __init__(self, *firms: FirmSpellings) -> None:
        self.firms = {f.firm_id: f for f in firms}

    def firm_spellings(self, firm_ids: Collection[str]) -> dict[str, FirmSpellings]:
        return {i: self.firms[i] for i in firm_ids if i in self.firms}


def test_display_name_changes_keeps_the_master_names_of_the_clients() -> None:
    store = cast(Store, _Spellings(
        # The master named C003 before a ledger called it otherwise; later it renamed C002.
        FirmSpellings("C003", MASTER, None, (("大山食品株式会社", 1), (MASTER, 1)), (MASTER,)),
        FirmSpellings("C002", "有限会社出雲運輸", None,
                      (("有限会社出雲運輸", 1), ("有限会社米子運送", 2), ("出雲運輸(有)", 1)),
                      ("出雲運輸(有)", "有限会社出雲運輸")),
        # The ledger's name was stored first; the master's import came after.
        FirmSpellings("C001", "株式会社山陰精工", None, (("株式会社山陰精工", 2), ("株式会社松江精機", 1)),
                      ("株式会社松江精機",)),
        # Not in the master: the most formal spelling, or the registry name.
        FirmSpellings("N1", "ｶ)ﾀﾞｲｾﾝ", None, (("ｶ)ﾀﾞｲｾﾝ", 1), ("株式会社大山", 1))),
        FirmSpellings("N2", "株式会社大山", "株式会社　大山商会", (("株式会社大山", 1),)),
        FirmSpellings("C004", "米子商事", "株式会社米子商事", (("米子商事", 1),), ("米子商事",)),
    ))
    assert display_name_changes(store, ["C001", "C002", "C003", "C004", "N1", "N2"]) == {
        "C001": "株式会社松江精機", "N1": "株式会社大山", "N2": "株式会社 大山商会", "C004": "株式会社米子商事"}
