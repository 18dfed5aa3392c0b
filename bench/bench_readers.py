"""Benchmark the ledger readers on a generated region, next to pandas.read_csv.

For every format in the region's ``manifest.csv`` (columns ``path,client_id,
format``; paths relative to the region folder), all of that format's files
are read through :func:`ingest.readers.detect.read_ledger` (the iterator is
consumed; journal formats use the default account table, as a load without
``--accounts`` does) and, in the same run, with the baseline:

* CSV formats: ``pandas.read_csv(path, dtype=str, header=None,
  names=range(width), encoding=..., on_bad_lines="skip")``, where ``encoding``
  is the file's detected encoding and ``width`` the widest of its first rows
  (both found before timing; ``names`` keeps pandas from dropping the rows
  that are wider than a leading comment or account-details row);
* 全銀 (fixed-width 120-byte records): a plain read of the bytes + split.

The figure is ``ratio`` = reader seconds / baseline seconds (lower is
better; 2.0 means the readers run at half the speed of the C parser). The
table also prints the machine's load average: absolute seconds depend on
what else runs, ratios measured in the same run much less so. ``--repeat N``
times every phase N times and keeps the best; ``--clock cpu`` counts this
process's CPU seconds instead of wall-clock seconds (steadier when other work
shares the cores).

``--dump FILE`` writes a canonical text dump of everything the readers
yield (``repr`` of every record, with file, line, reason, column, raw text
and counterparty) for every file, in manifest order, so that two versions of
the readers can be compared byte for byte (``cmp before.txt after.txt``).
``--files F ...`` dumps / times the given files instead of the region
(format detected; a file that cannot be read is dumped as ``!! <error>``).

    .venv/bin/python bench/bench_readers.py                        # table for the region
    .venv/bin/python bench/bench_readers.py --dump /tmp/d.txt --no-time
    .venv/bin/python bench/bench_readers.py --files tests/fixtures/ledgers/* \\
        --dump /tmp/fixtures.txt --no-time
    .venv/bin/python bench/bench_readers.py --profile yayoi        # cProfile to stderr
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingest.decode import SAMPLE_BYTES, EncodingError, detect_encoding  # noqa: E402
from ingest.readers.detect import FormatError, detect_format, read_ledger  # noqa: E402

DEFAULT_REGION = REPO / "bench" / "out" / "region-10k"
FORMATS = ("yayoi", "freee", "moneyforward", "canonical", "bank", "zengin")
_WIDTH_ROWS = 20  # rows looked at to find a file's widest row for the pandas baseline


def manifest(region: Path) -> list[tuple[Path, str]]:
    """(path, format) of every file of the region, in manifest order."""
    with (region / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return [(region / row["path"], row["format"]) for row in csv.DictReader(fh)]


def given_files(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """(path, detected format or "?") of files given on the command line."""
    out: list[tuple[Path, str]] = []
    for p in paths:
        try:
            out.append((p, str(detect_format(p))))
        except (FormatError, EncodingError, OSError):
            out.append((p, "?"))
    return out


# -- the dump ----------------------------------------------------------------
def dump(files: list[tuple[Path, str]], out: TextIO) -> int:
    """Write every record the readers yield for ``files``; return the record count."""
    n = 0
    for path, fmt in files:
        out.write(f"## {path} [{fmt}]\n")
        try:
            for item in read_ledger(path, None if fmt == "?" else fmt):
                out.write(repr(item))
                out.write("\n")
                n += 1
        except Exception as e:  # noqa: BLE001 - the dump records what the reader raised
            out.write(f"!! {type(e).__name__}: {e}\n")
    return n


# -- timing ------------------------------------------------------------------
CLOCK = time.perf_counter  # or time.process_time (--clock cpu)


def time_readers(paths: list[Path], fmt: str) -> tuple[float, int]:
    """Seconds to read ``paths`` through read_ledger, and the records yielded."""
    n = 0
    t0 = CLOCK()
    for p in paths:
        for _ in read_ledger(p, fmt):
            n += 1
    return CLOCK() - t0, n


def csv_baseline_args(path: Path) -> tuple[str, int]:
    """(encoding, widest of the first rows) of a CSV file, found before timing."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = sample[: 1 << 14].decode(encoding, errors="replace")
    width = 1
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
            width = max(width, len(row))
            if i >= _WIDTH_ROWS:
                break
    except csv.Error:
        pass
    return encoding, width


def time_pandas(paths: list[Path], fmt: str) -> tuple[float, int]:
    """Seconds of the baseline read of ``paths`` (see module doc), and the rows read."""
    import pandas as pd

    rows = 0
    if fmt == "zengin":
        t0 = CLOCK()
        for p in paths:
            rows += len(p.read_bytes().split(b"\n"))
        return CLOCK() - t0, rows
    args = [csv_baseline_args(p) for p in paths]
    t0 = CLOCK()
    for p, (encoding, width) in zip(paths, args, strict=True):
        df = pd.read_csv(p, dtype=str, header=None, names=range(width), encoding=encoding,
                         on_bad_lines="skip")
        rows += len(df)
    return CLOCK() - t0, rows


def best_of(repeat: int, fn: Callable[[list[Path], str], tuple[float, int]],
            paths: list[Path], fmt: str) -> tuple[float, int]:
    runs = [fn(paths, fmt) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def machine() -> str:
    load1, load5, _ = os.getloadavg()
    cpu = platform.processor() or platform.machine()
    return (f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}, "
            f"load average {load1:.2f} / {load5:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", type=Path, default=DEFAULT_REGION,
                    help="folder with manifest.csv (default: bench/out/region-10k)")
    ap.add_argument("--files", type=Path, nargs="+", help="these files instead of the region")
    ap.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--repeat", type=int, default=1, help="time each phase N times, keep the best")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall-clock seconds, or this process's CPU seconds (steadier on a "
                         "machine that runs other work)")
    ap.add_argument("--dump", type=Path, help="write a canonical text dump of every record")
    ap.add_argument("--no-time", action="store_true", help="only write the dump")
    ap.add_argument("--profile", choices=FORMATS, help="cProfile the reader of one format")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter

    files = given_files(args.files) if args.files else manifest(args.region)
    if args.dump:
        t0 = time.perf_counter()
        with args.dump.open("w", encoding="utf-8", newline="\n") as out:
            n = dump(files, out)
        print(f"dump: {len(files)} files, {n:,} records -> {args.dump} "
              f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    if args.profile:
        import cProfile
        import pstats

        paths = [p for p, f in files if f == args.profile]
        prof = cProfile.Profile()
        prof.enable()
        time_readers(paths, args.profile)
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(40)
        return
    if args.no_time:
        return

    print(f"{machine()}, {args.clock} clock, best of {args.repeat}\n")
    print("| format | files | lines | reader s | lines/s | pandas s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    files_n = n_all = 0
    reader_all = pandas_all = 0.0
    for fmt in args.formats:
        paths = [p for p, f in files if f == fmt]
        if not paths:
            continue
        reader_s, n = best_of(args.repeat, time_readers, paths, fmt)
        pandas_s, rows = best_of(args.repeat, time_pandas, paths, fmt)
        print(f"  {fmt}: {n:,} records, baseline read {rows:,} rows", file=sys.stderr)
        print(f"| {fmt} | {len(paths):,} | {n:,} | {reader_s:.2f} | {n / reader_s:,.0f} | "
              f"{pandas_s:.2f} | {reader_s / pandas_s:.1f}× |", flush=True)
        files_n += len(paths)
        n_all += n
        reader_all += reader_s
        pandas_all += pandas_s
    if reader_all:
        print(f"| **all** | {files_n:,} | {n_all:,} | {reader_all:.2f} | "
              f"{n_all / reader_all:,.0f} | {pandas_all:.2f} | {reader_all / pandas_all:.1f}× |")


if __name__ == "__main__":
    main()
