"""The web UI's WAF page in headless Chromium (a --no-apply controller: the page and the
API's checks, not the plugin): a service typed into the form with two backends on two
lines (CRLF from the browser) and an exclusion is saved and listed; a backend on no known
network is refused with the reason and the typed values kept; the mode is switched; the
service is deleted."""

from selenium.webdriver.common.by import By

from uihelpers import logged_in, wait


def fill(browser, field, text):
    box = browser.find_element(By.ID, field)
    box.clear()
    box.send_keys(text)


def test_waf_page_adds_switches_and_deletes_a_service(lab, browser):
    c = lab.add_controller(extra_args=["--no-apply"])
    logged_in(browser, c)
    browser.get(c.url + "/ui/waf")
    assert "No protected services" in browser.find_element(By.ID, "waf-status").text
    uplink = c.ip.rsplit(".", 1)[0]

    fill(browser, "waf-name", "shop")
    fill(browser, "waf-port", "8080")
    fill(browser, "waf-backend", f"http://203.0.113.9:80\nhttp://{uplink}.77:8081")
    browser.find_element(By.CSS_SELECTOR, "#waf-service-form button[type=submit]").click()
    wait(browser, 15).until(lambda d: "no network the controller knows" in d.page_source)
    assert "203.0.113.9" in browser.find_element(By.ID, "waf-backend").get_attribute("value")
    assert browser.find_element(By.ID, "waf-name").get_attribute("value") == "shop"
    assert c.response("GET", "/api/waf/services")["services"] == []

    fill(browser, "waf-backend", f"http://{uplink}.77:8081\nhttp://{uplink}.78:8081\n")
    fill(browser, "waf-exclusions", "942100 /search\n920350")
    browser.find_element(By.CSS_SELECTOR, "#waf-mode option[value=detect]").click()
    browser.find_element(By.CSS_SELECTOR, "#waf-service-form button[type=submit]").click()
    wait(browser, 15).until(lambda d: "Service saved and in force." in d.page_source)
    row = browser.find_element(By.CSS_SELECTOR, "#waf-services tr[data-name=shop]")
    assert f"{uplink}.77:8081" in row.text and f"{uplink}.78:8081" in row.text
    assert row.find_element(By.CLASS_NAME, "mode").text == "detect"
    shown = c.response("GET", "/api/waf/services/shop")
    assert shown["backend"] == [f"http://{uplink}.77:8081", f"http://{uplink}.78:8081"]
    assert shown["exclusions"] == [{"rule_id": 942100, "path_prefix": "/search"}, {"rule_id": 920350}]
    assert shown["mode"] == "detect" and shown["port"] == 8080

    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Switch shop to block']").click()
    wait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[aria-label='Switch shop to detect']"))
    assert c.response("GET", "/api/waf/services/shop")["mode"] == "block"

    browser.execute_script("window.confirm = () => true")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Delete service shop']").click()
    wait(browser, 15).until(lambda d: "Service deleted." in d.page_source)
    assert c.response("GET", "/api/waf/services")["services"] == []
    assert c.get("/ui/waf/events.json").status_code in (200, 302, 401)
