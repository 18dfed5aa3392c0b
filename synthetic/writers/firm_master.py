"""Firm master ``firms.csv`` (UTF-8): the BPO operator's client list.

Columns firm_id,name,corporate_number,industry,prefecture,is_client,
consented_banks (bank ids separated by ``;``; empty = no consent).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from synthetic.economy import BANKS, PREFECTURES, Economy

__all__ = ["write_firm_master", "HEADER"]

HEADER = ["firm_id", "name", "corporate_number", "industry", "prefecture", "is_client",
          "consented_banks"]


def write_firm_master(path: Path, econ: Economy, rng: np.random.Generator) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for c in econ.clients.tolist():
            banks: list[str] = []
            if rng.random() < 0.85:
                banks.append(BANKS[int(econ.bank[c])].key)
            if rng.random() < 0.25:
                other = BANKS[int(rng.integers(len(BANKS)))].key
                if other not in banks:
                    banks.append(other)
            w.writerow([econ.ids[c], econ.names[c].official, econ.corp_no[c], str(econ.division[c]),
                        PREFECTURES[int(econ.pref[c])][1], "1", ";".join(banks)])
