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
    months = ("every month loaded" if not (args.from_ or args.to)
              else f"months {args.from_ or 'first loaded'}–{args.to or 'last loaded'}")
    print(f"{f['name'] or f['id']} ({f['id']}), {args.hops} hop(s), {months}")
    m = data["metrics"]
    print(f"  customers {m['out_degree']}, suppliers {m['in_degree']}, "
          f"sales ¥{m['out_strength']:,}, purchases ¥{m['in_strength']:,}, "
          f"top customer share {pct(m['top_customer_share'])}, "
          f"top supplier share {pct(m['top_supplier_share'])}")
    print(f"  (trade with its partners as every loaded ledger records it, the partners' included; "
          f"`torihiki figures {f['id']}` gives its own ledger alone)")
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
    if not rows:
        print(f"  no ledger lines of {args.firm_id} are loaded (not a client whose ledger was loaded, or its loads "
              "were rolled back): `torihiki batches list --client` names its loads")
        return 0
    print(f"  {'month':<8}{'sales':>14}{'purchases':>14}{'receivable':>14}{'AR days':>9}{'payable':>14}{'size':>5}")
    for r in rows:
        ar = "" if r["receivable_days"] is None else f"{r['receivable_days']:.1f}"
        print(f"  {r['month']:<8}{r['sales']:>14,}{r['purchases']:>14,}{r['receivable']:>14,}"
              f"{ar:>9}{r['payable']:>14,}{r['size_class']:>5}")
    for kind in ("sales", "purchases"):
        c = data["coverage"][kind]
        if c["total_yen"]:
            print(f"  {kind} with a named partner: {c['named_share']:.0%} "
                  f"(¥{c['named_yen']:,} of ¥{c['total_yen']:,}; the rest names no counterparty)")
    for side, (got, sold) in (("receivable", ("received", "sold")), ("payable", ("paid", "bought"))):
        runs = data["below_zero"][side]
        if runs:
            spans = ", ".join(a if a == b else f"{a}–{b}" for a, b in runs)
            print(f"  {side} below zero in {spans}: the ledger records more {got} than {sold} up to then "
                  "(settlements of months whose trade is not loaded — a bank statement or 全銀 file of "
                  "another period than the journal — or a balance brought forward the ledger does not hold); "
                  "its days there are not a payment term")
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


def cmd_trend(args: argparse.Namespace, settings: Settings) -> int:
    from api.analytics import trend_of

    with opened(settings) as store:
        data = trend_of(store, args.firm_id, args.freq, args.from_, args.to)
    if args.json:
        emit(data)
        return 0
    print(f"{args.firm_id}: the firm against its trading group ({len(data['partners'])} partners), "
          f"{args.freq}ly, {data['period_convention'] if args.freq == 'quarter' else 'calendar months'}")
    print(f"  {'period':<10}{'firm ¥':>15}{'group ¥':>17}{'firm yoy%':>10}{'group yoy%':>11}{'gap pp':>8}")

    def f(x: float | None) -> str:
        return "" if x is None else f"{x:.1f}"

    for r in data["series"]:
        print(f"  {r['period']:<10}{r['firm_volume']:>15,}{r['group_volume']:>17,}"
              f"{f(r.get('firm_volume_yoy_pct')):>10}{f(r.get('group_volume_yoy_pct')):>11}{f(r.get('gap_yoy_pp')):>8}")
    a = data.get("attribution")
    if a:
        print(f"  {a['period']} vs {a['base_period']}: group {f(a['group_growth_pct'])}%, firm "
              f"{f(a['firm_growth_pct'])}%, gap {f(a['gap_pp'])} pp; largest partner contributions:")
        for c in a["contributors"]:
            print(f"    {c['partner']:<16} {c['role']:<9} {c['contribution_pp']:+.2f} pp")
    return 0


def cmd_correlation(args: argparse.Namespace, settings: Settings) -> int:
    from api.analytics import correlation_of, correlation_png

    with opened(settings) as store:
        data = correlation_of(store, args.method, args.period)
        if args.png:
            with open(args.png, "wb") as fh:
                fh.write(correlation_png(store, args.method, args.period))
    if args.json:
        emit(data)
        return 0
    cols = data["columns"]
    short = [c[:8] for c in cols]
    print(f"{data['method']} correlation across {data['n']} firms ({data['note']})")
    print(" " * 26 + "".join(f"{s:>9}" for s in short))
    for name, row in zip(cols, data["matrix"], strict=True):
        print(f"{name:<26}" + "".join(f"{'—' if v is None else f'{v:.2f}':>9}" for v in row))
    if args.png:
        print(f"heatmap: {args.png}")
    return 0


def cmd_whatif(args: argparse.Namespace, settings: Settings) -> int:
    from api.analytics import whatif_of

    with opened(settings) as store:
        data = whatif_of(store, args.firm_id, args.fails)
    if args.json:
        emit(data)
        return 0
    d, focal = data["direct"], data["focal"]
    print(f"if {args.fails} fails — {args.firm_id}'s exposure (supplementary material, not a score):")
    # a share is None where the firm neither sold to nor bought from the partner in the window
    method = {"ledger": "from the ledger: sales less receipts",
              "receivable_days": f"estimated: recent sales × {d.get('receivable_days_assumed') or 0:g} days",
              "none": "no sales to it"}.get(d["receivable_method"], d["receivable_method"])
    print(f"  receivables from it ¥{d['receivable']:,} ({method}), sales share "
          f"{pct(d['sales_share'])}, supply share {pct(d['supply_share'])}")
    lo, hi = focal["loss_yen"]
    print(f"  two-hop propagation: loss ¥{lo:,}–¥{hi:,} ({focal['loss_to_sales'][0] * 100:.2f}–"
          f"{focal['loss_to_sales'][1] * 100:.2f}% of a year's trade with named partners); band: {focal['band']}")
    for note in data.get("notes", []):
        print(f"  note: {note}")
    return 0
