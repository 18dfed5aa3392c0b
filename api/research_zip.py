"""The research export as one zip file: what a researcher downloads from the
web page (``POST /ui/export``) and fetches through the API
(``GET /export``), made the same way for both.

The export itself (pseudonyms, suppression, rounding, the split of
persons' trade) is :func:`api.export.export_research`; this module checks
the request, takes the researcher's view of one data version, zips the
files and says what to audit: the months covered, the data version and the
zip's SHA-256, so that the file handed out can be told again.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from api.web.i18n import TOKYO
from ingest.load import file_sha256
from queries.scoped import ScopedStore

__all__ = ["ExportRefused", "ResearchZip", "Refusal", "export_key", "research_zip"]

MIN_KEY_CHARS = 16
"""The shortest ``TORIHIKI_EXPORT_KEY`` that turns the export on (characters)."""

_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")

Refusal = Literal["no_key", "invalid", "window", "empty"]
"""Why an export was refused: no key set (409); a malformed month or
format (422); the first month after the last (422); no trade in the
window (422)."""


class ExportRefused(Exception):
    """The export cannot be made; :attr:`reason` says why (:data:`Refusal`)."""

    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.reason: Refusal = reason

    @property
    def status(self) -> int:
        """The HTTP status of the refusal: 409 without a key, else 422."""
        return 409 if self.reason == "no_key" else 422


@dataclass(frozen=True)
class ResearchZip:
    """One export, zipped in a temporary folder (:attr:`work`) that the
    caller removes once the file is sent."""

    path: Path
    work: Path
    summary: dict[str, Any]
    data_version: int
    sha256: str
    filename: str

    def audit_detail(self, where: str) -> str:
        """The audit entry's text: format, months covered (not the request's
        blanks), firms, data version and the zip's SHA-256."""
        s = self.summary
        return (f"research export ({s['format']}, {s['month_from']}–{s['month_to']}) {where}: "
                f"{s['firms']} firms pseudonymised; data version {self.data_version}; zip sha256 {self.sha256}")


def export_key(settings: Any) -> bytes:
    """``TORIHIKI_EXPORT_KEY`` as bytes, or ``b""`` when unset or shorter
    than :data:`MIN_KEY_CHARS` (the export is then off)."""
    key: bytes = settings.export_key.get_secret_value().encode("utf-8")
    return key if len(key) >= MIN_KEY_CHARS else b""


def check_request(key: bytes, month_from: str, month_to: str, fmt: str) -> None:
    """Refuse a request that cannot be exported, before any data is read."""
    if not key:
        raise ExportRefused("no_key", "the research export is disabled: the server has no TORIHIKI_EXPORT_KEY "
                                      f"of at least {MIN_KEY_CHARS} characters")
    if fmt not in ("csv", "parquet"):
        raise ExportRefused("invalid", f"format must be csv or parquet, not {fmt[:20]!r}")
    for name, month in (("from", month_from), ("to", month_to)):
        if month and not _MONTH.match(month):
            raise ExportRefused("invalid", f"{name} must be a month YYYY-MM, not {month[:20]!r}")
    if month_from and month_to and month_from > month_to:
        raise ExportRefused("window", f"the first month {month_from} is after the last {month_to}")


def default_month_to(month_from: str, region: str | None) -> str:
    """The last month of an export asked for without one: the region's month
    (:mod:`api.region_month`, the latest month half the clients' ledgers
    reach), not the data's last — later months hold only the few clients
    that delivered them early (a researcher's export ended a year past it,
    with 7 edges a month, each month one client's), unless the first month
    asked for is later; ``""`` (the data's last) without one."""
    return region if region is not None and (not month_from or month_from <= region) else ""


def research_zip(store: ScopedStore, user: str, key: bytes, month_from: str = "", month_to: str = "",
                 fmt: str = "csv") -> ResearchZip:
    """The export of ``store`` (the researcher's view) over the months
    ``month_from``..``month_to`` (YYYY-MM; blank: the data's first, and for
    the last :func:`default_month_to`, the region's month),
    pseudonyms keyed for ``user`` (stable across their exports, unlike
    anyone else's), zipped. Raises :class:`ExportRefused`."""
    from api.export import export_research, persons_of, snapshot_at_one_version
    from api.region_month import region_month

    month_from, month_to = month_from.strip(), month_to.strip()
    check_request(key, month_from, month_to, fmt)
    region = region_month(store)
    month_to = month_to or default_month_to(month_from, region)
    work = Path(tempfile.mkdtemp(prefix="torihiki-export-"))
    try:
        try:
            snap, version = snapshot_at_one_version(store, month_from or None, month_to or None)
        except ValueError as e:
            raise ExportRefused("empty", "no trade in the window") from e
        summary = export_research(snap, work / "export", fmt, key, recipient=user,  # type: ignore[arg-type]
                                  data_version=version, persons=persons_of(store), region_month=region)
        archive = work / "torihiki-export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for name in [*summary["files"], "export.json"]:  # type: ignore[misc]
                z.write(work / "export" / str(name), arcname=str(name))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    stamp = (month_from or "all").replace("-", "") + "-" + (month_to or "all").replace("-", "")
    made = dt.datetime.now(TOKYO).strftime("%Y%m%d")  # the day in Japan, as its reader counts days
    return ResearchZip(path=archive, work=work, summary=summary, data_version=version,
                       sha256=file_sha256(archive),
                       filename=f"torihiki-export-{made}-v{version}-{fmt}-{stamp}.zip")
