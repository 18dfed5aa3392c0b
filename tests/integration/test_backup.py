"""``torihiki backup DEST`` on the embedded store, through the real CLI: a
consistent copy taken while another connection keeps the WAL (the data a
copy of ``torihiki.sqlite3`` alone loses) and holds an uncommitted write;
DEST refused when not empty; Neo4j left to its own tools; the store's
confidential files readable by their owner only."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from api.settings import get_settings
from queries.embedded_store import DB_FILENAME, EmbeddedStore
from tests.conftest import SAMPLE, SHARED_DATA
from tests.integration.conftest import run

SEED = SHARED_DATA / "seed" / "management_parameters_dummy.csv"  # without --period: one rejected row


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TORIHIKI_HOME of the CLI (embedded store), with the usual umask 022:
    what the store makes owner-only it makes so itself."""
    monkeypatch.setenv("TORIHIKI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    umask = os.umask(0o022)
    try:
        yield tmp_path / "home"
    finally:
        os.umask(umask)
        get_settings.cache_clear()


def _load(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample delivery (one rejected line per ledger), a reference import
    with a rejected row, a user disabled and then given a new password."""
    code, _, err = run(capsys, "load", str(SAMPLE), "--no-refresh")
    assert code == 0, err
    assert run(capsys, "metrics", "import", str(SEED), "--json")[0] == 2  # no period: its row rejected
    assert run(capsys, "users", "add", "ann", "--role", "analyst")[0] == 0
    assert run(capsys, "users", "disable", "ann")[0] == 0
    # a password set while disabled (disabling removed the one it had): kept for its return
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password-2025\n"))
    assert run(capsys, "users", "password", "ann")[0] == 0


def test_backup_while_the_store_is_in_use_holds_every_committed_write(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    server = EmbeddedStore(home)  # a running server's connection: the WAL is not checkpointed away
    server.ensure_schema()
    try:
        _load(capsys, monkeypatch)
        (home / "session.key").write_text("k" * 64)
        wal = home / f"{DB_FILENAME}-wal"
        assert wal.stat().st_size > 0
        # What the naive backup copied: the database file alone misses what is only in the WAL.
        naive = tmp_path / "naive"
        naive.mkdir()
        shutil.copy(home / DB_FILENAME, naive / DB_FILENAME)
        with closing(sqlite3.connect(naive / DB_FILENAME)) as c:
            assert c.execute("SELECT count(*) FROM sqlite_master WHERE name = 'batches'").fetchone()[0] == 0

        # Another connection writes and has not committed: pages already spilled into the WAL.
        writer = sqlite3.connect(home / DB_FILENAME, isolation_level=None)
        try:
            writer.execute("PRAGMA cache_size=10")
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE users SET active = 1 WHERE name = 'ann'")
            writer.execute("CREATE TABLE scratch (x BLOB)")
            writer.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                           "INSERT INTO scratch SELECT randomblob(1000) FROM n")
            spilled = wal.stat().st_size
            code, out, err = run(capsys, "backup", str(tmp_path / "backup"), "--json")
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert spilled > 2_000_000  # the uncommitted rows were in the WAL while the backup ran
        assert code == 0, err
        report = json.loads(out)
        dest = tmp_path / "backup"
        assert report["integrity"] == "ok" and report["database"] == str(dest / DB_FILENAME)
        original = server.counts()
        assert original["batches"] == 8 and original["trades"] > 0
        assert {k: report[k] for k in original} == original
        assert report["users"] == 1 and report["data_version"] == server.data_version()
        assert report["files"] == 10  # 8 ledgers' and 1 import's reject files, the session key

        # The copy is one file (no WAL beside it), and opened as a store it is the original.
        assert sorted(p.name for p in dest.iterdir()) == sorted([DB_FILENAME, "rejects", "session.key"])
        copy = EmbeddedStore(dest)
        try:
            assert copy.counts() == original and copy.data_version() == server.data_version()
            assert copy.list_users() == server.list_users()
            ann = copy.get_user("ann")
            assert ann is not None and not ann.active and ann.password_hash.startswith("$argon2id$")
            assert copy.list_batches() == server.list_batches()
            assert copy.all_pairs() == server.all_pairs()
            assert copy._conn().execute("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'"
                                        ).fetchone()[0] == 0  # the write never committed is not in it
        finally:
            copy.close()
        assert sorted(p.name for p in (dest / "rejects").iterdir()) == sorted(
            p.name for p in (home / "rejects").iterdir())
        assert (dest / "session.key").read_text() == "k" * 64  # sessions stay valid after a restore

        # Owner only, under the umask 022: the store's files, the reject files, the backup.
        assert mode(home) == 0o700 and mode(home / DB_FILENAME) == 0o600 and mode(wal) == 0o600
        assert mode(home / f"{DB_FILENAME}-shm") == 0o600 and mode(home / "rejects") == 0o700
        assert {mode(p) for p in (home / "rejects").iterdir()} == {0o600}
        assert any(p.name.startswith("parameters-") for p in (home / "rejects").iterdir())
        assert mode(dest) == 0o700 and mode(dest / "rejects") == 0o700
        assert {mode(p) for p in dest.rglob("*") if p.is_file()} == {0o600}
    finally:
        server.close()


def test_a_non_empty_dest_is_refused_unless_forced(home: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "load", str(SAMPLE), "--no-refresh")[0] == 0
    dest = tmp_path / "dest"
    dest.mkdir(mode=0o755)
    (dest / "notes.txt").write_text("kept")
    code, out, err = run(capsys, "backup", str(dest))
    assert code == 2 and "not empty" in err and err.count("\n") == 1 and out == ""
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]

    # --force writes into it; a stale WAL there (which SQLite would read into the new copy) goes.
    (dest / f"{DB_FILENAME}-wal").write_bytes(b"stale")
    code, out, err = run(capsys, "backup", str(dest), "--force")
    assert code == 0, err
    assert "integrity ok" in out and "batches 8," in out
    assert sorted(p.name for p in dest.iterdir()) == sorted([DB_FILENAME, "notes.txt", "rejects"])
    assert (dest / "notes.txt").read_text() == "kept" and mode(dest) == 0o700
    with closing(sqlite3.connect(dest / DB_FILENAME)) as c:
        assert c.execute("SELECT count(*) FROM batches").fetchone()[0] == 8
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_what_cannot_be_backed_up_is_refused(home: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "backup", str(tmp_path / "b"))  # nothing loaded: no store
    assert code == 2 and "no embedded store" in err and not (tmp_path / "b").exists()
    assert not home.exists()  # and none made by asking
    assert run(capsys, "load", str(SAMPLE), "--no-refresh")[0] == 0
    code, _, err = run(capsys, "backup", str(home / "backup"), "--force")
    assert code == 2 and "inside TORIHIKI_HOME" in err and not (home / "backup").exists()
    code, _, err = run(capsys, "backup", str(home), "--force")  # over the live store: never
    assert code == 2 and "inside TORIHIKI_HOME" in err


def test_neo4j_is_left_to_its_own_tools(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # never contacted
    get_settings.cache_clear()
    code, out, err = run(capsys, "backup", str(tmp_path / "b"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "neo4j-admin database dump" in err and "Aura" in err
    assert not (tmp_path / "b").exists() and not home.exists()


def test_a_store_file_of_an_earlier_version_is_narrowed_to_its_owner(home: Path) -> None:
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    (home / DB_FILENAME).touch(mode=0o644)
    os.chmod(home / DB_FILENAME, 0o644)
    store = EmbeddedStore(home)
    try:
        store.ensure_schema()
        assert mode(home / DB_FILENAME) == 0o600 and mode(home / f"{DB_FILENAME}-wal") == 0o600
        assert mode(home) == 0o755  # a folder that exists is not changed (it may be a mount point)
    finally:
        store.close()


def test_a_home_the_server_makes_and_its_uploads_are_the_owners_only(tmp_path: Path) -> None:
    """The server makes TORIHIKI_HOME for its session key before the store
    opens it: 0700 there too (it was 0755, and the store leaves a folder
    that exists as it is), and so is the uploads folder, whose files' names
    name clients' ledgers."""
    from api.app import create_app
    from api.settings import Settings
    from api.uploads import receive_upload

    home = tmp_path / "fresh" / "home"
    settings = Settings(TORIHIKI_HOME=home)  # type: ignore[call-arg]
    create_app(settings)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "session.key").stat().st_mode) == 0o600
    kept = receive_upload(io.BytesIO(b"date,counterparty_name,direction,amount\n"), "株式会社一の元帳.csv", settings)
    assert stat.S_IMODE((home / "uploads").stat().st_mode) == 0o700 and kept.path.parent == home / "uploads"
