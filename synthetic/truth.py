"""Ground truth, in ``truth/`` next to the files a BPO operator would hand over.

Why: every test of the ingest and resolution pipeline needs the answer key.

* ``firms.csv`` — every firm of the economy: id, official name, legal form,
  法人番号, JSIC division, supply-chain tier, prefecture code, is_client,
  island (-1 = main economy), reading, bank kana, bank account, employees,
  true sales per fiscal year (yen, network + consumer sales).
* ``counterparties.csv`` — client_id, raw (the string as written in that
  client's files, journal or bank), firm_id, corporate_number (empty for
  sole proprietors), is_sole_proprietor.
* ``edges.csv`` — seller_id, buyer_id, month (``YYYY-MM``), amount_yen: all
  trade in the economy (clients' ledgers show the part touching them).
* ``distress.csv`` — firm_id, onset_month, failure_month (empty when after
  the window), cause (``own`` | ``partner``), caused_by (the failed partner).
* ``malformed.csv`` — path, line, reason, client_id, format: every planted
  bad row; a reader must reject exactly these.
* ``config.json`` — the settings used.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from synthetic.config import GenerateConfig
from synthetic.dynamics import SimResult
from synthetic.economy import BANKS, PREFECTURES, TIER_NAMES, Economy
from synthetic.names import LEGAL_FORMS, SOLE, bank_kana
from synthetic.writers.common import Malformed

__all__ = ["EdgeSink", "write_truth_firms", "write_distress", "write_malformed", "write_config",
           "CounterpartySink"]


class EdgeSink:
    """Streams monthly trade to ``truth/edges.csv`` (one month at a time)."""

    def __init__(self, path: Path, cfg: GenerateConfig, ids: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._fh.write("seller_id,buyer_id,month,amount_yen\n")
        self._ids = np.array(ids, dtype=object)
        self._cfg = cfg
        self.rows = 0

    def __call__(self, t: int, seller: np.ndarray, buyer: np.ndarray, amount: np.ndarray) -> None:
        df = pd.DataFrame({"s": self._ids[seller], "b": self._ids[buyer],
                           "m": self._cfg.month_label(t), "a": amount})
        df.to_csv(self._fh, header=False, index=False, lineterminator="\n")
        self.rows += len(df)

    def close(self) -> None:
        self._fh.close()


class CounterpartySink:
    """Streams ``truth/counterparties.csv`` client by client."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh, lineterminator="\n")
        self._w.writerow(["client_id", "raw", "firm_id", "corporate_number", "is_sole_proprietor"])

    def add(self, econ: Economy, client_id: str, names: list[tuple[str, int]]) -> None:
        for raw, firm in sorted(names):
            self._w.writerow([client_id, raw, econ.ids[firm], econ.corp_no[firm],
                              "1" if econ.form[firm] == SOLE else "0"])

    def close(self) -> None:
        self._fh.close()


def write_truth_firms(path: Path, econ: Economy, sim: SimResult) -> None:
    fys = [f"sales_FY{y}" for y in sim.fiscal_years]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["firm_id", "name", "legal_form", "corporate_number", "industry", "tier",
                    "prefecture_code", "is_client", "island", "reading", "bank_kana", "bank_account",
                    "employees", *fys])
        for i in range(econ.n):
            nm = econ.names[i]
            b = BANKS[int(econ.bank[i])]
            acct = f"{b.code}-{b.branches[int(econ.branch[i])][0]}-{int(econ.account[i]):07d}"
            w.writerow([econ.ids[i], nm.official if nm.form != SOLE else f"{nm.core}（{nm.owner}）",
                        LEGAL_FORMS[nm.form].full or "個人", econ.corp_no[i], str(econ.division[i]),
                        TIER_NAMES[int(econ.tier[i])], PREFECTURES[int(econ.pref[i])][0],
                        int(econ.is_client[i]), int(econ.island[i]), nm.reading, bank_kana(nm),
                        acct, int(econ.employees[i]),
                        *[int(round(v)) for v in sim.fy_sales[i]]])


def write_distress(path: Path, cfg: GenerateConfig, econ: Economy, sim: SimResult) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["firm_id", "onset_month", "failure_month", "cause", "caused_by"])
        for i in np.flatnonzero(sim.cause > 0).tolist():
            f = int(sim.failure[i])
            by = int(sim.caused_by[i])
            w.writerow([econ.ids[i], cfg.month_label(int(sim.onset[i])),
                        cfg.month_label(f) if f >= 0 else "",
                        "own" if sim.cause[i] == 1 else "partner", econ.ids[by] if by >= 0 else ""])


def write_malformed(path: Path, rows: list[Malformed]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["path", "line", "reason", "client_id", "format"])
        w.writerows(sorted(rows))


def write_config(path: Path, cfg: GenerateConfig) -> None:
    d = cfg.to_dict()
    d.pop("out")
    d.pop("workers")  # does not change the output
    path.write_text(json.dumps(d, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
