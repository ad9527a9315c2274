"""The HTML report in a real browser: headless Chromium loads it from a file, logs no console
error, and the green-share chart is drawn and visible."""
from click.testing import CliRunner

from browser import chromium
from checker.cli import main
from conftest import EXAMPLES


def test_html_report_renders_in_chromium(tmp_path):
    html = tmp_path / "report.html"
    plans = [str(p) for p in sorted(EXAMPLES.glob("*.json"))]
    r = CliRunner().invoke(main, ["report", *plans, "--format", "html", "--output", str(html)])
    assert r.exit_code == 1 and html.exists()
    with chromium() as driver:
        driver.get(html.as_uri())
        assert driver.execute_script("return document.readyState") == "complete"
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        assert errors == []
        charts = driver.find_elements("css selector", "svg.share-chart")
        assert len(charts) == 4     # one per bundled example plan
        for chart in charts:
            assert chart.is_displayed()
            assert chart.size["width"] > 300 and chart.size["height"] > 100
            bars = chart.find_elements("css selector", "rect")
            assert len(bars) in (6, 7) and all(b.is_displayed() for b in bars)   # 7: an undetermined amount
            assert float(bars[0].get_attribute("width")) > 300          # the total is the full bar
        assert driver.find_element("css selector", "h1").text == "绿色采购合规检查报告"


def test_a_script_in_a_plan_does_not_run(tmp_path, base_plan):
    from conftest import plan_bytes
    base_plan["agency"]["name"] = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    html = tmp_path / "r.html"
    CliRunner().invoke(main, ["report", "-", "--format", "html", "--output", str(html)], input=plan_bytes(base_plan))
    with chromium() as driver:
        driver.get(html.as_uri())
        assert "pwned" not in driver.title
        assert "<script>document.title='pwned'</script>" in driver.find_element("css selector", "section.plan dl.meta").text


def test_html_report_reads_at_390_px(tmp_path):
    """On a phone (390 CSS px) nothing is cut off: the page does not scroll sideways, and the tables
    stack their cells, each with its column's name."""
    html = tmp_path / "report.html"
    plans = [str(p) for p in sorted(EXAMPLES.glob("*.json"))]
    CliRunner().invoke(main, ["report", *plans, "--format", "html", "--output", str(html)])
    with chromium(390, 844) as driver:
        driver.get(html.as_uri())
        inner = driver.execute_script("return window.innerWidth")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= inner
        cell = driver.find_element("css selector", "table.award td[data-label]")
        assert cell.value_of_css_property("display") == "block"
        for el in driver.find_elements("css selector", "table, ol.entries > li, svg"):
            assert el.rect["x"] + el.rect["width"] <= inner + 1, el.tag_name
