"""A person's way through `lvcai serve` in headless Chromium: upload a plan on the page, read the
report, download its PDF. The page has no script, and the browser logs no error (a CSP violation
would be one)."""
import time

import pytest

from conftest import EXAMPLES

pytest.importorskip("uvicorn")
from browser import chromium  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from service_helpers import server  # noqa: E402


def test_upload_a_plan_and_download_its_pdf(tmp_path):
    plan = EXAMPLES / "school-plan-with-violations.xlsx"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with server() as url, chromium() as driver:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.get(f"{url}/")
        assert driver.find_element("css selector", "h1").text == "绿色采购合规检查"
        driver.find_element("id", "plan").send_keys(str(plan))
        driver.find_element("id", "submit").click()
        WebDriverWait(driver, 60).until(lambda d: d.find_elements("id", "download-pdf"))
        assert driver.find_element("css selector", "h1").text == "绿色采购合规检查报告"
        assert "school-plan-with-violations.xlsx" in driver.find_element("tag name", "body").text
        assert driver.find_elements("css selector", "svg.share-chart")
        assert driver.execute_script("return document.scripts.length") == 0
        driver.find_element("id", "download-pdf").click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [p for p in downloads.iterdir() if p.suffix == ".pdf"]
            if done:
                break
            time.sleep(0.2)
        assert [p.name for p in done] == ["school-plan-with-violations-report.pdf"]
        assert done[0].read_bytes().startswith(b"%PDF")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
