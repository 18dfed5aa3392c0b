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


def test_a_render_keeps_no_context_alive() -> None:
    """The bank filter was cached by the render's context: every page that
    named a bank stayed in memory with its data, user and form token."""
    import gc

    from jinja2.runtime import Context

    template = environment("ja").from_string("{{ 'B1'|bank }} {{ payload|length }}")
    for _ in range(5):
        assert template.render(bank_names={"B1": "山陰銀行"}, payload="x" * 1000) == "山陰銀行 1000"
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Context) and "payload" in o.parent]
