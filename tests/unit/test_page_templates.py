"""Page templates are compiled once per process and language (``api.web.render``)."""

from __future__ import annotations

from api.web.render import environment


def test_a_page_template_is_compiled_once_per_language() -> None:
    """Every page made its environment again, which compiled its templates in
    each request (~100 ms of the firm page's): one environment per language,
    each template kept once compiled, not read again from disk."""
    ja, en = environment("ja"), environment("en")
    assert environment("ja") is ja and ja is not en
    assert ja.get_template("firm.html") is ja.get_template("firm.html")
    assert ja.get_template("firm.html") is not en.get_template("firm.html")  # each language's catalog
    assert ja.auto_reload is False
