"""``torihiki peers``, ``score --all`` and ``export``: whole-network analytics."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import cast

from tqdm import tqdm

from api.commands.common import emit, opened, refresh_analytics
from api.commands.users import cli_principal
from api.identity import record
from api.settings import Settings
from queries.store import NotFound

# The research export key `make run` keeps for its demo (scripts/run-demo), under TORIHIKI_HOME.
DEMO_EXPORT_KEY = "demo-export-key"

__all__ = ["cmd_peers", "cmd_score", "cmd_export"]


class _Stages:
    """A progress bar over named stages (on a terminal only)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = tqdm(total=total, unit=" step", disable=not (enabled and sys.stderr.isatty()), leave=False)

    def __call__(self, name: str) -> None:
        self.bar.set_description(name)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def cmd_peers(args: argparse.Namespace, settings: Settings) -> int:
    from api.portfolio import SnapshotCache, peers_of

    with opened(settings) as store:
        if store.get_firm(args.firm_id) is None:
            raise NotFound(f"no firm {args.firm_id!r}")
        data = peers_of(SnapshotCache().get(store), args.firm_id, args.period)
    if args.json:
        emit(data)
        return 0
    g = data["group"]
    group = (f"JSIC division {g['industry']} × size class {g['size_class']}" if g["basis"] == "division_size"
             else f"JSIC division {g['industry']} (the firm's size class {g['size_class']})" if g["basis"] == "division"
             else "no peer group")
    members = f"{g['members']} firms" if g["members"] is not None else "fewer than 5 firms"
    print(f"{args.firm_id} against its peers: {group}, {members}"
          + (f" — {g['fallback_reason']}" if g.get("fallback_reason") else ""))
    print(f"  {'measure':<30}{'firm':>12}{'n':>5}{'q1':>12}{'median':>12}{'q3':>12}{'pctl':>7}  reading")
    for stat in [*data["parameters"], *data["metrics"]]:
        if stat["suppressed"]:
            print(f"  {stat['name']:<30}{_n(stat['value']):>12}  (suppressed: {stat['reason']})")
            continue
        print(f"  {stat['name']:<30}{_n(stat['value']):>12}{stat['n']:>5}{_n(stat['q1']):>12}"
              f"{_n(stat['median']):>12}{_n(stat['q3']):>12}{_n(stat['percentile']):>7}  {stat['comparison'] or ''}")
    return 0


def _n(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    from api.portfolio import Snapshot, score_table
    from api.region_month import region_month
    from graph.anonymise import escape_frame

    out = Path(args.out)
    if out.suffix not in (".csv", ".parquet"):
        print("error: --out must end in .csv or .parquet", file=sys.stderr)
        return 2
    started = time.perf_counter()
    stages = _Stages(9, True)
    try:
        with opened(settings) as store:
            snap = Snapshot.load(store, args.from_, args.to, progress=stages)
            table = score_table(snap, progress=stages, unnamed=store.unnamed_totals(snap.clients),
                                last_month=None if args.to else region_month(store))
            record(store, cli_principal(), "export", None, "ok", f"score table {out.name}: {len(table)} clients")
        stages("writing")
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".parquet":
            table.to_parquet(out)
        else:
            escape_frame(table).to_csv(out, encoding="utf-8")
    finally:
        stages.close()
    seconds = time.perf_counter() - started
    summary = {"out": str(out), "clients": len(table), "columns": len(table.columns), "seconds": round(seconds, 2)}
    if args.json:
        emit(summary)
    else:
        print(f"{out}: {len(table)} clients × {len(table.columns)} columns (ego metrics, trend gap, "
              f"peer percentiles) in {seconds:.1f} s")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from api.export import export_research, persons_of, snapshot_at_one_version
    from api.region_month import region_month
    from api.research_zip import default_month_to
    from ingest.load import file_sha256

    key = settings.export_key.get_secret_value().encode("utf-8")
    if len(key) < 16:
        demo_key = settings.home / DEMO_EXPORT_KEY
        hint = (f"; the demo's key (`make run`) is in {demo_key}: "
                f'TORIHIKI_EXPORT_KEY="$(cat {demo_key})" torihiki export …' if demo_key.is_file() else "")
        print("error: set TORIHIKI_EXPORT_KEY to a secret of at least 16 characters: export pseudonyms are "
              f"keyed hashes, and the key must stay with you{hint}", file=sys.stderr)
        return 2
    stages = _Stages(8, True)
    try:
        with opened(settings) as store:
            region = region_month(store)
            last = args.to or default_month_to(args.from_ or "", region) or None
            snap, version = snapshot_at_one_version(store, args.from_, last, progress=stages)
            summary = export_research(snap, Path(args.out), args.format, key, progress=stages,
                                      recipient=args.recipient, data_version=version, persons=persons_of(store),
                                      region_month=region)
            written = [*cast(list[str], summary["files"]), "export.json"]
            # which files it handed out, as the web export's entry gives its zip's
            digests = "; ".join(f"{name} sha256 {file_sha256(Path(args.out) / name)}" for name in written)
            record(store, cli_principal(), "export", None, "ok",
                   f"research export ({args.format}, {summary['month_from']}–{summary['month_to']}"
                   + (f", for {args.recipient}" if args.recipient else "")
                   + f"): {summary['firms']} firms pseudonymised; data version {version}; {digests}")
    finally:
        stages.close()
    if args.json:
        emit(summary)
    else:
        files = [*cast(list[str], summary["files"]), "export.json"]  # export.json: what the export holds, and how
        print(f"{summary['out']}: {', '.join(files)} — {summary['firms']} firms (pseudonymised), "
              f"{summary['edges']} monthly edges, {summary['metrics_rows']} metric rows; "
              f"k ≥ {summary['k_anonymity']} after: {'; '.join(summary['coarsening_steps']) or 'no coarsening'}")  # type: ignore[arg-type]
    return 0


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    """Recompute every firm's display name (a store loaded by a version that
    showed the first spelling seen gets its names here) and the whole-network
    metrics that peer baselines read."""
    from ingest.firm_names import refresh_display_names

    with opened(settings, wait=True) as store:  # scheduled work: a restarting Neo4j is waited for
        renamed = refresh_display_names(store, [f.id for f in store.all_firms()])
        info = refresh_analytics(store, settings, quiet=args.json)
    if args.json:
        emit({**(info or {"clients": 0}), "firms_renamed": len(renamed)})
        return 0
    if renamed:
        print(f"{len(renamed)} firms now shown by their registry name, firm master name or most formal spelling")
    if info is None:
        print("no trade loaded yet: nothing to refresh")
    return 0
