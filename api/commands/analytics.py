"""``torihiki ego``, ``figures``, ``reconcile``."""

from __future__ import annotations

import argparse

from api import service
from api.commands.common import emit, opened, pct
from api.settings import Settings

__all__ = ["cmd_ego", "cmd_figures", "cmd_reconcile"]


def cmd_ego(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        firm, net, firms = service.ego(store, args.firm_id, args.hops, args.from_, args.to,
                                       settings.max_ego_nodes)
        data = service.ego_as_dict(firm, net, firms, args.from_, args.to)
    if args.json:
        emit(data)
        return 0
    f = data["firm"]
    print(f"{f['name'] or f['id']} ({f['id']}), {args.hops} hop(s), "
          f"months {args.from_ or 'start'}–{args.to or 'latest'}")
    m = data["metrics"]
    print(f"  customers {m['out_degree']}, suppliers {m['in_degree']}, "
          f"sales ¥{m['out_strength']:,}, purchases ¥{m['in_strength']:,}, "
          f"top customer share {pct(m['top_customer_share'])}, "
          f"top supplier share {pct(m['top_supplier_share'])}")
    print(f"  {'hop':>3}  {'role':<9} {'id':<16} {'sales to ¥':>14} {'bought ¥':>14} {'months':>6}  name")
    for n in data["nodes"][1:]:
        print(f"  {n['hop']:>3}  {n['role']:<9} {n['id']:<16} {n['sales_to']:>14,} "
              f"{n['purchases_from']:>14,} {len(n['months']):>6}  {n['name'] or ''}")
    if data["truncated"]:
        print("  (second hop truncated to the largest partners)")
    return 0


def cmd_figures(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        data = service.figures(store, args.firm_id)
    if args.json:
        emit(data)
        return 0
    print(f"{data['firm']['name'] or data['firm']['id']}: figures from its own ledger (yen; days)")
    rows = data["months"]
    print(f"  {'month':<8}{'sales':>14}{'purchases':>14}{'receivable':>14}{'AR days':>9}{'payable':>14}{'size':>5}")
    for r in rows:
        ar = "" if r["receivable_days"] is None else f"{r['receivable_days']:.1f}"
        print(f"  {r['month']:<8}{r['sales']:>14,}{r['purchases']:>14,}{r['receivable']:>14,}"
              f"{ar:>9}{r['payable']:>14,}{r['size_class']:>5}")
    return 0


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        data = service.reconciliation(store, args.from_, args.to, args.tolerance_pct, args.tolerance_yen)
    if args.json:
        emit(data)
        return 0
    print(f"two-sided flows (seller and buyer both clients): {data['flows_compared']} months compared, "
          f"{len(data['disagreements'])} disagree by more than ¥{args.tolerance_yen:,} and "
          f"{args.tolerance_pct}%")
    for d in data["disagreements"]:
        s = "—" if d["seller_says"] is None else f"¥{d['seller_says']:,}"
        b = "—" if d["buyer_says"] is None else f"¥{d['buyer_says']:,}"
        print(f"  {d['month']}  {d['seller']} → {d['buyer']}: seller's ledger {s}, buyer's {b} "
              f"(diff ¥{d['difference']:,}, {d['difference_pct']}%)")
    return 0
