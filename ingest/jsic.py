"""Japan Standard Industrial Classification (JSIC, 日本標準産業分類), 2024 edition: divisions.

Firms are grouped by *division* (大分類, letters A–T) for peer baselines.
:func:`parse_division` accepts what a firm master holds: the letter (also
full-width or lower case, ``E``/``ｅ``), the letter with its name
(``E 製造業``, ``E:製造業``) or the Japanese name alone (``製造業``).

SME definition (中小企業基本法 article 2): a firm is an SME when its capital
*or* its regular employees are within the limit of its sector
(:data:`SME_LIMITS`). The sector is not a JSIC division: division I mixes
wholesale (卸売業, ¥100M / 100) and retail (小売業, ¥50M / 50), and the law's
"services" cover parts of G, K and M, while 飲食店 (M) counts as retail. So
:func:`default_sme_sector` answers only for divisions that fall wholly in one
sector and ``None`` otherwise; cabinet-order exceptions (e.g. software,
旅館業, ゴム製品製造業) are not modelled.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = [
    "DIVISIONS",
    "DIVISIONS_EN",
    "SmeSector",
    "SME_LIMITS",
    "parse_division",
    "division_name",
    "default_sme_sector",
    "is_sme",
]

DIVISIONS: dict[str, str] = {
    "A": "農業・林業",
    "B": "漁業",
    "C": "鉱業・採石業・砂利採取業",
    "D": "建設業",
    "E": "製造業",
    "F": "電気・ガス・熱供給・水道業",
    "G": "情報通信業",
    "H": "運輸業・郵便業",
    "I": "卸売業・小売業",
    "J": "金融業・保険業",
    "K": "不動産業・物品賃貸業",
    "L": "学術研究・専門・技術サービス業",
    "M": "宿泊業・飲食サービス業",
    "N": "生活関連サービス業・娯楽業",
    "O": "教育・学習支援業",
    "P": "医療・福祉",
    "Q": "複合サービス事業",
    "R": "サービス業（他に分類されないもの）",
    "S": "公務（他に分類されるものを除く）",
    "T": "分類不能の産業",
}
"""JSIC 2024 divisions: letter → Japanese name (official names, with 、 written ・)."""

DIVISIONS_EN: dict[str, str] = {
    "A": "Agriculture and forestry",
    "B": "Fisheries",
    "C": "Mining and quarrying of stone and gravel",
    "D": "Construction",
    "E": "Manufacturing",
    "F": "Electricity, gas, heat supply and water",
    "G": "Information and communications",
    "H": "Transport and postal activities",
    "I": "Wholesale and retail trade",
    "J": "Finance and insurance",
    "K": "Real estate and goods rental and leasing",
    "L": "Scientific research, professional and technical services",
    "M": "Accommodations, eating and drinking services",
    "N": "Living-related and personal services and amusement services",
    "O": "Education, learning support",
    "P": "Medical, health care and welfare",
    "Q": "Compound services",
    "R": "Services, n.e.c.",
    "S": "Government, except elsewhere classified",
    "T": "Industries unable to classify",
}
"""The same divisions' English names (the Statistics Bureau's English edition of JSIC)."""

SmeSector = Literal["manufacturing_other", "wholesale", "retail", "services"]

SME_LIMITS: dict[SmeSector, tuple[int, int]] = {
    "manufacturing_other": (300_000_000, 300),
    "wholesale": (100_000_000, 100),
    "services": (50_000_000, 100),
    "retail": (50_000_000, 50),
}
"""Sector → (capital limit in yen, regular-employee limit), 中小企業基本法 art. 2."""

# Divisions wholly inside one SME sector (others need the firm's actual business).
_DIVISION_SECTOR: dict[str, SmeSector] = {
    "A": "manufacturing_other", "B": "manufacturing_other", "C": "manufacturing_other",
    "D": "manufacturing_other", "E": "manufacturing_other", "F": "manufacturing_other",
    "H": "manufacturing_other", "J": "manufacturing_other",
    "L": "services", "N": "services", "O": "services", "P": "services", "Q": "services",
    "R": "services",
}


def _key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"[\s、・,()（）]", "", s)


_BY_NAME: dict[str, str] = {_key(name): letter for letter, name in DIVISIONS.items()}
# Short names people write: 公務, サービス業, 鉱業.
_BY_NAME.update({_key("公務"): "S", _key("サービス業"): "R", _key("鉱業"): "C"})
_LETTER_RE = re.compile(r"^([A-Za-z])(?:[\s.:：\-]*(.*))?$")


def parse_division(text: str) -> str:
    """Return the division letter for ``text``; raise :class:`ValueError` if unknown.

    >>> parse_division("ｅ")
    'E'
    >>> parse_division("E 製造業")
    'E'
    >>> parse_division("卸売業、小売業")
    'I'
    """
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        raise ValueError("empty industry")
    m = _LETTER_RE.match(s)
    if m:
        letter = m.group(1).upper()
        if letter not in DIVISIONS:
            raise ValueError(f"not a JSIC division letter (A–T): {text!r}")
        rest = m.group(2) or ""
        if rest and _BY_NAME.get(_key(rest)) != letter:
            raise ValueError(f"letter and name disagree: {text!r}")
        return letter
    letter_by_name = _BY_NAME.get(_key(s))
    if letter_by_name is None:
        raise ValueError(f"not a JSIC division (letter A–T or its name): {text!r}")
    return letter_by_name


def division_name(letter: str) -> str:
    """Japanese name of a division letter (``KeyError`` if unknown)."""
    return DIVISIONS[letter]


def default_sme_sector(division: str) -> SmeSector | None:
    """The SME sector of a division, or ``None`` when the division spans sectors (G, I, K, M) or
    is outside the law (S 公務, T 分類不能)."""
    return _DIVISION_SECTOR.get(division)


def is_sme(sector: SmeSector, capital_yen: int | None = None,
           employees: int | None = None) -> bool | None:
    """SME test of 中小企業基本法: capital ≤ limit *or* regular employees ≤ limit.

    Returns ``None`` when neither figure is known.
    """
    cap_limit, emp_limit = SME_LIMITS[sector]
    if capital_yen is None and employees is None:
        return None
    return (capital_yen is not None and capital_yen <= cap_limit) or \
        (employees is not None and employees <= emp_limit)
