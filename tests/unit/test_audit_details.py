"""The audit log page's details in the reader's language (api.web.audit_labels.detail_text)."""

from __future__ import annotations

import pytest

from api.web.audit_labels import detail_text
from api.web.i18n import locale_for


@pytest.mark.parametrize(("detail", "shown"), [
    ("wrong password from 10.0.0.7", "パスワードの誤り（接続元 10.0.0.7）"),
    ("from 10.0.0.7", "接続元 10.0.0.7"),
    ("kato as credit_officer of bank bank:sanin", "kato（bank:sanin の融資担当者）"),
    ("ann as analyst", "ann（BPOアナリスト）"),
    ("kato (given: to be changed at the next sign-in)", "kato（管理者が設定したパスワード：次回ログイン時に変更）"),
    ("portfolio CSV in the web UI: 3 clients; sort gap; filters none",
     "画面からポートフォリオCSV：顧問先 3 社、並び順 gap、絞り込みなし"),
    ("b0123456789abcdef: 12 trades, 0 payments, 1 unnamed, 2 firms, 1 batches; file 仕訳帳 4月.csv",
     "b0123456789abcdef（仕訳帳 4月.csv）：取引 12 件・入出金 0 件・取引先名のない系列 1 件を削除、"
     "この取込だけにあった企業 2 社を削除"),
    ("upload 4月.csv: batch b0123 loaded", "アップロード 4月.csv：取込 b0123 として取り込みました"),
    ("research export (csv, 2023-04–2025-03) through the API: 4071 firms pseudonymised; data version 36; "
     "zip sha256 ab12", "研究用エクスポート（csv、2023-04〜2025-03）API 経由：4071 社を仮名化、データ版 36、zip SHA-256 ab12"),
    ("kind=top_partner_lost since=2025-03", "絞り込み：種類 top_partner_lost、2025-03 以降"),
    ("kind= since=", "絞り込みなし"),
    ("OutsideWindow", "データの期間外"),
    ("firms import firms.csv: 12 rows, 2 consent changes", "企業マスタの取込 firms.csv：12 行、同意の変更 2 件"),
    ("ingest: 1 files (1 loaded, 0 already loaded, 0 failed): 2 rows loaded, 0 rejected, 0 skipped, "
     "0 spellings to review; 1 files repeat months of another load",
     "コマンドによる取込：1 ファイル（取込 1、取込済み 0、失敗 0）：2 行を取込、0 行を除外、0 行を対象外、"
     "名寄せ確認待ち 0 件、1 ファイルが他の取込と月が重複"),
    ("load delivery: firms: 3 rows; ledgers: 2 files (2 loaded, 0 already loaded, 0 failed): 9 rows loaded, "
     "1 rejected, 0 skipped, 0 spellings to review",
     "納品フォルダ delivery をコマンドで取込：企業マスタ：3 行、帳簿：2 ファイル（取込 2、取込済み 0、失敗 0）："
     "9 行を取込、1 行を除外、0 行を対象外、名寄せ確認待ち 0 件"),
    ("load delivery: firms: 3 rows; ledgers: 2 files (2 loaded, 0 already loaded, 0 failed): 9 rows loaded, "
     "1 rejected, 0 skipped, 0 spellings to review; 1 files repeat months of another load",
     "納品フォルダ delivery をコマンドで取込：企業マスタ：3 行、帳簿：2 ファイル（取込 2、取込済み 0、失敗 0）："
     "9 行を取込、1 行を除外、0 行を対象外、名寄せ確認待ち 0 件、1 ファイルが他の取込と月が重複"),
    ("firms import f.csv: 4 rows, clients ended: C1, C2", "企業マスタの取込 f.csv：4 行、顧問先の終了：C1, C2"),
])
def test_known_details_are_shown_in_japanese(detail: str, shown: str) -> None:
    assert detail_text(detail, locale_for("ja")) == shown


@pytest.mark.parametrize("detail", [
    "admin",  # a user enabled or disabled is named by the user's name, not read as a role
    "researcher",
    "none",
    "registry",  # a user named like a reference file
    "portfolio CSV in the web UI: 3 clients; sort gap; filters q=foo as admin",  # what a user typed stays
    "bob as wizard",
])
def test_other_details_stay_as_written(detail: str) -> None:
    shown = detail_text(detail, locale_for("ja"))
    assert shown == detail or shown.endswith("絞り込み q=foo as admin"), shown


def test_english_keeps_the_words_of_the_log() -> None:
    assert detail_text("wrong password from 10.0.0.7", locale_for("en")) == "wrong password, from 10.0.0.7"


def test_a_user_named_like_an_error_stays_a_user() -> None:
    """A user's entry (enabled, disabled, a password set) names the user: a
    user called ``Cancelled`` is not "the client went away"; a refused read's
    error class is translated."""
    ja = locale_for("ja")
    assert detail_text("Cancelled", ja, "user.disable") == "Cancelled"
    assert detail_text("NotFound", ja, "user.enable") == "NotFound"
    assert detail_text("Cancelled", ja, "firm.ego") == "利用者側が接続を切りました"
    assert detail_text("OutsideWindow", ja, "ui.firm.whatif") == "データの期間外"
