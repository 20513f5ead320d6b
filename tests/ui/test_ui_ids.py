"""The web UI's IDS page in headless Chromium: a multi-line rule set typed into the editor
(CRLF from the browser, a comment line) is saved and listed with its hit counts; a bad
one is refused with its line and the running rules stay; a rule is switched off."""

from selenium.webdriver.common.by import By

from uihelpers import logged_in, wait

RULES = [
    "# card numbers",
    'alert tcp any any <> any any (pcre:"/5\\d{3}(\\s|-)?\\d{4}(\\s|-)?\\d{4}(\\s|-)?\\d{4}/"; msg:"MasterCard number detected in clear text";sid:9000001;rev:1;)',
    'alert tcp any any -> any 8080 (msg:"Card number in a form post"; content:"card="; sid:9000002; rev:2;)',
]


def type_rules(browser, lines):
    box = browser.find_element(By.ID, "ids-rules-text")
    box.clear()
    box.send_keys("\n".join(lines))
    browser.find_element(By.CSS_SELECTOR, "#ids-rules-form button[type=submit]").click()


def test_ids_page_rule_editor(lab, browser):
    c = lab.add_controller()
    logged_in(browser, c)
    browser.get(c.url + "/ui/ids")
    assert "Off" in browser.find_element(By.ID, "ids-status").text
    type_rules(browser, RULES)
    wait(browser, 15).until(lambda d: "Rules saved and active." in d.page_source)
    rows = browser.find_elements(By.CSS_SELECTOR, "#ids-rules tr[data-sid]")
    assert [r.get_attribute("data-sid") for r in rows] == ["9000001", "9000002"]
    assert "Card number in a form post" in rows[1].text and rows[1].find_element(By.CLASS_NAME, "hits").text == "0"
    assert [r["sid"] for r in c.response("GET", "/api/ids/rules")["rules"]] == [9000001, 9000002]

    type_rules(browser, RULES + ['alert tcp any any -> any any (msg:"broken"; nosuchkeyword; sid:3;)'])
    wait(browser, 15).until(lambda d: "line 4" in d.page_source)
    assert "nosuchkeyword" in browser.find_element(By.ID, "ids-rules-text").get_attribute("value")
    assert [r["sid"] for r in c.response("GET", "/api/ids/rules")["rules"]] == [9000001, 9000002]

    browser.get(c.url + "/ui/ids")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Disable rule 9000002']").click()
    wait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[aria-label='Enable rule 9000002']"))
    rules = {r["sid"]: r for r in c.response("GET", "/api/ids/rules")["rules"]}
    assert rules[9000002]["enabled"] is False and rules[9000001]["enabled"] is True
