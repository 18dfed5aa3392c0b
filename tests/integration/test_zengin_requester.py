"""A 全銀 file loaded for a client whose name does not read like the file's
振込依頼人 (another company's file, the wrong client picked) loads, and says
so: in the upload's result and its load's page, in `torihiki load`'s line
and its JSON. Noticed in a walkthrough: such a file loaded with no word,
its payments counted as the chosen client's. Compared only where the
client's reading is known (registry フリガナ, or a kana name).

The file is the study's sample written by another tool (requester ｽﾗﾋﾞ).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.load_checks import find_overlaps
from api.service import ingest_file
from ingest.readers.zengin import requester_names
from ingest.requester import client_readings, unlike
from queries.model import Firm, RegistryRecord
from queries.store import Store
from tests.conftest import make_tokens
from tests.integration.test_ui_analyst import _app_client, _cn, _csrf, _login, _settings

SAMPLE = Path(__file__).parents[1] / "fixtures" / "shared" / "data" / "external" / \
    "zengin_sogo_furikomi_single-transaction.txt"
OTHER = _cn(280001000101)  # 株式会社取込元, read トリコミモト in the registry


def other_requesters(store: Store, client_id: str, names: list[str]) -> list[str]:
    """What the load checks find of a file of these requester names loaded for ``client_id``."""
    own = client_readings(store, [client_id]).get(client_id)
    return unlike(own, names) if own is not None else []


def _firms(store: Store) -> None:
    store.upsert_registry([RegistryRecord(OTHER, "株式会社取込元", "301", furigana="トリコミモト")])
    store.upsert_firms([Firm("OWN", "株式会社スラビ", is_client=True),  # a kana name: its reading is itself
                        Firm("OTHER", "株式会社取込元", corporate_number=OTHER, is_client=True),
                        Firm("UNREAD", "株式会社読不明", is_client=True)])  # no 法人番号: no reading known


def test_the_requester_is_compared_where_the_clients_reading_is_known(store: Store) -> None:
    _firms(store)
    assert requester_names(SAMPLE) == ["ｽﾗﾋﾞ"]
    assert other_requesters(store, "OWN", ["ｽﾗﾋﾞ"]) == []
    assert other_requesters(store, "OTHER", ["ｽﾗﾋﾞ"]) == ["ｽﾗﾋﾞ"]
    assert other_requesters(store, "OTHER", ["ﾄﾘｺﾐﾓﾄ(ｶ"]) == []  # its own name in bank kana
    assert other_requesters(store, "UNREAD", ["ｽﾗﾋﾞ"]) == []  # cannot tell: no word rather than a false one
    assert other_requesters(store, "NOBODY", ["ｽﾗﾋﾞ"]) == []


@pytest.mark.parametrize("client, warned", [("OTHER", True), ("OWN", False), ("UNREAD", False)])
def test_a_cli_load_says_so(store: Store, tmp_path: Path, client: str, warned: bool) -> None:
    _firms(store)
    summary = find_overlaps(store, ingest_file(store, SAMPLE, client, "zengin", tmp_path / "rejects", progress=False))
    assert summary.rows_loaded == 1  # loaded either way
    assert summary.other_requesters == (["ｽﾗﾋﾞ"] if warned else [])
    assert summary.to_dict()["other_requesters"] == summary.other_requesters  # `load --json`
    line = summary.describe()
    assert ("振込依頼人 of this 全銀 file (ｽﾗﾋﾞ) does not read like the name of client OTHER" in line) is warned
    assert (f"torihiki batches rollback {summary.batch_id}" in line) is warned


def test_the_upload_says_so_in_japanese(store: Store, tmp_path: Path) -> None:
    _firms(store)
    body = SAMPLE.read_bytes()
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        one = c.post("/ui/loads", data={"csrf": csrf, "client_id": "OTHER", "format": "zengin", "year": "2024"},
                     files={"file": ("furikomi.txt", body, "text/plain")})
        assert one.status_code == 200 and "取込 1 行、エラー 0 行" in one.text  # loaded, on its page
        assert "この全銀ファイルの振込依頼人（ｽﾗﾋﾞ）は、顧問先名の読みと似ていません。" in one.text
        assert "取り込み直してください" in one.text
        # two files at once: the results table says it on the file's row
        both = c.post("/ui/loads", data={"csrf": csrf, "client_id": "OTHER", "format": "zengin", "year": "2023"},
                      files=[("file", ("a.txt", body, "text/plain")), ("file", ("b.txt", body + b"\r\n", "text/plain"))])
        results = both.text.split('class="card upload-results"')[1].split("</table>")[0]
        assert results.count('class="other-requester"') == 2
        right = c.post("/ui/loads", data={"csrf": csrf, "client_id": "OWN", "format": "zengin", "year": "2024"},
                       files={"file": ("furikomi.txt", body, "text/plain")})
        assert right.status_code == 200 and "other-requester" not in right.text
        api = c.post("/ingest", data={"client_id": "OTHER", "format": "zengin", "year": "2022"},
                     headers=make_tokens(store)["analyst"], files={"file": ("furikomi.txt", body, "text/plain")})
        assert api.status_code == 200 and api.json()["other_requesters"] == ["ｽﾗﾋﾞ"]


def test_torihiki_ingest_prints_it(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """`torihiki ingest FILE --client` prints the warning under the file's line (a single file)."""
    from tests.integration.conftest import run

    _firms(cli)
    code, out, _ = run(capsys, "ingest", str(SAMPLE), "--client", "OTHER", "--format", "zengin", "--year", "2024",
                       "--no-refresh")
    assert code == 0
    assert "  warning: the 振込依頼人 of this 全銀 file (ｽﾗﾋﾞ) does not read like the name of client OTHER" in out
    code, out, _ = run(capsys, "ingest", str(SAMPLE), "--client", "OWN", "--format", "zengin", "--year", "2024",
                       "--no-refresh")
    assert code == 0 and "振込依頼人" not in out


def test_a_delivery_run_names_its_files_of_another_requester(cli: Store, capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    """A run of many files (a manifest): the files whose requester is not their
    client's are printed after the run, counted in its total line (and in the
    audit page's words), and listed in the run's JSON."""
    import json

    from api.web.audit_labels import detail_text
    from api.web.i18n import locale_for
    from tests.integration.conftest import run

    _firms(cli)
    body = SAMPLE.read_bytes()
    (tmp_path / "a.txt").write_bytes(body)
    (tmp_path / "b.txt").write_bytes(body + b"\r\n")
    (tmp_path / "m.csv").write_text("path,client_id,format\n"
                                    f"{tmp_path / 'a.txt'},OTHER,zengin\n{tmp_path / 'b.txt'},OWN,zengin\n",
                                    encoding="utf-8")
    code, out, _ = run(capsys, "ingest", "--manifest", str(tmp_path / "m.csv"), "--year", "2024", "--no-refresh")
    assert code == 0
    assert f"{tmp_path / 'a.txt'} (batch " in out and "does not read like the name of client OTHER" in out
    assert "name of client OWN" not in out
    total = next(line for line in out.splitlines() if line.startswith("total: "))
    assert total.endswith("; 1 全銀 files name another 振込依頼人 than their client")
    shown = detail_text(f"ingest: {total.removeprefix('total: ')}", locale_for("ja"))
    assert shown.endswith("1 ファイルで振込依頼人が顧問先名と異なる"), shown
    (tmp_path / "c.txt").write_bytes(body + b"\r\n\r\n")
    (tmp_path / "m2.csv").write_text("path,client_id,format\n"
                                     f"{tmp_path / 'c.txt'},OTHER,zengin\n{tmp_path / 'a.txt'},OTHER,zengin\n",
                                     encoding="utf-8")
    code, out, _ = run(capsys, "ingest", "--manifest", str(tmp_path / "m2.csv"), "--year", "2024", "--no-refresh",
                       "--json")
    checks = json.loads(out.splitlines()[-1])
    assert code == 0 and [r["names"] for r in checks["other_requesters"]] == [["ｽﾗﾋﾞ"], ["ｽﾗﾋﾞ"]]


@pytest.mark.parametrize("requester", [
    "ｶ)ﾄﾘｺﾐﾓﾄ", "ﾄﾘｺﾐﾓﾄ(ｶ", "ｶ)ﾄﾘｺﾐﾓﾄ ﾀﾞｲﾋﾖｳﾄﾘｼﾏﾘﾔｸ ﾔﾏﾀﾞﾀﾛｳ",  # its representative after it
    "ｶ)ﾄﾘｺﾐﾓﾄ ｹｲﾘﾌﾞ", "ｶ)ﾄﾘｺﾐﾓﾄﾎﾝｼﾔ", "ｶﾌﾞｼｷｶﾞｲｼﾔﾄﾘｺﾐﾓﾄ",  # a department, the head office, the form in words
    "ｶ)ﾄﾘｺﾐﾓ",  # cut at the field's end
    "ABCｼﾖｳｼﾞ(ｶ",  # latin: not compared
])
def test_an_account_name_that_says_more_reads_like_the_client(requester: str) -> None:
    from ingest.names import normalize_name
    from ingest.requester import unlike

    own = normalize_name("株式会社取込元", furigana="トリコミモト")
    assert unlike(own, [requester]) == []
    assert unlike(own, ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", requester]) == ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"]


def test_clients_that_cannot_be_compared_are_not(store: Store) -> None:
    """A sole proprietor in kana (its transfers may name its owner), a latin
    name without a reading, a kanji name without one: no word. A latin name
    with the registry's reading is compared by it."""
    number = _cn(280001000109)
    store.upsert_registry([RegistryRecord(number, "株式会社K-TECリース", "301", furigana="ケーテックリース")])
    store.upsert_firms([Firm("SOLE", "ヘアサロンスマイル", is_client=True),
                        Firm("LATIN", "株式会社ABC商事", is_client=True),
                        Firm("KTEC", "株式会社K-TECリース", corporate_number=number, is_client=True)])
    assert other_requesters(store, "SOLE", ["ﾔﾏﾀﾞ ﾊﾅｺ"]) == []
    assert other_requesters(store, "LATIN", ["ｽﾗﾋﾞ"]) == []
    assert other_requesters(store, "KTEC", ["ｶ)ｹｰﾃﾂｸﾘｰｽ"]) == []
    assert other_requesters(store, "KTEC", ["ｽﾗﾋﾞ"]) == ["ｽﾗﾋﾞ"]


def test_a_payroll_file_is_not_checked(store: Store, tmp_path: Path) -> None:
    """給与振込 headers name the employer too, but none of their lines load."""
    _firms(store)
    payroll = Path(__file__).parents[1] / "fixtures" / "ledgers" / "zengin_payroll.txt"
    assert requester_names(payroll) == []
    summary = find_overlaps(store, ingest_file(store, payroll, "OTHER", "zengin", tmp_path / "rejects",
                                               progress=False))
    assert summary.rows_loaded == 0 and summary.other_requesters == []
