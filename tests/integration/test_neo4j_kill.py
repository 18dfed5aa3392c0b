"""Fault injection on the real Neo4j: SIGKILL the server in the middle of a
``torihiki ingest``, restart it, load again.

The issue's requirement: "A load interrupted midway (process killed, Neo4j
restarted) resumes to the same end state with no duplicates". The contract
test (tests/contract/test_resume.py) fakes the crash inside the store; this
one kills the real server process with SIGKILL while the CLI, in its own
process, is writing chunks, so the in-flight transaction, the driver's
connection pool and the server's recovery on restart are all real.

Steps: generate a deterministic canonical ledger with many chunks; load it
into the embedded store as the reference end state; start the CLI against
Neo4j; once some but not all chunks are committed, ``scripts/neo4j-local
kill``; the CLI must exit with one clear error line on stderr and no
traceback; ``scripts/neo4j-local start`` (same port, same data dir); load
again — it must report ``resumed`` — and compare with the reference: counts,
the client's trade edges and payments, batch done with every chunk, and no
duplicate relationships.

The test kills a server, so it only runs against the Neo4j that
``scripts/neo4j-local`` manages for this ``TORIHIKI_NEO4J_DIR`` (``make
test`` starts one); against any other server it skips (fails with CI=true).

The driver retries a lost server for ``max_transaction_retry_time`` (120 s
for batch work) and its backoff may overshoot that to about four minutes, so
the interrupted run sets ``TORIHIKI_NEO4J_RETRY_SECONDS`` to
:data:`RETRY_SECONDS`; both runs are the real ``torihiki`` command.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.corporate_number import check_digit
from ingest.load import batch_id_for, file_sha256, load_file
from ingest.readers.detect import read_ledger
from queries.store import Store

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
NEO4J_LOCAL = REPO / "scripts" / "neo4j-local"
CLIENT = "C1"
COUNTERPARTIES = 1_000
MONTHS = 18
RETRY_SECONDS = 3.0  # driver retry window of the interrupted CLI (see module docstring)
KILL_AFTER_CHUNKS = 2  # kill once this many chunks are committed (and not all)
CHUNK_ROWS = 2_000  # monthly values per write transaction: small, so that the load has many

# Name parts: every counterparty gets its own core (no two spellings of one
# firm, no near-duplicates that would go to review or merge by name).
_A = "東西南北上中央新大小高長広深明青赤白黒金銀銅鉄石木林森山川海湖島岬浜港原野田畑"
_B = "日月星雲風雷雪花草竹梅桜松杉柳菊桐楓藤葵萩蓮菖蘭椿桃梨柿栗麦稲"
_C = ("商事", "工業", "建設", "物産", "製作所", "運輸", "電機", "食品", "化学", "産業")


def write_ledger(path: Path, counterparties: int, months: int) -> int:
    """Write a deterministic canonical ledger of client :data:`CLIENT`.

    Counterparty ``i`` is a customer (sale + receipt) when ``i`` is even and
    a supplier (purchase + payment) when odd, with 1–3 trade lines and one
    settlement line a month from April 2024; 9 in 10 carry a valid 法人番号
    so that resolution is by number, the rest resolve by name. Returns the
    number of data lines.
    """
    assert counterparties <= len(_A) * len(_B) * len(_C)
    lines = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "counterparty_name", "corporate_number", "direction", "amount", "memo"])
        for m in range(months):
            year, month = 2024 + (3 + m) // 12, (3 + m) % 12 + 1
            for i in range(counterparties):
                a, rest = _A[i % len(_A)], i // len(_A)
                name = f"株式会社{a}{_B[rest % len(_B)]}{_C[rest // len(_B)]}"
                base = f"{700_000_000_000 + i * 37:012d}"
                cn = f"{check_digit(base)}{base}" if i % 10 else ""
                trade, settle = ("sale", "receipt") if i % 2 == 0 else ("purchase", "payment")
                for k in range(1 + (i + m) % 3):
                    day = 1 + (k * 9 + i) % 27
                    amount = 1_000 * (1 + (i * 31 + m * 7 + k) % 997)
                    w.writerow([f"{year}-{month:02d}-{day:02d}", name, cn, trade, amount, f"納品 {k}"])
                    lines += 1
                w.writerow([f"{year}-{month:02d}-28", name, cn, settle, 1_000 * (1 + (i * 13 + m) % 500), ""])
                lines += 1
    return lines


def _neo4j_local(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NEO4J_LOCAL), *args], capture_output=True, text=True, timeout=300,
                          check=False)


def _uri_of(export_line: str) -> str | None:
    """``NEO4J_URI`` from the ``export …`` line that ``neo4j-local`` prints."""
    for token in shlex.split(export_line):
        if token.startswith("NEO4J_URI="):
            return token.removeprefix("NEO4J_URI=")
    return None


@pytest.fixture
def owned_neo4j(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The wiped Neo4j store (``neo4j_store``), provided the server behind
    ``NEO4J_URI`` is the one ``scripts/neo4j-local`` runs for this
    ``TORIHIKI_NEO4J_DIR`` — the only one this test may kill. Checked before
    the wipe, so that another server is left untouched. Leaves the server
    running afterwards, also when the test fails between kill and start."""
    request.getfixturevalue("neo4j_driver_store")  # skips or fails when there is no Neo4j
    env = _neo4j_local("env")
    owned = _uri_of(env.stdout) if env.returncode == 0 else None
    if owned != os.environ.get("NEO4J_URI"):
        reason = (f"NEO4J_URI={os.environ.get('NEO4J_URI')} is not the server scripts/neo4j-local runs "
                  f"for TORIHIKI_NEO4J_DIR={os.environ.get('TORIHIKI_NEO4J_DIR', '(default)')} "
                  f"({owned or env.stderr.strip() or 'none'}); the test cannot kill a server it does not own")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    store: Store = request.getfixturevalue("neo4j_store")
    yield store
    if _neo4j_local("status").returncode != 0:
        _neo4j_local("start")


def _cli_env(home: Path) -> dict[str, str]:
    return dict(os.environ, TORIHIKI_HOME=str(home), PYTHONUNBUFFERED="1",
                TORIHIKI_CHUNK_ROWS=str(CHUNK_ROWS))


def _torihiki() -> list[str]:
    exe = Path(sys.executable).with_name("torihiki")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "api.cli"]


def _count_duplicates(store: Store) -> dict[str, tuple[int, int]]:
    """(relationships, distinct keys) per type: a resumed chunk must have set,
    not added, its rows. The key of a row is its batch, month, observer and
    spelling; with the direction it identifies one relationship."""
    from queries.neo4j_store import Neo4jStore

    assert isinstance(store, Neo4jStore)
    out = {}
    for rel in ("TRADE", "PAID"):
        records, _, _ = store.driver.execute_query(
            f"MATCH (a)-[t:{rel}]->(b) "
            "RETURN count(t) AS n, count(DISTINCT [a.id, b.id, t.key]) AS keys",
            database_=store.database,
        )
        out[rel] = (int(records[0]["n"]), int(records[0]["keys"]))
    records, _, _ = store.driver.execute_query(
        "MATCH (f:Firm) RETURN count(f) AS n, count(DISTINCT f.id) AS keys", database_=store.database)
    out["Firm"] = (int(records[0]["n"]), int(records[0]["keys"]))
    return out


def test_sigkill_neo4j_mid_load_then_resume(
    owned_neo4j: Store, embedded_store: Store, tmp_path: Path
) -> None:
    neo = owned_neo4j
    ledger = tmp_path / "ledger.csv"
    lines = write_ledger(ledger, COUNTERPARTIES, MONTHS)
    batch = batch_id_for(file_sha256(ledger), CLIENT, "canonical")

    # The reference: one clean load of the same file into the embedded store,
    # in chunks of the size the CLI will use.
    ref = load_file(embedded_store, ledger, CLIENT, fmt="canonical", chunk_rows=CHUNK_ROWS,
                    reader=lambda p: read_ledger(p, "canonical"), rejects_dir=tmp_path / "rejects-ref")
    assert ref.rows_loaded == lines and ref.rows_rejected == 0
    chunks = len(embedded_store.chunks_done(batch))
    assert embedded_store.chunks_done(batch) == set(range(chunks))
    assert chunks > KILL_AFTER_CHUNKS + 2, f"ledger too small: {chunks} chunks"

    # 1. Start the load against Neo4j; SIGKILL the server once it is midway.
    home = tmp_path / "home"
    out1, err1 = tmp_path / "first.out", tmp_path / "first.err"
    with out1.open("w") as o, err1.open("w") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "ingest", str(ledger), "--client", CLIENT, "--json"],
            env={**_cli_env(home), "TORIHIKI_NEO4J_RETRY_SECONDS": str(RETRY_SECONDS)},
            cwd=tmp_path, stdout=o, stderr=e)
    try:
        deadline = time.monotonic() + 180
        while True:
            done = neo.chunks_done(batch)
            if len(done) >= KILL_AFTER_CHUNKS:
                break
            assert proc.poll() is None, f"ingest ended before the kill (rc {proc.returncode}): {err1.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "no chunk committed within 180 s"
            time.sleep(0.05)
        killed = _neo4j_local("kill")
        assert killed.returncode == 0, killed.stderr
        assert len(done) < chunks, "the load finished before the kill; make the ledger bigger"
        rc = proc.wait(timeout=RETRY_SECONDS * 4 + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # 2. Restart the same server (same port, same data) and wait for it.
    started = _neo4j_local("start")
    assert started.returncode == 0, started.stderr
    assert _uri_of(started.stdout) == os.environ["NEO4J_URI"], started.stdout
    deadline = time.monotonic() + 60
    while not neo.ping():
        assert time.monotonic() < deadline, "Neo4j does not answer after restart"
        time.sleep(0.2)

    # What the killed run left: some chunks committed, the batch still loading.
    partial = neo.chunks_done(batch)
    left = neo.get_batch(batch)
    assert left is not None and left.status == "loading"
    assert KILL_AFTER_CHUNKS <= len(partial) < chunks, (partial, chunks)

    # 3. Load again: it resumes and completes.
    second = subprocess.run([*_torihiki(), "ingest", str(ledger), "--client", CLIENT, "--json"],
                            env=_cli_env(home), cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, check=False)
    assert second.returncode == 0, second.stderr[-3000:]
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert summary["resumed"] is True and summary["duplicate"] is False
    for key in ("rows_read", "rows_loaded", "rows_rejected", "trade_rows", "payment_rows"):
        assert summary[key] == getattr(ref, key), key

    # 4. Same end state as the clean load, nothing twice.
    assert neo.counts() == embedded_store.counts()
    assert neo.trade_edges([CLIENT], None, None) == embedded_store.trade_edges([CLIENT], None, None)
    assert neo.payments([CLIENT], None, None) == embedded_store.payments([CLIENT], None, None)
    final = neo.get_batch(batch)
    assert final is not None and final.status == "done" and final.rows_loaded == ref.rows_loaded
    assert neo.chunks_done(batch) == set(range(chunks))
    for rel, (n, keys) in _count_duplicates(neo).items():
        assert n == keys, f"{n - keys} duplicate {rel}"

    # 5. Checked last so that a noisy error does not hide the resume result:
    # the killed run ended with one clear error line and no traceback.
    err = err1.read_text(encoding="utf-8", errors="replace")
    assert rc == 3, f"exit status {rc}: {err[-2000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert _stderr_problems(err) == []
    assert "run the same `torihiki ingest` command again; it resumes where it stopped" in err  # what to do


def _stderr_problems(err: str) -> list[str]:
    """Why ``err`` is not exactly one ``error: …`` line (empty when it is),
    summarised: a failing run can print thousands of driver log lines."""
    lines = err.strip().splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("error: ")), None)
    if first is None:
        return [f"no 'error: ' line; stderr ends with {lines[-3:]!r}"]
    problems = []
    if first:
        kinds = Counter(" ".join(line.split()[:3]) for line in lines[:first])
        problems.append(f"{first} lines before the error line, by kind: {kinds.most_common(6)!r}")
    if len(lines) - first != 1:
        problems.append(f"the error spans {len(lines) - first} lines: {lines[first:first + 3]!r}")
    return problems
