"""``torihiki users``, ``consent`` and ``audit`` end to end, on both stores."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from api.firm_pages import ego_key, stored_key
from api.identity import check_password, check_token, password_given_by
from api.settings import Settings
from api.web.i18n import TOKYO
from queries.model import Firm
from queries.store import Store
from tests.integration.conftest import run


def test_users(cli: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "users", "add", "ann", "--role", "analyst")
    assert code == 0 and "ann added as analyst" in out
    code, out, err = run(capsys, "users", "add", "co", "--role", "credit_officer", "--bank", "0179", "--json")
    assert code == 0 and json.loads(out)["bank"] == "0179"
    assert "no firm consents to bank '0179' yet, so this officer sees no firm" in err  # a bank spelled wrong?
    code, _, err = run(capsys, "users", "add", "x", "--role", "credit_officer")
    assert code == 2 and err == "error: a credit officer is bound to one bank: give it (--bank, or the bank column of an import)\n"
    code, _, err = run(capsys, "users", "add", "ann", "--role", "admin")
    assert code == 2 and "exists" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("abc\n"))  # a refused password adds no user
    code, _, err = run(capsys, "users", "add", "yamada", "--role", "researcher", "--password-stdin")
    assert code == 2 and "at least 12" in err and cli.get_user("yamada") is None

    # The token alone on stdout (TOKEN=$(torihiki users token ann)); a note on stderr.
    code, out, err = run(capsys, "users", "token", "ann")
    token = out.strip()
    assert code == 0 and out.count("\n") == 1 and "shown this once" in err
    assert check_token(cli, token)[1] == ""
    code, out, _ = run(capsys, "users", "token", "ann", "--json")
    assert check_token(cli, token)[0] is None and check_token(cli, json.loads(out)["token"])[1] == ""
    code, _, err = run(capsys, "users", "token", "nobody")
    assert code == 2 and "no user 'nobody'" in err

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    assert run(capsys, "users", "password", "ann")[0] == 0
    assert check_password(cli, "ann", "correct horse battery staple")[1] == ""
    assert password_given_by(cli, "ann")  # the operator knows it: ann chooses her own at her next sign-in
    monkeypatch.setattr("sys.stdin", io.StringIO("typed by her own hand\n"))
    assert run(capsys, "users", "password", "ann", "--own-password")[0] == 0
    assert password_given_by(cli, "ann") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "users", "password", "ann")
    assert code == 2 and "at least 12" in err

    assert run(capsys, "users", "disable", "ann")[0] == 0
    code, out, _ = run(capsys, "users", "list", "--json")
    users = {u["name"]: u for u in json.loads(out)}
    assert users["ann"]["active"] is False and users["ann"]["has_password"] is False  # removed with the disable
    assert users["co"]["role"] == "credit_officer" and users["co"]["token_id"] is None
    assert not any("hash" in k and k != "has_password" for u in users.values() for k in u)
    assert run(capsys, "users", "enable", "ann")[0] == 0
    code, out, _ = run(capsys, "users", "list")
    assert "ann" in out and "active" in out and "(2 users)" in out
    assert run(capsys, "users", "disable", "nobody")[0] == 2


def test_users_import(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A CSV of users: good rows are added (with their web UI password), bad rows
    reported with their line, existing users left as they are; a second import
    of the same file changes nothing."""
    f = tmp_path / "users.csv"
    f.write_text("\ufeffname,role,bank,password\n"
                 "ann,analyst,,correct horse battery\n"
                 "co,credit_officer,0179,\n"
                 "\n"
                 "bad,credit_officer,,long enough password\n"
                 "short,researcher,,tiny\n"
                 "x y,admin,,\n", encoding="utf-8")
    code, out, err = run(capsys, "users", "import", str(f))
    assert code == 1 and "2 users added, 0 existed already" in out and "3 rejected" in out
    assert f"{f}:5: bad: a credit officer is bound to one bank" in err
    assert f"{f}:6: short: a password has at least 12 characters" in err
    assert f"{f}:7: x y: " in err
    assert check_password(cli, "ann", "correct horse battery")[1] == ""
    assert password_given_by(cli, "ann")  # the file's writer knows it: asked to change at the first sign-in
    co = cli.get_user("co")
    assert co is not None and co.bank == "0179" and co.role == "credit_officer" and not co.password_hash
    assert cli.get_user("bad") is None and cli.get_user("short") is None  # nothing half-made

    f.write_text("name,role,bank,password\nann,admin,,another password!\nres,researcher,,\n", encoding="utf-8")
    code, out, _ = run(capsys, "users", "import", str(f), "--json")
    assert code == 0 and json.loads(out) == {
        "added": ["res"], "existing": ["ann"], "rejected": [], "notes": [],
        "existing_differing": ["ann: analyst in the store, admin in the file (`users bank` moves an officer)"]}
    ann = cli.get_user("ann")
    assert ann is not None and ann.role == "analyst"  # left as it was
    assert check_password(cli, "ann", "correct horse battery")[1] == ""
    before = [(u.name, u.role, u.bank, u.password_hash) for u in cli.list_users()]
    assert run(capsys, "users", "import", str(f))[0] == 0
    assert [(u.name, u.role, u.bank, u.password_hash) for u in cli.list_users()] == before

    f.write_text("name,role,bank,password\nben,analyst,,typed by this user alone\n", encoding="utf-8")
    assert run(capsys, "users", "import", str(f), "--own-passwords")[0] == 0  # typed by each user: kept
    assert check_password(cli, "ben", "typed by this user alone")[1] == "" and password_given_by(cli, "ben") is None

    f.write_bytes("name,role,bank,password,氏名\nsato,researcher,,,佐藤 花子\n".encode("cp932"))  # as Excel saves it
    code, out, _ = run(capsys, "users", "import", str(f), "--json")
    assert code == 0 and json.loads(out)["added"] == ["sato"]

    # a name twice in one file: the second row is refused with the first's line; a bank by its name is its id
    cli.set_bank_name("0179", "鳥取みらい銀行")
    f.write_text("name,role,bank,password\nwatanabe,credit_officer,鳥取みらい銀行,\nWatanabe,analyst,,\n",
                 encoding="utf-8")
    code, out, err = run(capsys, "users", "import", str(f))
    assert code == 1 and f"{f}:3: Watanabe: Watanabe is on line 2 of this file already" in err
    assert "'鳥取みらい銀行' is the name of bank 0179" in err
    assert cli.get_user("watanabe").bank == "0179"  # type: ignore[union-attr]

    f.write_text("who,what\nann,admin\n", encoding="utf-8")
    code, _, err = run(capsys, "users", "import", str(f))
    assert code == 2 and "line 1 is not a header" in err
    code, _, err = run(capsys, "users", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read the users file" in err


def test_consent_without_rendering_the_banks_answers(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """``--no-render``: the change only; the bank's officers' answers are computed until the next load."""
    cli.upsert_firms([Firm("F1", "株式会社一", is_client=True)])
    code, out, _ = run(capsys, "consent", "grant", "F1", "B1", "--no-render", "--json")
    assert code == 0 and json.loads(out)["officer_answers_rendered"] == 0 and json.loads(out)["changed"]
    key = ego_key("F1", 1, None, None, Settings().max_ego_nodes)  # type: ignore[call-arg]
    assert cli.get_analytics(stored_key(f"bank:B1|{key}")) is None


def test_consent_and_audit(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    cli.upsert_firms([Firm("F1", "株式会社一", is_client=True), Firm("F2", "株式会社二")])
    code, out, _ = run(capsys, "consent", "grant", "F1", "B1")
    assert code == 0 and "consent for B1 granted" in out and "B1" in out
    # B1's stored answers no longer serve: its consenting client's network is rendered again for it
    assert "1 network of its consenting clients rendered again for B1's credit officers" in out
    key = ego_key("F1", 1, None, None, Settings().max_ego_nodes)  # type: ignore[call-arg]
    assert cli.get_analytics(stored_key(f"bank:B1|{key}")) is not None
    # its two-hop network too where a refresh renders two-hop networks (Neo4j's default)
    two_hop = ego_key("F1", 2, None, None, Settings().max_ego_nodes)  # type: ignore[call-arg]
    assert (cli.get_analytics(stored_key(f"bank:B1|{two_hop}")) is not None) == (cli.backend == "neo4j")
    assert ("(and 1 network of two hops)" in out) == (cli.backend == "neo4j")
    code, out, err = run(capsys, "consent", "grant", "F1", "B1")
    assert code == 0 and "granted already; nothing changed" in out and "is new" not in err
    code, _, err = run(capsys, "consent", "grant", "F2", "B2")  # a bank nobody knows yet: spelled right?
    assert code == 0 and "bank 'B2' is new: no other firm consents to it" in err and "banks known: B1" in err
    code, out, _ = run(capsys, "consent", "revoke", "F1", "B1", "--json")
    assert json.loads(out) == {"firm_id": "F1", "bank": "B1", "action": "revoke", "changed": True,
                               "banks": [], "by_name": False, "officer_answers_rendered": 0,
                               "officer_two_hop_answers_rendered": 0}
    code, out, _ = run(capsys, "consent", "revoke", "F1", "B1")
    assert code == 0 and "F1: had not consented to B1; nothing changed" in out
    assert cli.get_firm("F1").consented_banks == ()  # type: ignore[union-attr]
    code, out, _ = run(capsys, "consent", "list", "--json")
    assert json.loads(out)["data"] == [{"firm_id": "F2", "banks": ["B2"]}]
    code, out, _ = run(capsys, "consent", "list", "F1")
    assert code == 0 and "grant  B1" in out and "revoke B1" in out and "by system:" in out
    code, _, err = run(capsys, "consent", "grant", "NOPE", "B1")
    assert code == 2 and "no firm 'NOPE'" in err
    assert run(capsys, "consent", "list", "NOPE")[0] == 2

    code, out, _ = run(capsys, "audit", "list", "--firm", "F1", "--json")
    body = json.loads(out)
    actions = [e["action"] for e in body["data"]]
    assert code == 0 and actions[:4] == ["consent.list", "consent.revoke", "consent.revoke", "consent.grant"]
    assert [e["outcome"] for e in body["data"][1:3]] == ["unchanged", "ok"]
    assert all(e["user"].startswith("system:") and e["role"] == "admin" for e in body["data"])
    code, out, _ = run(capsys, "audit", "list", "--action", "consent.grant", "--limit", "1")
    assert code == 0 and out.count("consent.grant") == 1 and "(1 of 4, newest first; times in Japan" in out
    (latest,), _ = cli.audit_log(action="consent.grant", limit=1)
    shown = dt.datetime.fromisoformat(latest.at).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    assert out.startswith(shown), (out, latest.at)  # the time in Japan, as --since and --until read days
    code, _, err = run(capsys, "audit", "list", "--since", "2026-12-31", "--until", "2026-12-01")
    assert code == 2 and "--since 2026-12-31 is not before --until 2026-12-01" in err
    code, out, _ = run(capsys, "audit", "list", "--since", "2999-01-01", "--json")
    assert json.loads(out)["count"] == 0
    code, out, _ = run(capsys, "audit", "list", "--until", "2000-01-01", "--json")  # a day in Japan, included
    assert code == 0 and json.loads(out)["count"] == 0
    code, out, _ = run(capsys, "audit", "list", "--firm", "F1", "--since", "2000-01-01", "--until", "2999-12-31",
                       "--json")
    assert code == 0 and json.loads(out)["count"] >= 3
    code, _, err = run(capsys, "audit", "list", "--since", "soon")
    assert code == 2 and "not an ISO date" in err
    assert run(capsys, "audit", "list", "--limit", "0")[0] == 2


def test_loads_are_audited(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    sample = Path(__file__).resolve().parents[2] / "sample"
    assert run(capsys, "firms", "import", str(sample / "firms.csv"))[0] == 0
    assert run(capsys, "ingest", str(sample / "ledgers" / "F0001.csv"), "--client", "F0001",
               "--no-refresh")[0] == 0
    entries, total = cli.audit_log(action="load")
    assert total == 2 and [e.firm_id for e in entries] == ["F0001", None]
    assert "firms import firms.csv: 8 rows" in entries[1].detail and "consent changes" in entries[1].detail
    # The firm master's consent is the current state, with its history.
    assert cli.get_firm("F0001").consented_banks == ("bank:sanin", "bank:tottori-chuo")  # type: ignore[union-attr]
    assert {e.who for e in cli.consent_history()} == {"firm master import"}
    # and each of its changes is in the audit log under its firm, by whoever ran the import
    granted, _ = cli.audit_log(firm_id="F0001", action="consent.grant")
    assert {e.detail for e in granted} == {"bank bank:sanin (firm master import firms.csv)",
                                           "bank bank:tottori-chuo (firm master import firms.csv)"}
    assert all(e.user.startswith("system:") for e in granted)


def test_banks_are_meant_by_their_names_and_typos_are_asked_about(
        cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """A bank typed by the name it is shown by is that bank; a bank known
    nowhere is said, with the banks close to it; a bank's name is one bank's."""
    cli.upsert_firms([Firm("F1", "株式会社一", is_client=True), Firm("F2", "株式会社二", is_client=True)])
    assert run(capsys, "banks", "name", "bank:tottori-mirai", "鳥取みらい銀行")[0] == 0  # named before any use
    code, out, err = run(capsys, "consent", "grant", "F1", "鳥取みらい銀行", "--no-render")
    assert code == 0 and "consent for bank:tottori-mirai granted" in out
    assert "'鳥取みらい銀行' is the name bank bank:tottori-mirai is shown by" in err and "is new" not in err
    assert cli.consents("F1") == {"F1": ("bank:tottori-mirai",)}
    code, out, err = run(capsys, "consent", "grant", "F2", "bank:tottori-miria", "--no-render")
    assert code == 0 and "did you mean bank:tottori-mirai?" in err
    code, _, err = run(capsys, "banks", "name", "bank:tottori-miria", "鳥取みらい銀行")
    assert code == 2 and "bank:tottori-mirai is shown as 鳥取みらい銀行 already" in err
    assert run(capsys, "consent", "revoke", "F2", "bank:tottori-miria", "--no-render")[0] == 0

    code, _, err = run(capsys, "users", "add", "ito", "--role", "credit_officer", "--bank", "bank:tottori-mira")
    assert code == 0 and "did you mean bank:tottori-mirai?" in err
    code, out, err = run(capsys, "users", "bank", "ito", "鳥取みらい銀行")
    assert code == 0 and "ito now works for bank:tottori-mirai" in out
    assert cli.get_user("ito").bank == "bank:tottori-mirai"  # type: ignore[union-attr]
    code, out, _ = run(capsys, "users", "bank", "ito", "bank:tottori-mirai")
    assert code == 0 and "already; nothing changed" in out
    assert run(capsys, "users", "add", "sato", "--role", "analyst")[0] == 0
    code, _, err = run(capsys, "users", "bank", "sato", "bank:tottori-mirai")
    assert code == 2 and "only a credit officer has a bank" in err
    code, _, err = run(capsys, "users", "add", "kato", "--role", "credit_officer", "--bank", "鳥取みらい銀行")
    assert code == 0 and cli.get_user("kato").bank == "bank:tottori-mirai"  # type: ignore[union-attr]


def test_token_for_a_user_created_on_first_use(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """`users token NAME --create-as ROLE` (what `make run` calls once per start):
    the user is created the first time, only a new token after that."""
    code, first, _ = run(capsys, "users", "token", "demo-admin", "--create-as", "admin")
    assert code == 0 and cli.get_user("demo-admin") is not None
    code, second, _ = run(capsys, "users", "token", "demo-admin", "--create-as", "admin")
    assert code == 0 and first.strip() != second.strip() and len(cli.list_users()) == 1
