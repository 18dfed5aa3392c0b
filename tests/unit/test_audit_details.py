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
])
def test_known_details_are_shown_in_japanese(detail: str, shown: str) -> None:
    assert detail_text(detail, locale_for("ja")) == shown


@pytest.mark.parametrize("detail", [
    "admin",  # a user enabled or disabled is named by the user's name, not read as a role
    "researcher",
    "none",
    "portfolio CSV in the web UI: 3 clients; sort gap; filters q=foo as admin",  # what a user typed stays
    "bob as wizard",
])
def test_other_details_stay_as_written(detail: str) -> None:
    shown = detail_text(detail, locale_for("ja"))
    assert shown == detail or shown.endswith("絞り込み q=foo as admin"), shown


def test_english_keeps_the_words_of_the_log() -> None:
    assert detail_text("wrong password from 10.0.0.7", locale_for("en")) == "wrong password, from 10.0.0.7"
