"""Browser tests: the web UI as a person uses it, in headless Chromium.

What these fixtures give a test:

* ``site`` (module scope, once per store: ``embedded`` and ``neo4j``): a
  small generated region (300 firms, 30 BPO clients, 12 months, seed 3)
  loaded with the real ``torihiki load`` into the store, a hostile
  counterparty (:data:`HOSTILE`) traded by a consenting client, one user
  per role with a password (:data:`USERS`, all with :data:`PASSWORD`), and
  the app served by uvicorn on a free loopback port. ``site.url("/ui/")``;
  ``site.store`` is the raw store; ``site.firms`` names firms of interest
  (``client_sanin``: a client consenting to the officer's bank;
  ``client_hidden``: a client that does not; ``hostile``: the hostile firm's id).
* ``browser`` (module): Debian's ``chromium`` driven by Playwright
  (``executable_path``; Playwright's own browser download is never used).
  Without chromium the tests skip — and fail under ``CI=true``.
* ``page``: a fresh browser context (Japanese locale) and page; every
  console error and page error is collected and the test fails on any
  (``page.errors``); ``login(page, site, "officer")`` signs in through the
  login form; ``shot(page, "name")`` saves a full-page screenshot as a
  test artefact under ``tests/artifacts/screenshots/<store>/`` (or
  ``$TORIHIKI_ARTIFACTS``); ``assert_japanese_renders(page, selector)``
  checks through the DevTools protocol that the text of ``selector`` is
  drawn with a CJK font (no missing glyphs falling back elsewhere).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from queries.access import SYSTEM
from queries.store import Store
from tests.conftest import REPO, free_port, wipe_neo4j

PASSWORD = "correct horse battery staple"
USERS: dict[str, tuple[str, str | None]] = {
    # name: (role, bank)
    "admin": ("admin", None),
    "analyst": ("analyst", None),
    "researcher": ("researcher", None),
    "officer": ("credit_officer", "bank:sanin"),
    "officer2": ("credit_officer", "bank:tottori"),
}
OFFICER_BANK = "bank:sanin"
HOSTILE = '<img src=x onerror="window.__pwned=1">\u202e悪意商事\u0007<b>太字</b>'
"""A counterparty name that would run script, flip text direction and
ring a bell if any page put it into HTML raw."""
HOSTILE_ID = "F999001"
ARTIFACTS = Path(os.environ.get("TORIHIKI_ARTIFACTS", REPO / "tests" / "artifacts")) / "screenshots"
CJK_FONTS = ("IPAexGothic", "IPAexMincho", "Noto Sans CJK JP", "Noto Serif CJK JP", "Noto Sans JP")


def _ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def chromium_path() -> str | None:
    """Debian's chromium (``TORIHIKI_CHROMIUM`` overrides)."""
    given = os.environ.get("TORIHIKI_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: Playwright's sync
    API keeps an asyncio loop running in the main thread while it is open,
    and later tests that call ``asyncio.run`` themselves would fail."""
    path = chromium_path()
    reason = ("Debian's chromium is not installed (`make test` installs it with apt as root: "
              "apt-get install chromium fonts-ipaexfont poppler-utils)")
    if path is None:
        if _ci():
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _ci():
            pytest.fail("CI=true but the playwright package is missing (pip install -e '.[dev]')")
        pytest.skip("the playwright package is missing")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


# ---------------------------------------------------------------- the region

START, MONTHS = "2023-04", 12


def _months() -> list[str]:
    y, m = int(START[:4]), int(START[5:])
    out = []
    for _ in range(MONTHS):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@pytest.fixture(scope="session")
def browser_region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A generated region (once per session) plus a ledger of a consenting
    client that sells to the hostile counterparty; the firms of interest."""
    import csv

    from api.cli import main

    out = tmp_path_factory.mktemp("browser") / "region"
    code = main(["generate", "--firms", "300", "--clients", "30", "--months", str(MONTHS), "--seed", "3",
                 "--start", START, "--out", str(out)])
    assert code == 0
    with (out / "firms.csv").open(encoding="utf-8") as f:
        clients = [r for r in csv.DictReader(f) if r["is_client"] == "1"]
    sanin = next(r["firm_id"] for r in clients if OFFICER_BANK in r["consented_banks"].split(";"))
    hidden = next(r["firm_id"] for r in clients if OFFICER_BANK not in r["consented_banks"].split(";"))
    quoted = HOSTILE.replace('"', '""')
    rows = ["date,client_id,counterparty_name,counterparty_id,direction,amount"]
    rows += [f'{m}-20,{sanin},"{quoted}",{HOSTILE_ID},sale,{1_234_567 + i}' for i, m in enumerate(_months()[-6:])]
    ledger = out / "ledgers" / sanin / "hostile.csv"
    ledger.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with (out / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write(f"ledgers/{sanin}/hostile.csv,{sanin},canonical\n")
    return out, {"client_sanin": sanin, "client_hidden": hidden, "hostile": HOSTILE_ID}


@dataclass
class Site:
    """The app served on loopback over one loaded store."""

    kind: str
    base: str
    store: Store
    home: Path
    firms: dict[str, str]
    users: dict[str, tuple[str, str | None]] = field(default_factory=lambda: dict(USERS))

    def url(self, path: str) -> str:
        return self.base + path


def _load(region: Path, home: Path, neo4j: bool) -> None:
    """``torihiki load REGION`` in this process, against the chosen store."""
    from api.cli import main
    from api.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORIHIKI_HOME", str(home))
        if not neo4j:
            mp.delenv("NEO4J_URI", raising=False)
        get_settings.cache_clear()
        try:
            assert main(["load", str(region)]) in (0, 2)  # 2: the generator's malformed rows were rejected
        finally:
            get_settings.cache_clear()


def _add_users(store: Store) -> None:
    from api.identity import add_user, set_password

    for name, (role, bank) in USERS.items():
        if store.get_user(name) is None:
            add_user(store, name, role, bank, SYSTEM)
        set_password(store, name, PASSWORD, SYSTEM)


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def site(request: pytest.FixtureRequest, browser_region: tuple[Path, dict[str, str]],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The region loaded into one store and served by uvicorn on a free port."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    region, firms = browser_region
    home = tmp_path_factory.mktemp(f"site-{request.param}")
    neo4j = request.param == "neo4j"
    store: Store
    if neo4j:
        store = request.getfixturevalue("neo4j_driver_store")
        wipe_neo4j(store)
        store.ensure_schema()
        _load(region, home, neo4j=True)
        settings = Settings(TORIHIKI_HOME=home)  # type: ignore[call-arg]
    else:
        from queries.embedded_store import EmbeddedStore

        _load(region, home, neo4j=False)
        store = EmbeddedStore(home)
        settings = Settings(TORIHIKI_HOME=home, NEO4J_URI=None)  # type: ignore[call-arg]
    _add_users(store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store=store), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.05)
    yield Site(request.param, f"http://127.0.0.1:{port}", store, home, firms)
    server.should_exit = True
    thread.join(timeout=10)
    if not neo4j:
        store.close()


# ---------------------------------------------------------------- pages


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh context (Japanese locale, 1366×900) and page; the test fails
    on any console error or uncaught page error."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


def login(page: Any, site: Site, user: str, next_path: str = "/ui/") -> None:
    """Sign in through the login form as ``user`` (one of :data:`USERS`)."""
    from urllib.parse import quote

    page.goto(site.url(f"/login?next={quote(next_path)}"))
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"{user} could not sign in"


def shot(page: Any, site: Site, name: str) -> Path:
    """A full-page screenshot kept as a test artefact; its path."""
    out = ARTIFACTS / site.kind / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    return out


def fonts_of(page: Any, selector: str) -> dict[str, int]:
    """The platform fonts Chromium drew the text of ``selector`` with → glyph
    count (DevTools protocol ``CSS.getPlatformFontsForNode``)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": False})["root"]
        target = cdp.send("DOM.querySelector", {"nodeId": root["nodeId"], "selector": selector})["nodeId"]
        assert target, f"no element {selector!r}"
        index: dict[int, dict[str, Any]] = {}
        todo = [root]
        while todo:
            n = todo.pop()
            index[n["nodeId"]] = n
            todo += n.get("children", [])
        fonts: dict[str, int] = {}
        stack = [index[target]]
        while stack:  # the element and every element inside it (fonts are per child text node)
            n = stack.pop()
            if n.get("nodeType") != 1:
                continue
            for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": n["nodeId"]})["fonts"]:
                fonts[f["familyName"]] = fonts.get(f["familyName"], 0) + int(f["glyphCount"])
            stack += n.get("children", [])
        return fonts
    finally:
        cdp.detach()


def assert_japanese_renders(page: Any, selector: str) -> None:
    """The text of ``selector`` (which holds Japanese) is drawn with a CJK
    font only: a character no installed font has would be drawn by some
    other fallback font (or as a missing-glyph box) and show up here."""
    fonts = fonts_of(page, selector)
    assert fonts, f"no text drawn in {selector!r}"
    others = {f: n for f, n in fonts.items() if not any(f.startswith(c) for c in CJK_FONTS)}
    assert not others, f"{selector!r} drawn partly with non-CJK fonts {others} (all: {fonts})"
