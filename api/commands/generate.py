"""``torihiki generate``: a synthetic region written as BPO ledger files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.commands.common import emit
from api.settings import Settings

__all__ = ["cmd_generate"]


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from synthetic import GenerateConfig, calibration_report, generate

    if args.report_only:
        report = calibration_report(Path(args.report_only))
    else:
        if not args.out:
            print("error: --out DIR is required (or --report DIR for an existing region)", file=sys.stderr)
            return 2
        cfg = GenerateConfig(firms=args.firms, clients=args.clients, months=args.months, seed=args.seed,
                             out=Path(args.out), noise=args.noise, churn=args.churn, start=args.start)
        result = generate(cfg)
        if not args.json:
            print(f"{result.out}: {result.firms} firms ({result.clients} clients), {result.months} months, "
                  f"{result.ledger_files} ledger files, {result.ledger_lines:,} ledger lines, "
                  f"{result.malformed_rows} malformed rows planted, {result.seconds:.1f} s")
            print(f"  load it: torihiki load {result.out}")
        if not args.report:
            if args.json:
                emit({"out": str(result.out), "firms": result.firms, "clients": result.clients,
                      "months": result.months, "ledger_files": result.ledger_files,
                      "ledger_lines": result.ledger_lines, "malformed_rows": result.malformed_rows,
                      "seconds": round(result.seconds, 2)})
            return 0
        report = calibration_report(result.out)
    if args.json:
        emit(report.to_dict())
    else:
        print(report.to_markdown())
    return 0 if report.passed else 1
