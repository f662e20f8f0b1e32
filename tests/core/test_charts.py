"""SVG bar charts drawn on the server: well-formed, accessible, scalable, without inline style or
script, every text escaped, and the same numbers in the table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, FileSystemLoader, select_autoescape

from portal.core.charts import COLOURS, WIDTH, BarChart, Series
from portal.core.templating import TEMPLATES_DIR

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '=HYPERLINK("x";"y") <script>alert(1)</script> & "quotes"'


def _themes(**overrides) -> BarChart:
    values = {
        "key": "per-theme",
        "title": "Signals per theme",
        "description": "One bar per theme.",
        "category_heading": "Theme",
        "categories": ("Housing", EVIL),
        "series": (
            Series("Q1", (3.0, 1.0)),
            Series("Q2", (0.0, 2.0)),
            Series("Q3", (None, 0.0)),
            Series("Q4", (1.0, 0.0)),
        ),
        "stacked": True,
        "total_label": "Total",
        "locale": "en",
    }
    values.update(overrides)
    return BarChart(**values)


def _median(locale: str = "nl") -> BarChart:
    return BarChart(
        key="median",
        title="Median working days",
        description="One bar per quarter.",
        category_heading="Quarter",
        categories=("Q1", "Q2", "Q3", "Q4"),
        series=(Series("Median", (2.5, None, 0.0, 12.0)),),
        extra=(Series("Signals", (4.0, 0.0, 1.0, 3.0)),),
        decimals=1,
        locale=locale,
    )


def _parse(chart: BarChart) -> ET.Element:
    return ET.fromstring(str(chart.svg()))


def test_the_svg_is_well_formed_accessible_and_scales() -> None:
    root = _parse(_themes())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith(f"0 0 {WIDTH} ")
    assert root.get("aria-labelledby") == "per-theme-title"
    assert root.get("aria-describedby") == "per-theme-desc"
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (
        f"{SVG}title",
        "per-theme-title",
        "Signals per theme",
    )
    assert (desc.tag, desc.get("id"), desc.text) == (
        f"{SVG}desc",
        "per-theme-desc",
        "One bar per theme.",
    )


def test_no_inline_style_no_script_no_event_handler() -> None:
    for chart in (_themes(), _median()):
        markup = str(chart.svg())
        assert "style" not in markup
        assert "<script" not in markup
        assert not re.search(r"\son\w+=", markup)
        for element in _parse(chart).iter():
            assert "style" not in element.attrib
            assert not any(name.startswith("on") for name in element.attrib)


def test_texts_are_escaped() -> None:
    markup = str(_themes().svg())
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    texts = [element.text for element in _parse(_themes()).iter(f"{SVG}text")]
    assert any(text and text.startswith('=HYPERLINK("x";"y") <script>') for text in texts)
    hostile = _themes(title="</title><script>x</script>", description='"><g onload="x">')
    root = _parse(hostile)
    assert root[0].text == "</title><script>x</script>"
    assert root[1].text == '"><g onload="x">'
    assert "<script>" not in str(hostile.svg())


def test_the_key_must_be_a_plain_id() -> None:
    for key in ('x" onload="y', "Bad Key", "", "1st"):
        with pytest.raises(ValueError):
            _themes(key=key)


def test_series_and_categories_must_agree() -> None:
    with pytest.raises(ValueError):
        _themes(series=(Series("Q1", (1.0,)),))
    with pytest.raises(ValueError):
        _themes(series=(Series("Q1", (1.0, -1.0)),))


def test_stacked_bars_are_proportional_and_end_in_the_total() -> None:
    root = _parse(_themes())
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    widths = {rect.find(f"{SVG}title").text: float(rect.get("width")) for rect in bars}
    assert set(widths) == {
        "Housing · Q1: 3",
        "Housing · Q4: 1",
        f"{EVIL} · Q1: 1",
        f"{EVIL} · Q2: 2",
    }, "no bar for a zero or a missing value"
    assert widths["Housing · Q1: 3"] == pytest.approx(3 * widths["Housing · Q4: 1"], abs=0.2)
    values = [
        element.text for element in root.iter(f"{SVG}text") if element.get("class") == "chart-value"
    ]
    assert values == ["4", "3"], "each stacked bar ends in its total"
    colours = {rect.get("class") for rect in bars}
    assert colours == {"chart-bar chart-s0", "chart-bar chart-s1", "chart-bar chart-s3"}
    fills = {rect.get("fill") for rect in bars}
    assert fills == {COLOURS[0], COLOURS[1], COLOURS[3]}, "the colour also without a stylesheet"


def test_the_stylesheets_give_each_series_the_colour_the_bars_carry() -> None:
    root = Path(__file__).resolve().parents[2]
    for sheet in ("static/css/portal.css", "portal/evaluations/export.css"):
        text = (root / sheet).read_text(encoding="utf-8")
        found = dict(re.findall(r"\.chart-s(\d) \{ fill: (#[0-9a-f]{6}); \}", text))
        assert found == {str(i): colour for i, colour in enumerate(COLOURS)}, sheet


def test_values_in_the_readers_language_and_a_mark_for_none() -> None:
    values = [
        element.text
        for element in _parse(_median("nl")).iter(f"{SVG}text")
        if element.get("class") == "chart-value"
    ]
    assert values == ["2,5", "–", "0", "12"]
    english = [
        element.text
        for element in _parse(_median("en")).iter(f"{SVG}text")
        if element.get("class") == "chart-value"
    ]
    assert english[0] == "2.5"


def test_a_long_name_is_cut_in_the_picture_and_whole_in_the_table() -> None:
    long_name = "Een thema met een heel erg lange naam die nooit op één regel van een telefoon past"
    chart = _themes(categories=("Housing", long_name))
    labels = [e.text for e in _parse(chart).iter(f"{SVG}text") if e.get("class") == "chart-text"]
    cut = [label for label in labels if label and label.startswith("Een thema")]
    assert cut and cut[0].endswith("…") and len(cut[0]) < len(long_name)
    assert chart.table().rows[1].label == long_name


def test_the_table_holds_the_same_numbers() -> None:
    table = _themes().table()
    assert table.heading == "Theme"
    assert table.columns == ("Q1", "Q2", "Q3", "Q4", "Total")
    assert [(row.label, row.cells) for row in table.rows] == [
        ("Housing", ("3", "0", "–", "1", "4")),
        (EVIL, ("1", "2", "0", "0", "3")),
    ]
    assert table.total is not None
    assert (table.total.label, table.total.cells) == ("Total", ("4", "2", "0", "1", "7"))
    median = _median().table()
    assert median.columns == ("Median", "Signals")
    assert [row.cells for row in median.rows] == [("2,5", "4"), ("–", "0"), ("0", "1"), ("12", "3")]
    assert median.total is None


def test_a_percentage_scales_to_its_maximum() -> None:
    chart = BarChart(
        key="share",
        title="Share",
        description="d",
        category_heading="Quarter",
        categories=("Q1",),
        series=(Series("Share", (50.0,)),),
        maximum=100,
        suffix=" %",
        locale="nl",
    )
    root = _parse(chart)
    (bar,) = [rect for rect in root.iter(f"{SVG}rect")]
    full = WIDTH - 2 * 8 - 70
    assert float(bar.get("width")) == pytest.approx(full / 2, abs=0.1)
    assert chart.table().rows[0].cells == ("50 %",)


def test_the_macro_renders_the_chart_and_its_table_escaped() -> None:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.loader = _with_page(env)
    html = env.get_template("page.html").render(c=_themes())
    assert html.count("<svg") == 1
    assert "<script>alert(1)</script>" not in html
    assert "=HYPERLINK(&#34;x&#34;;&#34;y&#34;) &lt;script&gt;" in html
    assert '<caption id="per-theme-caption">Signals per theme</caption>' in html
    assert '<td class="num">7</td>' in html and "<tfoot>" in html
    assert "style=" not in html


def _with_page(env: Environment):
    from jinja2 import ChoiceLoader

    page = DictLoader({"page.html": '{% from "core/_chart.html" import chart %}{{ chart(c) }}'})
    return ChoiceLoader([page, env.loader])
