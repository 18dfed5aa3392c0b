"""``torihiki backup DEST``: a copy of the embedded store to restore from,
taken while the server runs.

``TORIHIKI_HOME/torihiki.sqlite3`` alone is not the data: the store runs in
WAL mode and recent writes (loads, password changes, a disabled user) may
still be only in ``torihiki.sqlite3-wal``; copying the files while the
server writes can also copy a torn database. The database is therefore
copied with SQLite's online backup (:meth:`EmbeddedStore.backup_to`: one
consistent snapshot, WAL included), then checked (``PRAGMA
integrity_check``) and counted.

DEST is laid out as ``TORIHIKI_HOME`` itself, so that restoring is copying
it in place (README, "Backup and restore"). Beside the database it holds
what the database points at or needs and cannot be made again:

* ``session.key`` — signs the web UI's sessions (sessions stay valid after a
  restore; delete it to sign everyone out);
* ``rejects/`` — each batch's quarantine CSV (raw ledger lines), served on
  the loads page by the batch's ``rejects_path``;
* ``uploads/`` — the exact bytes of files loaded through the browser or
  ``POST /ingest``, the lineage of their batches (uploads still being
  received, ``*.part``, are left out);
* what ``make run`` keeps there: ``demo-export-key`` (its research
  pseudonyms), ``demo-users.csv`` (its users' passwords) and
  ``.demo-loaded``.

Left out: the database's ``-wal``, ``-shm`` and ``-journal`` (their content
is in the copy), ``region/`` (``make run``'s synthetic region, generated
again from its seed) and anything else, which is named in the report.
Derived data (analytics, alerts, answers rendered at load time) lives in
the database. The files are copied after the database: a reject file or
upload newer than the snapshot is an unused extra, never a batch without
its file. Everything written is the owner's only (folders 0700, files 0600).

On Neo4j (``NEO4J_URI`` set) nothing is done: Neo4j is backed up with its
own tools.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from api.commands.common import emit
from api.settings import Settings
from queries.private_files import narrow, open_private, private_dir
from queries.store import StoreError

__all__ = ["add_parser", "cmd_backup", "COPIED", "LEFT_OUT"]

DB_FILENAME = "torihiki.sqlite3"  # queries.embedded_store.DB_FILENAME (not imported: it loads pandas)
COPIED = ("session.key", "rejects", "uploads", "demo-export-key", "demo-users.csv", ".demo-loaded")
"""What of ``TORIHIKI_HOME`` is copied as it is, beside the database (see the module's text)."""
LEFT_OUT = ("region",)
"""What is left out on purpose (``make run``'s synthetic region: generated again from its seed)."""
_DB_FILES = tuple(DB_FILENAME + s for s in ("", "-wal", "-shm", "-journal"))
_PARTIAL = ".torihiki.sqlite3.partial"  # the copy until it has passed its check

NEO4J = ("the store is Neo4j (NEO4J_URI is set): back it up with Neo4j's own tools — "
         "`neo4j-admin database dump` (stop the database first, or `neo4j-admin database backup` "
         "on Enterprise) or the console's snapshots on Aura; `torihiki backup` copies the embedded "
         "store only, and did nothing")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``backup`` with the CLI's subcommands."""
    s = sub.add_parser("backup", help="a consistent copy of the embedded store and the files it needs, "
                                      "taken while the server runs")
    s.add_argument("dest", help="folder to write, laid out as TORIHIKI_HOME (made if missing; must be empty)")
    s.add_argument("--force", action="store_true",
                   help="write into a non-empty DEST: the backup's files replace those of the same name")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_backup)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    if settings.neo4j_uri:
        print(f"error: {NEO4J}", file=sys.stderr)
        return 2
    home = Path(settings.home).resolve()
    dest = Path(args.dest).resolve()
    db = home / DB_FILENAME
    if not db.is_file() or db.stat().st_size == 0:
        raise ValueError(f"no embedded store at {home} (TORIHIKI_HOME): nothing to back up")
    if dest == home or dest.is_relative_to(home):
        raise ValueError(f"{dest}: is inside TORIHIKI_HOME ({home}); write the backup elsewhere")
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{dest}: is a file, not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not args.force:
        raise ValueError(f"{dest}: is not empty (an earlier backup?); choose an empty folder, "
                         "or --force to write into it")
    private_dir(dest)
    narrow(dest)  # an existing folder too: the backup is as confidential as the store

    report = _copy_database(home, dest)
    files, size = 0, 0
    for name in COPIED:
        n, b = _copy(home / name, dest / name)
        files, size = files + n, size + b
    left_out = sorted(p.name for p in home.iterdir() if p.name not in {*COPIED, *LEFT_OUT, *_DB_FILES})
    report.update(files=files, files_bytes=size, left_out=left_out)
    if args.json:
        emit(report)
        return 0
    print(f"backup of {home} written to {dest}")
    print(f"  database: {report['database']} ({_size(report['database_bytes'])}), integrity ok, "
          f"data version {report['data_version']}")
    print(f"  firms {report['firms']:,}, trade observations {report['trades']:,}, payment observations "
          f"{report['payments']:,}, batches {report['batches']:,}, users {report['users']:,}")
    if report.get("unfinished_batches"):
        print(f"  note: {report['unfinished_batches']:,} loads had not finished when it was taken (a load running, "
              "or one interrupted): after a restore, load the same files again to finish them")
    copied = [n for n in COPIED if (home / n).exists()]
    print(f"  beside it: {files:,} files ({_size(size)}) of {', '.join(copied)}" if copied
          else "  beside it: nothing (no session key, reject file or upload yet)")
    if left_out:
        print(f"  not copied (not torihiki's): {', '.join(left_out)}")
    print("  restore: stop the server, move TORIHIKI_HOME aside, copy this folder in its place, start "
          "(README, \"Backup and restore\")")
    return 0


def _copy_database(home: Path, dest: Path) -> dict[str, Any]:
    """The online copy of the store's database into ``dest``, checked; its
    report. A copy that fails its check is kept under its partial name and
    the command fails (exit 3)."""
    from queries.embedded_store import EmbeddedStore

    partial, final = dest / _PARTIAL, dest / DB_FILENAME
    for name in (_PARTIAL, *_DB_FILES):  # a stale -wal beside a new database would be read into it
        (dest / name).unlink(missing_ok=True)
    store = EmbeddedStore(home, cache_mib=64)
    try:
        report = store.backup_to(partial)
    finally:
        store.close()
    if report["integrity"] != "ok":
        raise StoreError(f"the copy failed PRAGMA integrity_check ({report['integrity']}); kept as {partial}. "
                         f"Check the store itself: sqlite3 {home / DB_FILENAME} 'PRAGMA integrity_check'")
    os.replace(partial, final)
    return {"path": str(dest), "database": str(final), "database_bytes": final.stat().st_size, **report}


def _copy(src: Path, dst: Path) -> tuple[int, int]:
    """Copy the file or folder ``src`` to ``dst``, folders 0700 and files 0600
    (modification times kept); (files, bytes) copied. Missing: nothing."""
    if src.is_dir():
        private_dir(dst)
        narrow(dst)
        files, size = 0, 0
        for child in sorted(src.iterdir()):
            if not child.name.endswith(".part"):  # an upload still being received
                n, b = _copy(child, dst / child.name)
                files, size = files + n, size + b
        return files, size
    try:
        r = src.open("rb")
        st = os.fstat(r.fileno())
    except (FileNotFoundError, IsADirectoryError):  # gone meanwhile (an empty reject file), or not a file
        return 0, 0
    with r, open_private(dst, "wb") as w:
        shutil.copyfileobj(r, w, 1 << 20)
        size = w.tell()
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
    return 1, size


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    x = n / 1024
    for unit in ("KiB", "MiB"):
        if x < 1024:
            return f"{x:,.1f} {unit}"
        x /= 1024
    return f"{x:,.1f} GiB"
