"""NTA 法人番号 bulk-download extract ``registry.csv``: 30 columns, no header, UTF-8.

Column 1 sequence, 2 法人番号, 3 process (01 new), 4 correction flag,
5 update date, 6 change date, 7 name (letters and digits full-width),
9 kind (301 株式会社, 302 有限会社, 303 合名, 304 合資, 305 合同, 399 other),
10–12 address (prefecture, city, street), 14 prefecture code, 15 city code,
16 postcode, 23 assignment date, 24 latest flag, 29 furigana (katakana, without
the legal form), 30 hidden flag. Every corporation of the region is listed;
sole proprietors have no 法人番号 and are not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.economy import PREFECTURES, STREETS, Economy
from synthetic.names import SOLE, fullwidth

__all__ = ["write_registry"]


def _q(s: str) -> str:
    return f'"{s}"'


def write_registry(path: Path, econ: Economy, rng: np.random.Generator) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        for i in range(econ.n):
            if econ.form[i] == SOLE:
                continue
            n += 1
            code, pname, _, cities = PREFECTURES[int(econ.pref[i])]
            cname, ccode, post = cities[int(econ.city[i])]
            street = fullwidth(f"{STREETS[int(rng.integers(len(STREETS)))]}"
                               f"{int(rng.integers(1, 6))}丁目{int(rng.integers(1, 400))}")
            nm = econ.names[i]
            cells = [str(n), econ.corp_no[i], "01", "0", "2015-11-20", "2015-10-05",
                     _q(fullwidth(nm.official)), "", econ_kind(econ, i), _q(pname), _q(cname),
                     _q(street), "", str(code), ccode, f"{post}{int(rng.integers(0, 10000)):04d}",
                     "", "", "", "", "", "", "2015-10-05", "1", "", "", "", "",
                     _q(nm.reading.replace(" ", "")), "0"]
            fh.write(",".join(cells) + "\n")
    return n


def econ_kind(econ: Economy, i: int) -> str:
    from synthetic.names import LEGAL_FORMS

    return LEGAL_FORMS[econ.form[i]].kind
