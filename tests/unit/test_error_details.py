"""An error page's detail in the page's language (api.web.i18n.Locale.detail)."""

from __future__ import annotations

from api.web.i18n import locale_for


def test_known_refusals_are_translated_with_their_names() -> None:
    ja = locale_for("ja")
    assert ja.detail("no firm 'F000009'") == "企業 F000009 は見つかりません。"
    assert ja.detail("no load 'b-1'") == ja.detail("no batch 'b-1'") == "取込 b-1 は見つかりません。"
    assert ja.detail("no alert 'a7'") == "アラート a7 は見つかりません。"
    assert ja.detail("no drawn partner 'F2' of firm 'F1'") == "企業 F2 は F1 の取引ネットワーク図に含まれていません。"
    assert locale_for("en").detail("no firm 'F000009'") == "No firm F000009."


def test_catalog_entries_first_and_unknown_text_as_is() -> None:
    ja = locale_for("ja")
    assert ja.detail("this page is not for your role") == "このページはあなたの役割では利用できません。"
    assert ja.detail("something else 'x'") == "something else 'x'"
    assert ja.detail("no firm 'a'b'") == "no firm 'a'b'"  # not one of the known forms: as is
