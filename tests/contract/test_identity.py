"""Users, tokens, consent with its history and the audit log: the same
contract on the embedded store and the real Neo4j. Consent events and audit
entries are append-only: the store interface offers no way to change one."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

import pytest

from api.identity import (
    add_user,
    change_consent,
    check_password,
    check_token,
    issue_token,
    set_active,
    set_bank,
    set_password,
)
from domain.errors import InputError
from ingest.imports import FIRM_MASTER, import_firms, master_consent
from queries.access import SYSTEM, Principal, Role
from queries.identity import GRANT, REVOKE, AuditEntry, ConsentEvent, User, utc_iso
from queries.model import Firm
from queries.store import NotFound, Store


def test_users_and_tokens(store: Store) -> None:
    assert store.add_user(User("ann", "analyst", None, True, "2025-01-01T00:00:00+00:00"))
    assert not store.add_user(User("ann", "admin"))  # the name is taken: nothing changes
    assert store.get_user("ann") == User("ann", "analyst", None, True, "2025-01-01T00:00:00+00:00")
    assert store.add_user(User("bob", "credit_officer", "B1"))
    assert [u.name for u in store.list_users()] == ["ann", "bob"]
    assert store.get_user("nobody") is None

    assert store.set_user_token("ann", "0123456789ab", "h" * 64, "2025-01-02T00:00:00+00:00")
    found = store.user_by_token("0123456789ab")
    assert found is not None and found.name == "ann" and found.token_hash == "h" * 64
    assert store.set_user_token("ann", "ba9876543210", "k" * 64, "2025-01-03T00:00:00+00:00")
    assert store.user_by_token("0123456789ab") is None  # rotated: the old id finds nobody
    assert store.user_by_token("") is None
    assert not store.set_user_token("nobody", "x", "y", "z")

    assert store.set_user_active("ann", False)
    assert store.get_user("ann").active is False  # type: ignore[union-attr]
    assert store.set_user_active("ann", True) and not store.set_user_active("nobody", True)
    assert store.set_user_password("bob", "$argon2id$…") and not store.set_user_password("nobody", "x")
    assert store.get_user("bob").password_hash == "$argon2id$…"  # type: ignore[union-attr]
    assert store.set_user_bank("bob", "B2") and not store.set_user_bank("nobody", "B2")
    assert store.get_user("bob").bank == "B2"  # type: ignore[union-attr]


def test_a_credit_officer_moves_to_another_bank(store: Store) -> None:
    """A bank typed wrong when the officer was added is put right, audited;
    they see the other bank's consenting firms from their next request."""
    store.upsert_firms([Firm("A", consented_banks=("B1",)), Firm("B", consented_banks=("B2",))])
    add_user(store, "co", "credit_officer", "B1x", SYSTEM)
    add_user(store, "an", "analyst", None, SYSTEM)
    token = issue_token(store, "co", SYSTEM).token
    assert set_bank(store, "co", " B1 ", SYSTEM)
    assert not set_bank(store, "co", "B1", SYSTEM)  # its bank already
    user, why = check_token(store, token)
    assert why == "" and user is not None and user.bank == "B1"  # the token keeps working, for the new bank
    with pytest.raises(InputError, match="only a credit officer"):
        set_bank(store, "an", "B1", SYSTEM)
    with pytest.raises(InputError, match="bank"):
        set_bank(store, "co", "B1,B2", SYSTEM)  # a list is no bank
    with pytest.raises(NotFound):
        set_bank(store, "nobody", "B1", SYSTEM)
    entries, _ = store.audit_log(action="user.bank")
    assert [e.detail for e in entries] == ["co: bank B1x → B1"]


def test_a_user_signs_in_whatever_the_case_of_their_name(store: Store) -> None:
    add_user(store, "tanaka.k", "analyst", None, SYSTEM)
    set_password(store, "tanaka.k", "correct horse battery staple", SYSTEM)
    user, why = check_password(store, "Tanaka.K", "correct horse battery staple")
    assert why == "" and user is not None and user.name == "tanaka.k"
    assert check_password(store, "TANAKA.K", "wrong horse battery staple")[1] == "wrong password"


def test_token_checks(store: Store) -> None:
    add_user(store, "ann", "analyst", None, SYSTEM)
    issued = issue_token(store, "ann", SYSTEM)
    user, why = check_token(store, issued.token)
    assert user is not None and user.name == "ann" and why == ""
    assert store.get_user("ann").token_hash != issued.token  # type: ignore[union-attr]  # only a hash
    token_id, secret = issued.token.split(".")
    forged = f"{token_id}.{'A' * len(secret)}"
    assert check_token(store, forged)[1] == "wrong token secret"
    assert check_token(store, "not a token") == (None, "malformed token")
    assert check_token(store, f"{'0' * 12}.{secret}") == (None, "unknown token")
    set_active(store, "ann", False, SYSTEM)
    assert check_token(store, issued.token)[1] == "user disabled"
    set_active(store, "ann", True, SYSTEM)
    rotated = issue_token(store, "ann", SYSTEM)
    assert check_token(store, issued.token)[0] is None and check_token(store, rotated.token)[1] == ""
    with pytest.raises(NotFound):
        issue_token(store, "nobody", SYSTEM)


def test_a_token_is_read_with_the_data_version_and_a_stored_entry(store: Store) -> None:
    """``token_read``: the token's user, the data version and one analytics
    entry in one read, each as the separate reads give it."""
    add_user(store, "ann", "analyst", None, SYSTEM)
    token_id = issue_token(store, "ann", SYSTEM).token.split(".")[0]
    store.put_analytics("response:x", b"payload \x00\xff", store.data_version(), "2025-01-01T00:00:00+00:00")
    read = store.token_read(token_id, "response:x")
    assert read.user == store.user_by_token(token_id) and read.user is not None
    assert read.data_version == store.data_version() and read.trade_version == store.trade_version()
    assert read.entry_name == "response:x" and read.entry == store.get_analytics("response:x")
    assert read.entry is not None and read.entry[2] == b"payload \x00\xff"
    nobody = store.token_read("000000000000", "response:missing")
    assert nobody.user is None and nobody.entry is None and nobody.data_version == store.data_version()
    alone = store.token_read(token_id)
    assert alone.user == read.user and alone.entry_name is None and alone.entry is None
    assert store.token_read("", "response:x").user is None
    store.upsert_firms([Firm("F1", name="一")])  # a write moves the version the read returns
    assert store.token_read(token_id).data_version == store.data_version() != read.data_version
    trades = store.trade_version()
    store.change_consent([ConsentEvent("F1", "B1", GRANT, "ann", "2025-01-01T00:00:00+00:00")])
    after = store.token_read(token_id)
    assert (after.data_version, after.trade_version) == (store.data_version(), trades) and trades < after.data_version


def test_a_token_is_read_with_its_banks_consent_version_and_stored_entry(store: Store) -> None:
    """``token_read`` with ``bank_entry`` (head, tail): for a user with a
    bank, the entry named head + bank + tail and the bank's consent version,
    each as the separate reads give it; for a user without one, neither."""
    store.upsert_firms([Firm("F1", name="一")])
    add_user(store, "olga", "credit_officer", "B1", SYSTEM)
    add_user(store, "ann", "analyst", None, SYSTEM)
    olga = issue_token(store, "olga", SYSTEM).token.split(".")[0]
    ann = issue_token(store, "ann", SYSTEM).token.split(".")[0]
    store.change_consent([ConsentEvent("F1", "B1", GRANT, "ann", "2025-01-01T00:00:00+00:00")])
    store.put_analytics("response:bank:B1|x", b"\x00b1", store.data_version(), "2025-01-01T00:00:00+00:00")
    read = store.token_read(olga, "response:x", ("response:bank:", "|x"))
    assert read.user is not None and read.user.bank == "B1" and read.entry is None
    assert read.bank_entry_name == "response:bank:B1|x"
    assert read.bank_entry == store.get_analytics("response:bank:B1|x") and read.bank_entry is not None
    assert read.consent_version == store.consent_version("B1") > 0
    missing = store.token_read(olga, None, ("response:bank:", "|y"))
    assert missing.bank_entry_name == "response:bank:B1|y" and missing.bank_entry is None
    assert store.token_read(olga).bank_entry_name is None and store.token_read(olga).consent_version == read.consent_version
    plain = store.token_read(ann, "response:x", ("response:bank:", "|x"))
    assert (plain.bank_entry_name, plain.bank_entry, plain.consent_version) == (None, None, 0)
    nobody = store.token_read("000000000000", None, ("response:bank:", "|x"))
    assert nobody.user is None and nobody.bank_entry is None and nobody.consent_version == 0
    store.change_consent([ConsentEvent("F1", "B1", REVOKE, "ann", "2025-01-02T00:00:00+00:00")])
    assert store.token_read(olga).consent_version == store.consent_version("B1") > read.consent_version


def test_passwords_are_argon2(store: Store) -> None:
    add_user(store, "ann", "analyst", None, SYSTEM)
    assert check_password(store, "ann", "whatever it is")[1] == "wrong password"  # none set
    with pytest.raises(InputError):
        set_password(store, "ann", "short", SYSTEM)
    set_password(store, "ann", "correct horse battery staple", SYSTEM)
    assert store.get_user("ann").password_hash.startswith("$argon2id$")  # type: ignore[union-attr]
    assert check_password(store, "ann", "correct horse battery staple")[1] == ""
    assert check_password(store, "ann", "correct horse battery stapler")[1] == "wrong password"
    assert check_password(store, "nobody", "correct horse battery staple") == (None, "unknown user")


def test_a_password_easy_to_guess_is_refused(store: Store) -> None:
    """Found by an administrator: aaaaaaaaaaaa and kobayashi123 were accepted."""
    add_user(store, "kobayashi", "analyst", None, SYSTEM)
    for weak in ("aaaaaaaaaaaa", "abababababab", "Kobayashi123!", "1212121212121"):
        with pytest.raises(InputError, match="easy to guess"):
            set_password(store, "kobayashi", weak, SYSTEM)
    assert store.get_user("kobayashi").password_hash == ""  # type: ignore[union-attr]
    set_password(store, "kobayashi", "yonago harbour at dawn", SYSTEM)


def test_user_rules(store: Store) -> None:
    with pytest.raises(InputError, match="bound to one bank"):
        add_user(store, "co", "credit_officer", None, SYSTEM)
    with pytest.raises(InputError, match="only a credit officer"):
        add_user(store, "an", "analyst", "B1", SYSTEM)
    with pytest.raises(InputError, match="unknown role"):
        add_user(store, "an", "boss", None, SYSTEM)
    with pytest.raises(InputError, match="user name"):
        add_user(store, "no spaces", "analyst", None, SYSTEM)
    with pytest.raises(InputError, match="bank"):
        add_user(store, "co", "credit_officer", "B1;B2", SYSTEM)
    add_user(store, "co", "credit_officer", " 0179 ", SYSTEM)
    assert store.get_user("co").bank == "0179"  # type: ignore[union-attr]
    with pytest.raises(InputError, match="exists"):
        add_user(store, "co", "analyst", None, SYSTEM)


def test_consent_changes_state_and_history_together(store: Store) -> None:
    store.upsert_firms([Firm("A"), Firm("B", consented_banks=("B9",))])
    v0 = store.data_version()
    applied = store.change_consent([
        ConsentEvent("A", "B1", GRANT, "ann", "2025-01-01T00:00:00.000001+00:00"),
        ConsentEvent("A", "B2", GRANT, "ann", "2025-01-01T00:00:00.000002+00:00"),
        ConsentEvent("A", "B1", GRANT, "ann", "2025-01-01T00:00:00.000003+00:00"),  # granted already
        ConsentEvent("B", "B7", REVOKE, "ann", "2025-01-01T00:00:00.000004+00:00"),  # never granted
        ConsentEvent("B", "B9", REVOKE, "ann", "2025-01-01T00:00:00.000005+00:00"),
    ])
    assert [(e.firm_id, e.bank, e.action) for e in applied] == [
        ("A", "B1", GRANT), ("A", "B2", GRANT), ("B", "B9", REVOKE)]
    assert store.data_version() != v0  # answers cached by data version are recomputed
    assert store.trade_version() == v0  # answers derived from the trade data alone are not
    assert store.get_firm("A").consented_banks == ("B1", "B2")  # type: ignore[union-attr]
    assert store.get_firm("B").consented_banks == ()  # type: ignore[union-attr]
    assert store.consent_history() == applied
    assert store.consent_history(["B"]) == applied[2:]
    assert store.consents() == {"A": ("B1", "B2")}
    assert store.consents("B") == {"B": ()} and store.consents("nobody") == {}

    store.change_consent([ConsentEvent("A", "B1", REVOKE, "bob", "2025-02-01T00:00:00+00:00")])
    assert store.get_firm("A").consented_banks == ("B2",)  # type: ignore[union-attr]
    assert [e.action for e in store.consent_history(["A"])] == [GRANT, GRANT, REVOKE]

    # An unknown firm: nothing of the call is written.
    with pytest.raises(NotFound):
        store.change_consent([ConsentEvent("A", "B5", GRANT, "ann"), ConsentEvent("nobody", "B1", GRANT, "ann")])
    assert store.get_firm("A").consented_banks == ("B2",)  # type: ignore[union-attr]
    assert len(store.consent_history()) == 4
    assert store.change_consent([]) == []


def test_consent_through_the_service_is_audited(store: Store) -> None:
    store.upsert_firms([Firm("A")])
    admin = Principal("root", Role.ADMIN)
    assert change_consent(store, "A", "B1", True, admin)
    assert not change_consent(store, "A", "B1", True, admin)
    assert change_consent(store, "A", "B1", False, admin)
    with pytest.raises(NotFound):
        change_consent(store, "nobody", "B1", True, admin)
    entries, total = store.audit_log(user="root")
    assert total == 4
    assert [(e.action, e.firm_id, e.outcome) for e in reversed(entries)] == [
        ("consent.grant", "A", "ok"), ("consent.grant", "A", "unchanged"), ("consent.revoke", "A", "ok"),
        ("consent.grant", "nobody", "not_found")]
    assert [e.who for e in store.consent_history()] == ["root", "root"]


def test_a_bank_stored_with_a_comma_can_still_be_revoked(store: Store) -> None:
    """Banks may no longer hold ',' (it separates banks); a consent stored
    under such a bank before is still revoked by its id as stored."""
    store.upsert_firms([Firm("A")])
    store.change_consent([ConsentEvent("A", "B1,B2", GRANT, "firm master import")])
    admin = Principal("root", Role.ADMIN)
    with pytest.raises(InputError):
        change_consent(store, "A", "B1,B3", True, admin)
    assert change_consent(store, "A", "B1,B2", False, admin)
    assert store.consents("A") == {"A": ()}


def test_firm_master_records_consent(store: Store, tmp_path: Path) -> None:
    master = tmp_path / "firms.csv"
    master.write_text("firm_id,name,is_client,consented_banks\nA,株式会社A,1,B1;B2\nB,株式会社B,1,\n",
                      encoding="utf-8")
    summary = import_firms(store, master, tmp_path / "rejects")
    assert summary.consent_changes == 2
    assert store.get_firm("A").consented_banks == ("B1", "B2")  # type: ignore[union-attr]
    assert store.get_firm("B").consented_banks == ()  # type: ignore[union-attr]
    assert {(e.firm_id, e.bank, e.action, e.who) for e in store.consent_history()} == {
        ("A", "B1", GRANT, FIRM_MASTER), ("A", "B2", GRANT, FIRM_MASTER)}
    # The same master again changes nothing; an explicit revocation survives it.
    assert import_firms(store, master, tmp_path / "rejects").consent_changes == 0
    change_consent(store, "A", "B2", False, Principal("root", Role.ADMIN))
    assert import_firms(store, master, tmp_path / "rejects").consent_changes == 0
    assert store.get_firm("A").consented_banks == ("B1",)  # type: ignore[union-attr]
    # A master that no longer lists B1 withdraws it; an explicit grant stays.
    change_consent(store, "B", "B3", True, Principal("root", Role.ADMIN))
    master.write_text("firm_id,name,is_client,consented_banks\nA,株式会社A,1,\nB,株式会社B,1,\n",
                      encoding="utf-8")
    assert import_firms(store, master, tmp_path / "rejects").consent_changes == 1
    assert store.get_firm("A").consented_banks == ()  # type: ignore[union-attr]
    assert store.get_firm("B").consented_banks == ("B3",)  # type: ignore[union-attr]
    assert store.consent_history(["A"])[-1] == ConsentEvent(
        "A", "B1", REVOKE, FIRM_MASTER, store.consent_history(["A"])[-1].at)


def test_a_firm_master_lists_banks_with_commas_too(store: Store, tmp_path: Path) -> None:
    """A consent cell typed as a list with commas (a spreadsheet user's) is
    two banks, never one bank named "B1,B2"; each change is in the summary."""
    master = tmp_path / "firms.csv"
    master.write_text('firm_id,name,is_client,consented_banks\nA,株式会社A,1,"B1,B2"\nC,株式会社C,1,B1、B3\n',
                      encoding="utf-8")
    summary = import_firms(store, master, tmp_path / "rejects")
    assert store.get_firm("A").consented_banks == ("B1", "B2")  # type: ignore[union-attr]
    assert store.get_firm("C").consented_banks == ("B1", "B3")  # type: ignore[union-attr]
    assert summary.firms_added == 2 and summary.consent_changes == 4
    assert sorted((c["firm_id"], c["bank"], c["action"]) for c in summary.consents) == [
        ("A", "B1", GRANT), ("A", "B2", GRANT), ("C", "B1", GRANT), ("C", "B3", GRANT)]


def test_master_consent_rules() -> None:
    at = "2025-01-01T00:00:00+00:00"
    history = [ConsentEvent("A", "B1", GRANT, FIRM_MASTER, at), ConsentEvent("A", "B1", REVOKE, "root", at),
               ConsentEvent("A", "B4", GRANT, "root", at)]
    events = master_consent({"A": ("B1", "B2")}, {"A": ("B3", "B4")}, history, at)
    # B1 revoked explicitly stays revoked; B2 new; B3 without history came from a master: withdrawn;
    # B4 granted explicitly stays.
    assert [(e.bank, e.action) for e in events] == [("B2", GRANT), ("B3", REVOKE)]


def test_consent_history_lists_changes_in_the_order_they_were_applied(store: Store) -> None:
    """The history is in the order the changes were applied — the order the
    firm's state follows — also where a later change carries an earlier
    time (a clock behind, or two changes racing): on both stores (Neo4j had
    sorted by the time given)."""
    store.upsert_firms([Firm("A")])
    later = store.change_consent([ConsentEvent("A", "B1", GRANT, "ann", "2025-01-02T00:00:00.000000+00:00")])
    earlier = store.change_consent([ConsentEvent("A", "B1", REVOKE, "bob", "2025-01-01T00:00:00.000000+00:00")])
    assert store.get_firm("A").consented_banks == ()  # type: ignore[union-attr]
    assert store.consent_history() == store.consent_history(["A"]) == later + earlier


def test_audit_log_is_append_only_and_filtered(store: Store) -> None:
    entries = [
        AuditEntry("ann", "analyst", None, "firm.ego", "F1", "ok", "", "2025-01-01T00:00:00.000000+00:00"),
        AuditEntry("bob", "credit_officer", "B1", "firm.ego", "F2", "denied", "x",
                   "2025-01-02T00:00:00.000000+00:00"),
        AuditEntry("ann", "analyst", None, "export", None, "ok", "csv", "2025-01-03T00:00:00.000000+00:00"),
    ]
    v0 = store.data_version()
    store.append_audit(entries)
    store.append_audit([])
    assert store.data_version() == v0  # the log is not data: cached answers stay valid
    page, total = store.audit_log()
    assert total == 3 and page == entries[::-1]  # newest first, every field kept
    assert store.audit_log(user="ann")[1] == 2
    assert store.audit_log(firm_id="F2")[0] == [entries[1]]
    assert store.audit_log(action="export")[0] == [entries[2]]
    assert store.audit_log(since=utc_iso("2025-01-02"))[1] == 2
    assert store.audit_log(since=utc_iso("2025-01-02T09:00:00+09:00"))[1] == 2  # = 00:00 UTC
    assert store.audit_log(user="ann", since=utc_iso("2025-01-02"))[0] == [entries[2]]
    assert store.audit_log(limit=1, offset=1) == ([entries[1]], 3)
    assert store.audit_log(limit=5, offset=3) == ([], 3)
    # a window of days (``until`` exclusive), and a kind of action by its prefixes
    assert store.audit_log(since=utc_iso("2025-01-02"), until=utc_iso("2025-01-03"))[0] == [entries[1]]
    assert store.audit_log(action_prefixes=["firm."])[1] == 2
    assert store.audit_log(action_prefixes=["exp", "nothing."])[0] == [entries[2]]
    assert store.audit_log(action_prefixes=[])[1] == 0


def test_audit_entries_of_the_same_microsecond_list_in_the_order_they_were_appended(store: Store) -> None:
    """Newest first, and among entries with the same time the later appended
    first, on both stores (Neo4j had ordered such ties by their random ids)."""
    at = "2025-02-01T00:00:00.000000+00:00"
    first = [AuditEntry("ann", "analyst", None, "firm.ego", f"F{i}", "ok", "", at) for i in range(3)]
    second = [AuditEntry("bob", "credit_officer", "B1", "firm.view", f"F{i}", "ok", "", at) for i in range(2)]
    store.append_audit(first)
    store.append_audit(second)
    newest_first = (first + second)[::-1]
    assert store.audit_log() == (newest_first, 5)
    assert [store.audit_log(limit=2, offset=n)[0] for n in (0, 2, 4)] == [
        newest_first[0:2], newest_first[2:4], newest_first[4:]]


def test_no_store_method_changes_history_or_audit() -> None:
    """The interface can only append to and list the consent history and the
    audit log; consent changes only through change_consent."""
    from queries.store import Store as Protocol

    names = {n for n, _ in inspect.getmembers(Protocol, inspect.isfunction)}
    touching = {n for n in names if "audit" in n or "consent" in n}
    assert touching == {"append_audit", "audit_log", "change_consent", "consent_history", "consents",
                        "consent_version"}  # a read


def test_embedded_tables_refuse_changes(embedded_store: Store, tmp_path: Path) -> None:
    """Even SQL run against the file cannot change or delete an entry."""
    embedded_store.upsert_firms([Firm("A")])
    embedded_store.change_consent([ConsentEvent("A", "B1", GRANT, "ann")])
    embedded_store.append_audit([AuditEntry("ann", "analyst", None, "firm.ego", "A")])
    conn = sqlite3.connect(tmp_path / "home" / "torihiki.sqlite3")
    for sql in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log",
                "UPDATE consent_events SET who = 'x'", "DELETE FROM consent_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()
