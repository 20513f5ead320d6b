"""The clientpack page's owner/expiry form and its groups-and-rules card, in a real
headless Chromium against a live `weft serve`."""

from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from uihelpers import logged_in, shot, unlabelled_inputs, wait

PACK = "100_127_255_198"
PACK_IP = "100.127.255.198"


def test_owner_and_expiry_are_edited_and_groups_and_rules_shown(lab, controller, browser):
    controller.response("POST", f"/api/clientpack/{PACK}", {"key": "team", "value": "ui"})
    controller.response("POST", "/api/v2/firewall/fwsets", {"name": "team-ui", "type": "clients", "entries": ["tag:team=ui"]})
    controller.response("POST", "/api/firewall/rules", {"rule": "FORWARD_CUST -m set --match-set team-ui src -d 198.19.99.2 -j ACCEPT"})

    logged_in(browser, controller)
    browser.get(controller.url + f"/ui/clientpacks/{PACK}")
    assert browser.find_element(By.ID, "pack-expiry").text == "Never expires"
    assert "team-ui" in browser.find_element(By.ID, "pack-groups").text
    rule = browser.find_element(By.CSS_SELECTOR, "#pack-rules tbody tr").text
    assert "--match-set team-ui" in rule and "group team-ui" in rule
    assert browser.find_element(By.CSS_SELECTOR, "#pack-rules td.packets").text.isdigit(), "hit counter shown"

    expires = (datetime.now(timezone.utc) + timedelta(days=3, hours=1)).replace(microsecond=0)
    browser.find_element(By.ID, "pack-owner").send_keys("carol@example.com")
    field = browser.find_element(By.ID, "pack-expires")
    field.clear()
    field.send_keys(expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
    browser.find_element(By.CSS_SELECTOR, "form[action$='/identity'] button[type=submit]").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "expiry saved"))
    assert browser.find_element(By.ID, "pack-expiry").text.startswith("expires in 3 d")
    assert unlabelled_inputs(browser) == []
    shot(lab, browser, "20-clientpack-groups-expiry")
    pack = controller.response("GET", f"/api/clientpacks/{PACK}")["clientpack"]
    assert pack["owner"] == "carol@example.com" and pack["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert pack["groups"] == ["team-ui"]

    # Bad input: refused naming the field, nothing changed.
    field = browser.find_element(By.ID, "pack-expires")
    field.clear()
    field.send_keys("next tuesday")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/identity'] button[type=submit]").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "expires_at"))
    assert controller.response("GET", f"/api/clientpacks/{PACK}")["clientpack"]["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    controller.response("PUT", "/api/clientpack", {"name": PACK, "expires_at": None, "owner": ""})
    # Leave the shared controller's firewall as the other UI tests expect it.
    controller.response("DELETE", "/api/firewall/rules", {"rule": "FORWARD_CUST -m set --match-set team-ui src -d 198.19.99.2 -j ACCEPT"})
    controller.response("DELETE", "/api/v2/firewall/fwsets/team-ui")
