"""Synthetic regional economy written as real BPO ledger files, with ground truth (issue 4).

Why: the pipeline (ingest → resolve → store → analyse) needs realistic input
whose answer is known. :func:`generate` draws an economy of firms in 山陰
(鳥取 31, 島根 32, with neighbours 岡山 33, 広島 34, 山口 35), its
supplier→customer network calibrated to published Japanese firm-network
figures, and months of trade with churn, fiscal-year seasonality,
co-moving growth and contagious distress; it then writes what a BPO
operator would hand over for its client firms. :func:`calibration_report`
measures the published statistics on a generated folder, :func:`calibrate`
the same statistics on a region simulated in memory (no files), and
:func:`calibrate_seeds` over several seeds.

Layout of a generated region (paths relative to ``config.out``)::

    manifest.csv                 path,client_id,format — every ledger file;
                                 format: canonical | yayoi | freee |
                                 moneyforward | zengin | bank
    firms.csv                    firm master of the clients (UTF-8)
    parameters.csv               management parameters per client and FY
    registry.csv                 NTA 法人番号 extract, 30 columns, no header
    ledgers/F000123/journal_<fmt>.csv       the client's journal
    ledgers/F000123/bank_<bank>.csv         bank statement (some clients)
    ledgers/F000123/zengin/furikomi_YYYYMMDD.txt  全銀 総合振込 (some clients)
    truth/firms.csv, counterparties.csv, edges.csv, distress.csv,
    truth/malformed.csv, config.json        ground truth (see :mod:`.truth`)

Each settlement (入金 / 出金) appears once across a client's files: in the
journal, or — for clients whose payments run through 全銀 files or whose
bank statement is handed over — only there. Consumer (non-network) sales
are journal lines without a counterparty. Firm ids are ``F`` + 6 digits;
amounts are integer yen; months are calendar months from ``config.start``.
The same config (seed included) gives the same bytes.
"""

from synthetic.calibration import (
    CalibrationReport,
    SeedSummary,
    Statistic,
    calibrate,
    calibrate_seeds,
    calibration_report,
)
from synthetic.config import GenerateConfig
from synthetic.generate import GenerateResult, generate

__all__ = [
    "generate", "GenerateConfig", "GenerateResult", "calibration_report", "CalibrationReport",
    "Statistic", "calibrate", "calibrate_seeds", "SeedSummary",
]
