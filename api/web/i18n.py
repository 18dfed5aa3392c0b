"""Languages of the web UI and the memo: message catalogs and number/date formats.

Messages are written in English in the templates and the code (``_("Sales")``)
and translated through gettext catalogs: every ``*.po`` file under
``api/locale/<lang>/LC_MESSAGES/`` is read at start-up and merged (one file
per area of the UI, so that areas can be translated separately). The
catalogs are read with Babel straight from the ``.po`` text, so there is no
compile step and no ``.mo`` file to keep in step. English needs no catalog.

Japanese is the default: a request's language is ``?lang=`` if given, else
the ``lang`` cookie the language switch sets, else Japanese — not the
browser's ``Accept-Language``, since the people we serve read Japanese first
whatever their browser says.

Numbers, yen and dates are formatted with Babel in the language's locale
(``ja_JP``, ``en_US``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_interval, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

__all__ = ["N_", "Lang", "LANGS", "DEFAULT_LANG", "LANG_COOKIE", "Locale", "locale_for", "lang_of",
           "translations", "LOCALE_DIR", "KnownForms", "known_forms"]

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
DEFAULT_LANG: Lang = "ja"
LANG_COOKIE = "torihiki_lang"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
_BABEL_LOCALE = {"ja": "ja_JP", "en": "en_US"}
TOKYO = ZoneInfo("Asia/Tokyo")
"""Moments (loads, audit entries, alerts) are stored in UTC and shown in
Japan time, the time of everyone who reads them."""


def lang_of(value: str | None) -> Lang:
    """``value`` when it names a language of the UI, else the default."""
    return "en" if value == "en" else DEFAULT_LANG


@cache
def translations(lang: Lang) -> NullTranslations:
    """The merged catalogs of ``lang`` (read once per process)."""
    if lang == "en":
        return NullTranslations()
    merged: Translations | None = None
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=po.stem)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        t = Translations(buf, domain="messages")
        if merged is None:
            merged = t
        else:
            merged.merge(t)
    return merged or NullTranslations()


KnownForms = tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...]
"""English texts other code writes, recognised for a page: (pattern, the
catalogs' message with the pattern's groups as its values, groups that are
themselves such texts)."""


def N_(message: str) -> str:
    """Marks a message for the catalogs (translated when shown, not here)."""
    return message


def known_forms(*forms: tuple[str, str] | tuple[str, str, tuple[str, ...]]) -> KnownForms:
    """:data:`KnownForms` from (pattern, message[, nested groups]) rows."""
    return tuple((re.compile(f[0]), f[1], f[2] if len(f) == 3 else ()) for f in forms)


_DETAILS: KnownForms = known_forms(
    (r"no firm '(?P<id>[^']*)'", "No firm %(id)s."),
    (r"no (?:load|batch) '(?P<id>[^']*)'", "No load %(id)s."),
    (r"no alert '(?P<id>[^']*)'", "No alert %(id)s."),
    (r"no drawn partner '(?P<via>[^']*)' of firm '(?P<id>[^']*)'", "Firm %(via)s is not drawn beside %(id)s."),
    (r"this needs the role (?P<roles>[\w, ]+); you act as (?P<role>\w+)",
     "This needs the role %(roles)s; you act as %(role)s."),
)
"""The details of a refusal (``queries.store.NotFound``'s text, written in
English for the API and the CLI) that an error page shows, as messages
of the catalogs."""


_FISCAL_YEAR = re.compile(r"FY(\d{4})")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _unsigned_zero(value: float, digits: int) -> float:
    """``value``, or ``0.0`` when it rounds to zero at ``digits`` decimals:
    a tiny negative is shown as 0.0, not -0.0."""
    return 0.0 if round(value, digits) == 0 else value


@dataclass(frozen=True, slots=True)
class Locale:
    """One language's translations and formats, handed to templates."""

    lang: Lang

    @property
    def _babel(self) -> str:
        return _BABEL_LOCALE[self.lang]

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def detail(self, text: str) -> str:
        """An error's detail in this language: its catalog entry, or one of
        the known forms with the names in it (:data:`_DETAILS`), else as is."""
        own = self.gettext(text)
        return own if own != text else self.known(text, _DETAILS)

    def known(self, text: str, forms: KnownForms) -> str:
        """``text`` in this language when it has one of ``forms``, else as is."""
        for pattern, message, nested in forms:
            if (m := pattern.fullmatch(text)) is None:
                continue
            values = {k: v for k, v in m.groupdict().items() if v is not None}
            for name in nested:
                values[name] = self.known(values[name], forms)
            return self.gettext(message) % values
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """``1,234`` (``digits`` decimals); an en dash for no value."""
        if value is None:
            return "–"
        if type(value) is int and not digits:
            return f"{value:,}"  # what babel gives for ja_JP and en_US, at a hundredth of the cost
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=fmt, locale=self._babel)

    def yen(self, value: float | int | None) -> str:
        """An amount in yen: ``1,234,567円`` in Japanese, ``¥1,234,567`` in English."""
        if value is None:
            return "–"
        n = self.number(round(value))
        return f"{n}円" if self.lang == "ja" else f"¥{n}"

    def percent(self, value: float | None, digits: int = 1) -> str:
        """A share given as a fraction (0.25 → ``25.0%``)."""
        if value is None:
            return "–"
        value = _unsigned_zero(value, digits + 2)  # -0.00001 is 0.0%, not -0.0%
        return format_percent(value, format="#,##0." + "0" * digits + "%" if digits else "#,##0%",
                              locale=self._babel)

    def points(self, value: float | None, digits: int = 1) -> str:
        """A value already in percent or percentage points (``+3.2``)."""
        if value is None:
            return "–"
        if _unsigned_zero(value, digits) == 0:
            return self.number(0.0, digits)  # no sign: neither +0.0 nor -0.0
        return format_decimal(value, format="+#,##0." + "0" * digits + ";-#,##0." + "0" * digits,
                              locale=self._babel)

    def days(self, value: float | None, digits: int = 1) -> str:
        """A number of days with its unit: ``13.5日`` / ``13.5 days``; an en dash for no value."""
        if value is None:
            return "–"
        n = self.number(value, digits)
        return f"{n}日" if self.lang == "ja" else f"{n} days"

    def period(self, value: str | None) -> str:
        """A period of the management parameters or the peer figures as a
        reader writes it: a fiscal year ``FY2024`` as ``2024年度`` in Japanese
        (``FY2024`` in English: April 2024 – March 2025), a month ``YYYY-MM``
        as :meth:`month`; anything else as is."""
        if not value:
            return "–"
        if (fy := _FISCAL_YEAR.fullmatch(value)) is not None:
            return f"{fy[1]}年度" if self.lang == "ja" else f"FY{fy[1]}"
        return self.month(value) if _MONTH.fullmatch(value) else value

    def month(self, value: str | None) -> str:
        """``YYYY-MM`` as ``2024年4月`` / ``Apr 2024``."""
        if not value:
            return "–"
        try:
            d = date(int(value[:4]), int(value[5:7]), 1)
        except ValueError:
            return value
        return format_skeleton("yMMM", d, locale=self._babel)

    def month_span(self, first: str, last: str) -> str:
        """The months from ``first`` to ``last`` (``YYYY-MM``) as the locale
        writes an interval: ``2025年1月～3月`` / ``Jan – Mar 2025``; one
        month as :meth:`month`."""
        try:
            a, b = (date(int(v[:4]), int(v[5:7]), 1) for v in (first, last))
        except ValueError:
            return f"{first}–{last}"
        return self.month(first) if a == b else format_interval(a, b, "yMMM", locale=self._babel)

    def window(self, text: str) -> str:
        """Months taken by a load (``2025-10..2026-03``, ``2025-10..``,
        ``..2026-03``) in the locale's words: ``2025年10月～2026年3月``, or
        from / up to one month."""
        first, _, last = text.partition("..")
        if first and last:
            return self.month_span(first, last)
        if first:
            return self.gettext("from %(month)s") % {"month": self.month(first)}
        return self.gettext("up to %(month)s") % {"month": self.month(last)} if last else text

    def day(self, value: str | date | datetime | None) -> str:
        """A date in the locale's medium form; a moment (an ISO timestamp,
        UTC unless it says otherwise) as date and time in Japan time, ``JST``."""
        if not value:
            return "–"
        if isinstance(value, str):
            text = value
            try:  # YYYY-MM-DD is a date, a longer text a moment
                value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(
                    text.replace("Z", "+00:00"))
            except ValueError:
                return text
        if isinstance(value, datetime):  # a moment: in Japan time, said so
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
            pattern = "yyyy/MM/dd HH:mm" if self.lang == "ja" else "MMM d, yyyy HH:mm"
            return format_datetime(moment, pattern, tzinfo=TOKYO, locale=self._babel) + " JST"
        return format_date(value, format="medium", locale=self._babel)


@cache
def locale_for(lang: Lang) -> Locale:
    return Locale(lang)
