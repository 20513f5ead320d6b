"""Helpers shared by the web UI tests: logging in, waiting, screenshots, accessibility and
layout checks, and requests that carry the browser's session cookie."""

import base64
import re
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

OVERLAY_CONTROLLER = "100.127.255.253"
PACK = "100_127_255_193"
PACK_IP = "100.127.255.193"


# -- helpers ---------------------------------------------------------------------------------

def wait(driver, timeout=15):
    """Polls through page changes: a click that submits a form replaces the document while
    the condition is being checked, and Chrome then reports the old node as stale or as
    "Node with given id does not belong to the document" (a plain WebDriverException)."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,))


def shot(lab, driver, name):
    driver.save_screenshot(str(lab.artifacts / f"{name}.png"))


def page_shot(lab, driver, name):
    """The whole page, beyond the viewport (through Chrome's DevTools protocol)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    (lab.artifacts / f"{name}.png").write_bytes(base64.b64decode(data["data"]))


def login(driver, c, password=None):
    driver.delete_all_cookies()
    driver.get(c.url + "/ui/login")
    # A controller that has just started (or restarted) may not answer the browser's very
    # first connection; load the page again until the form is there.
    for _ in range(10):
        if driver.find_elements(By.ID, "username"):
            break
        print(f"login form not there yet at {driver.current_url}: {re.findall(r'ERR_[A-Z_]+', driver.page_source)[:1]}")
        time.sleep(1)
        driver.get(c.url + "/ui/login")
    else:
        raise AssertionError(f"no login form at {driver.current_url}: {driver.title!r} {driver.page_source[:300]!r}")
    user = driver.find_element(By.ID, "username")
    user.clear()
    user.send_keys("vnscubed")
    driver.find_element(By.ID, "password").send_keys(password if password is not None else c.admin_password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


def logged_in(driver, c):
    login(driver, c)
    wait(driver).until(EC.presence_of_element_located((By.ID, "subsystem-table")))


def flash_text(driver):
    return driver.find_element(By.CSS_SELECTOR, ".flash").text


def session_cookie(driver):
    cookie = driver.get_cookie("weft_session")
    assert cookie, "no weft_session cookie"
    return cookie


def http(c, cookie_value, method, path, data=None, headers=None):
    """A request with the browser's session cookie (no Basic auth), redirects not followed."""
    return requests.request(method, c.url + path, data=data, headers=headers or {},
                            cookies={"weft_session": cookie_value}, verify=False, allow_redirects=False, timeout=10)


def api_pack(c, name=PACK):
    return c.response("GET", f"/api/clientpacks/{name}")["clientpack"]


def unlabelled_inputs(driver):
    """Visible form controls without a <label for>, a wrapping label or an aria-label."""
    return driver.execute_script("""
        var bad = [];
        document.querySelectorAll('input, textarea, select').forEach(function (el) {
          if (el.type === 'hidden') return;
          var labelled = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest('label')
                         || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          if (!labelled) bad.push(el.outerHTML);
        });
        return bad;""")


def overflows(driver):
    return driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
