"""Where a sign-in or the account page may send a user on (api.web.session.safe_next): this site only."""

from __future__ import annotations

import pytest

from api.web.session import safe_next


@pytest.mark.parametrize("target", ["/ui/firms/F000041", "/ui/?q=%E5%87%BA%E9%9B%B2", "/firms/F1/view?hops=2"])
def test_a_path_of_this_site_is_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example",  # a browser drops the tab from a link: //evil.example
    "/\n/evil.example", "/ /evil.example", "/x\x7f", "", None,
])
def test_anything_else_is_the_default(target: str | None) -> None:
    assert safe_next(target, "/ui/") == "/ui/"
