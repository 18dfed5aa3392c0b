"""Japanese is the default language of every page: each English message the
templates and the UI code mark for translation has a Japanese translation
in the catalogs (``api/locale/ja/LC_MESSAGES/*.po``), and each catalog
reads cleanly."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.web.i18n import LOCALE_DIR
from api.web.nav import nav_items, role_label
from queries.access import Role

API = Path(__file__).resolve().parents[2] / "api"
# How messages are marked: `_()` / `gettext()` / `ngettext()` in templates and
# Python, `loc.gettext()` and `gettext_lazy`-style `N_()` marks in Python.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _japanese() -> dict[str, str]:
    out: dict[str, str] = {}
    for po in sorted((LOCALE_DIR / "ja" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale="ja")
        for m in catalog:
            if m.id and m.string:
                key = m.id[0] if isinstance(m.id, tuple) else m.id
                out[str(key)] = str(m.string[0] if isinstance(m.string, tuple) else m.string)
    return out


def _marked() -> dict[str, str]:
    """msgid → where it is first marked."""
    found: dict[str, str] = {}
    method_map = [("templates/**.html", "jinja2"), ("web/**.py", "python"), ("routes/**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(API), method_map, options_map=options, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(str(msgid), filename)
    return found


def test_every_marked_message_has_a_japanese_translation() -> None:
    ja = _japanese()
    marked = _marked()
    assert len(marked) > 100  # the extraction found the UI's messages
    missing = {m: where for m, where in marked.items() if m not in ja}
    assert not missing, f"{len(missing)} messages without Japanese: {dict(list(missing.items())[:20])}"


def test_menu_and_role_names_are_translated() -> None:
    ja = _japanese()
    labels = {label for r in Role for _, label in nav_items(r)} | {role_label(r) for r in Role}
    assert not {x for x in labels if x not in ja}


def test_translations_keep_their_placeholders() -> None:
    """A translation that drops or renames ``%(n)s`` would fail when rendered."""
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    bad = {m: t for m, t in _japanese().items() if set(pattern.findall(m)) != set(pattern.findall(t))}
    assert not bad, bad


def test_a_message_in_several_catalogs_has_one_translation() -> None:
    """Catalogs are merged (the last file wins), so a message translated
    differently in two areas would change with the order of the files."""
    seen: dict[str, tuple[str, str]] = {}
    differ = []
    for po in sorted((LOCALE_DIR / "ja" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            for m in read_po(f, locale="ja"):
                if not m.id:
                    continue
                key = str(m.id[0] if isinstance(m.id, tuple) else m.id)
                text = str(m.string[0] if isinstance(m.string, tuple) else m.string)
                if key in seen and seen[key][1] != text:
                    differ.append((key, seen[key], (po.name, text)))
                seen.setdefault(key, (po.name, text))
    assert not differ, differ


def test_whole_numbers_are_formatted_as_babel_formats_them() -> None:
    """Locale.number takes a short cut for whole numbers (the yen amounts of a
    network view, thousands per page); it must print what babel prints."""
    import random

    from babel.numbers import format_decimal

    from api.web.i18n import Locale

    rng = random.Random(8)
    values = [0, 1, -1, 999, 1_000, -1_234_567, 10**15, *(rng.randint(-10**13, 10**13) for _ in range(2_000))]
    for lang, babel_locale in (("ja", "ja_JP"), ("en", "en_US")):
        loc = Locale(lang)  # type: ignore[arg-type]
        for v in values:
            assert loc.number(v) == format_decimal(v, format="#,##0", locale=babel_locale)
        assert loc.yen(1234567.5) == ("1,234,568円" if lang == "ja" else "¥1,234,568")


def test_whatif_notes_are_translated_with_their_values() -> None:
    """The what-if notes come from graph/ as English templates; the page
    translates each one, keeping every value it names."""
    import re

    from graph.contagion import WHATIF_NOTES

    ja = _japanese()
    for key, template in WHATIF_NOTES.items():
        assert template in ja, f"what-if note {key!r} has no Japanese translation"
        assert sorted(re.findall(r"%\((\w+)\)s", ja[template])) == sorted(re.findall(r"%\((\w+)\)s", template))


def test_audit_actions_and_outcomes_are_translated() -> None:
    """The audit log page names each action and outcome in words (the
    labels of :mod:`api.web.audit_labels`, translated when shown)."""
    from api.web.audit_labels import _OUTCOMES, ACTIONS, GROUPS

    ja = _japanese()
    labels = [*ACTIONS.values(), *_OUTCOMES.values(), *(label for label, _ in GROUPS.values())]
    assert not {x for x in labels if x not in ja}


def test_every_measure_help_line_is_translated() -> None:
    """The line under each peer measure (:mod:`api.web.measure_help`) reads in Japanese."""
    from api.web.measure_help import MEASURE_HELP

    ja = _japanese()
    assert not {k for k, v in MEASURE_HELP.items() if v not in ja}
