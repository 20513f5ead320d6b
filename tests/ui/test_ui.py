"""The web UI in a real headless Chromium (Debian's chromium + chromium-driver, Selenium 4)
against a live `weft serve`: sessions and CSRF, the dashboard, clientpacks with the data
plane following, the firewall editor, logout, screenshots and narrow-screen checks."""

import re
import subprocess
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from uibrowser import make_driver
from uihelpers import (OVERLAY_CONTROLLER, PACK, PACK_IP, api_pack, flash_text, http, logged_in, login, overflows,
                       session_cookie, shot, unlabelled_inputs, wait)
from weftnet import wait_until


# -- login and sessions ----------------------------------------------------------------------

def test_wrong_password_is_refused_and_stays_on_login(lab, controller, browser):
    login(browser, controller, password="not-the-password")
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Wrong user name or password"))
    assert browser.current_url.endswith("/ui/login")
    assert browser.get_cookie("weft_session") is None
    assert unlabelled_inputs(browser) == []
    shot(lab, browser, "01-login-wrong-password")


def test_login_with_the_keyboard_shows_the_dashboard(lab, controller, browser):
    browser.delete_all_cookies()
    browser.get(controller.url + "/ui/")
    wait(browser).until(EC.url_contains("/ui/login"))
    password = browser.find_element(By.ID, "password")
    password.send_keys(controller.admin_password)
    password.send_keys(Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.ID, "subsystem-table")))
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Dashboard" in page and "Weft 0." in page and controller.ip in page
    assert "100.127.255.192/26" in page                       # topology
    rows = browser.find_elements(By.CSS_SELECTOR, "#subsystem-table tbody tr")
    names = {row.get_attribute("data-subsystem") for row in rows}
    assert {"firewall", "overlay"} <= names
    overlay = browser.find_element(By.CSS_SELECTOR, "tr[data-subsystem=overlay]").text
    assert re.search(r"\d+ of \d+", overlay), overlay
    # Traffic charts appear (the sampler runs every 5 s and the page refreshes its fragment).
    wait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#traffic figure.chart[data-interface=eth0] svg polyline")))
    wait(browser, 15).until(lambda d: d.find_element(By.ID, "traffic").get_attribute("data-refreshed"))
    # No axis label sticks out of its chart (they were clipped on the left).
    outside = browser.execute_script("""
        var bad = [];
        document.querySelectorAll('#traffic svg.traffic text.axis').forEach(function (t) {
          var box = t.getBBox();
          if (box.x < 0 || box.x + box.width > 460) bad.push(t.textContent + ' at ' + box.x);
        });
        return bad;""")
    assert outside == [], outside
    shot(lab, browser, "02-dashboard")
    browser.find_element(By.ID, "traffic").screenshot(str(lab.artifacts / "02-dashboard-traffic.png"))


def test_session_cookie_and_security_headers(controller, browser):
    logged_in(browser, controller)
    cookie = session_cookie(browser)
    assert cookie["httpOnly"] is True and cookie["secure"] is True
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
    r = http(controller, cookie["value"], "GET", "/ui/")
    assert r.status_code == 200
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in r.text and " style=" not in r.text     # nothing inline: the CSP would block it
    # The UI cookie never authenticates the API.
    for path in ["/api/config", "/api/clientpacks", "/metrics"]:
        assert http(controller, cookie["value"], "GET", path).status_code == 401, path
    assert http(controller, cookie["value"], "PUT", "/api/clientpack", data='{"name": "%s", "enabled": false}' % PACK,
                headers={"Content-Type": "application/json"}).status_code == 401
    assert api_pack(controller)["enabled"] is True


def test_missing_or_wrong_csrf_token_changes_nothing(lab, controller, browser):
    logged_in(browser, controller)
    generation = controller.generation()
    # In the browser: strip the hidden token from the Disable form, then submit it.
    browser.get(controller.url + "/ui/clientpacks")
    form = browser.find_element(By.CSS_SELECTOR, f"#pack-{PACK} form")
    browser.execute_script("arguments[0].querySelector('input[name=csrf]').remove()", form)
    form.find_element(By.TAG_NAME, "button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Missing or invalid CSRF token; nothing was changed"))
    shot(lab, browser, "03-csrf-refused")
    # Outside the browser: a wrong token, and the JSON check without its header.
    cookie = session_cookie(browser)["value"]
    r = http(controller, cookie, "POST", f"/ui/clientpacks/{PACK}/state", data={"enabled": "false", "csrf": "forged"})
    assert r.status_code == 403 and "Missing or invalid CSRF token" in r.text
    r = http(controller, cookie, "POST", "/ui/firewall/check", data='{"rules": ""}', headers={"Content-Type": "application/json"})
    assert r.status_code == 403
    r = http(controller, cookie, "POST", "/ui/logout", data={})
    assert r.status_code == 403
    assert api_pack(controller)["enabled"] is True
    assert controller.generation() == generation


def test_expired_session_redirects_to_login_with_a_message(lab, short_session_controller, downloads):
    c = short_session_controller
    driver = make_driver(downloads)
    try:
        logged_in(driver, c)
        time.sleep(3)   # the session's idle timeout is 2 s on this controller
        driver.get(c.url + "/ui/clientpacks")
        wait(driver).until(EC.url_contains("/ui/login"))
        assert "Your session expired" in flash_text(driver)
        shot(lab, driver, "04-session-expired")
        # A POST with the expired cookie is refused too, and changes nothing.
        generation = c.generation()
        driver.get(c.url + "/ui/login")
        assert c.generation() == generation
    finally:
        driver.quit()


# -- clientpacks -----------------------------------------------------------------------------

def test_disable_and_enable_a_clientpack_and_the_data_plane_follows(lab, controller, browser):
    r = controller.get(f"/api/clientpack?name={PACK}&fileformat=wireguard")
    assert r.status_code == 200
    client = lab.add_wireguard_client()
    client.connect(r.text, f"{PACK_IP}/26")
    wait_until(lambda: client.ping(OVERLAY_CONTROLLER), timeout=20, what="WireGuard client reaches the controller")

    logged_in(browser, controller)
    browser.get(controller.url + "/ui/clientpacks")
    row = browser.find_element(By.ID, f"pack-{PACK}")
    assert row.find_element(By.CSS_SELECTOR, "td.enabled").text == "yes"
    shot(lab, browser, "05-clientpacks")
    row.find_element(By.CSS_SELECTOR, "form button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), f"Clientpack {PACK}: disabled"))
    assert browser.find_element(By.CSS_SELECTOR, f"#pack-{PACK} td.enabled").text == "no"
    assert api_pack(controller)["enabled"] is False
    wait_until(lambda: not client.ping(OVERLAY_CONTROLLER), timeout=15, what="disabled pack cut off")
    audit = controller.response("GET", "/api/audit?limit=5")
    assert any(a["action"] == "clientpack.update" and a["actor"] == "ui:vnscubed" for a in audit)

    browser.find_element(By.CSS_SELECTOR, f"#pack-{PACK} form button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), f"Clientpack {PACK}: enabled"))
    assert api_pack(controller)["enabled"] is True
    wait_until(lambda: client.ping(OVERLAY_CONTROLLER), timeout=30, what="re-enabled pack reconnects")
    client.stop()


def test_search_sort_and_pages_of_the_clientpack_table(controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/clientpacks")
    visible = lambda: [r.get_attribute("data-name") for r in browser.find_elements(By.CSS_SELECTOR, "#clientpacks tbody tr") if r.is_displayed()]
    pager = browser.find_element(By.ID, "pack-pager")
    # 58 clientpacks, 25 a page.
    assert len(visible()) == 25 and visible()[0] == "100_127_255_193"
    assert pager.is_displayed() and "Page 1 of 3" in pager.text
    assert not pager.find_element(By.CSS_SELECTOR, "button[data-step='-1']").is_enabled()
    pager.find_element(By.CSS_SELECTOR, "button[data-step='1']").click()
    assert visible()[0] == "100_127_255_218" and "Page 2 of 3" in pager.text
    pager.find_element(By.CSS_SELECTOR, "button[data-step='1']").click()
    assert len(visible()) == 8 and "Page 3 of 3" in pager.text
    assert not pager.find_element(By.CSS_SELECTOR, "button[data-step='1']").is_enabled()

    # Search covers every page; a whole address finds that pack only, part of one finds several.
    search = browser.find_element(By.ID, "pack-search")
    search.send_keys("255_200")
    wait(browser).until(lambda d: visible() == ["100_127_255_200"])
    assert not pager.is_displayed()
    for text, expected in [("100.127.255.20", []), ("100.127.255.201", ["100_127_255_201"]), ("100_127_255_249", ["100_127_255_249"]),
                           ("255.24", [f"100_127_255_{n}" for n in range(240, 250)])]:
        search.clear()
        search.send_keys(text)
        wait(browser).until(lambda d: visible() == expected, f"search {text}")
        assert browser.find_element(By.ID, "pack-count").text == f"{len(expected)} shown"
    search.clear()
    search.send_keys(Keys.SPACE, Keys.BACKSPACE)
    wait(browser).until(lambda d: len(visible()) == 25)
    assert browser.find_element(By.ID, "pack-count").text == "58 clientpacks"
    header = browser.find_element(By.CSS_SELECTOR, "#clientpacks thead th:first-child button")
    header.click()                     # ascending (already the order)
    header.click()                     # descending, from the first page
    assert browser.find_element(By.CSS_SELECTOR, "#clientpacks thead th:first-child").get_attribute("aria-sort") == "descending"
    assert visible()[0] == "100_127_255_254" and "Page 1 of 3" in pager.text


def test_sorting_by_connected_puts_connected_clients_first(lab, controller, browser):
    name, address = "100_127_255_230", "100.127.255.230"
    client = lab.add_wireguard_client()
    client.connect(controller.get(f"/api/clientpack?name={name}&fileformat=wireguard").text, f"{address}/26")
    try:
        wait_until(lambda: client.ping(OVERLAY_CONTROLLER), timeout=20, what="WireGuard client reaches the controller")
        wait_until(lambda: address in controller.response("GET", "/api/status/clients"), timeout=20, what="client listed as connected")
        logged_in(browser, controller)

        def shown_connected():          # the page's watcher looks every 2 s
            browser.get(controller.url + "/ui/clientpacks")
            cell = browser.find_element(By.CSS_SELECTOR, f"#pack-{name} td[data-label='Connected']")
            return cell.get_attribute("textContent").startswith("yes")
        wait_until(shown_connected, timeout=20, interval=1, what="the clientpacks page shows the client connected")
        browser.find_element(By.XPATH, "//table[@id='clientpacks']//th[.//button[text()='Connected']]//button").click()
        rows = [r for r in browser.find_elements(By.CSS_SELECTOR, "#clientpacks tbody tr") if r.is_displayed()]
        connected = [r.find_element(By.CSS_SELECTOR, "td[data-label='Connected']").text.startswith("yes") for r in rows]
        # Connected ones first (an earlier test's client may still count as connected), then the rest.
        assert connected[0] and connected == sorted(connected, reverse=True) and not connected[-1], connected
        mine = next(r for r in rows if r.get_attribute("data-name") == name)
        handshake = mine.find_element(By.CSS_SELECTOR, "td[data-label='Last handshake']")
        assert re.fullmatch(r"\d+ (s|min) ago", handshake.text), handshake.text
        assert handshake.find_element(By.TAG_NAME, "time").get_attribute("title")       # the exact time on hover
        shot(lab, browser, "05b-clientpacks-connected-first")
    finally:
        client.stop()


def test_download_a_wireguard_config_and_see_its_qr_code(lab, controller, browser, downloads):
    logged_in(browser, controller)
    name = "100_127_255_195"
    browser.get(controller.url + f"/ui/clientpacks/{name}")
    assert unlabelled_inputs(browser) == []
    qr = browser.find_element(By.CSS_SELECTOR, "figure.qr img")
    wait(browser).until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr))
    shot(lab, browser, "06-clientpack-page")
    browser.find_element(By.ID, "download-wireguard").click()
    target = downloads / f"{name}-wireguard.conf"
    wait_until(lambda: target.exists() and target.stat().st_size > 0, timeout=15, what="downloaded WireGuard file")
    expected = controller.get(f"/api/clientpack?name={name}&fileformat=wireguard").text
    assert target.read_text() == expected
    assert "[Interface]" in expected and "PrivateKey" in expected


# -- firewall --------------------------------------------------------------------------------

def test_firewall_editor_checks_as_you_type_then_saves_into_the_kernel(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/firewall")
    assert unlabelled_inputs(browser) == []
    area = browser.find_element(By.ID, "rules")
    area.clear()
    area.send_keys("INPUT_CUST -s 198.18.0.77/32 -p tcp --dport 9999 -j DROP\nINPUT_CUST -p tcp --dportt 22 -j ACCEPT")
    result = browser.find_element(By.ID, "check-result")
    wait(browser).until(lambda d: result.get_attribute("data-state") == "error")
    assert "Line 2" in result.text and "--dportt" in result.text, result.text
    assert area.get_attribute("aria-invalid") == "true"
    shot(lab, browser, "07-firewall-invalid")
    # Nothing was saved by typing.
    assert controller.response("GET", "/api/firewall/rules") == []

    area.send_keys(Keys.BACKSPACE * len("INPUT_CUST -p tcp --dportt 22 -j ACCEPT") + Keys.BACKSPACE)
    wait(browser).until(lambda d: result.get_attribute("data-state") == "ok")
    assert "1 to add" in result.text, result.text
    browser.find_element(By.ID, "review").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "plan-diff")))
    added = [li.get_attribute("data-rule") for li in browser.find_elements(By.CSS_SELECTOR, "#plan-diff li.added")]
    assert added == ["INPUT_CUST -s 198.18.0.77/32 -p tcp --dport 9999 -j DROP"], added
    assert controller.response("GET", "/api/firewall/rules") == []       # still nothing until saved
    shot(lab, browser, "08-firewall-plan")
    browser.find_element(By.ID, "save").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Saved and active: 1 rule"))
    assert controller.response("GET", "/api/firewall/rules") == [["INPUT_CUST -s 198.18.0.77/32 -p tcp --dport 9999 -j DROP", 0]]
    saved = controller.in_ns("iptables-save").stdout
    assert re.search(r"-A \S+ -s 198\.18\.0\.77/32 -p tcp (-m tcp )?--dport 9999 -j DROP", saved), saved
    assert "198.18.0.77" in browser.find_element(By.ID, "active-rules").text
    shot(lab, browser, "09-firewall-saved")


def test_firewall_editor_saves_several_typed_lines_with_a_comment(lab, controller, browser):
    """Typed with Enter, the textarea is submitted with CRLF line ends: each line is a rule,
    and a # comment above them is skipped, not the whole text."""
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/firewall")
    before = [rule for rule, _ in controller.response("GET", "/api/firewall/rules")]
    typed = ["# scanners seen in the lab", *before, "INPUT_CUST -s 198.18.0.78/32 -p tcp --dport 9998 -j DROP",
             "", "INPUT_CUST -s 198.18.0.79/32 -j DROP"]
    area = browser.find_element(By.ID, "rules")
    area.clear()
    area.send_keys("\n".join(typed))
    result = browser.find_element(By.ID, "check-result")
    expected = before + ["INPUT_CUST -s 198.18.0.78/32 -p tcp --dport 9998 -j DROP", "INPUT_CUST -s 198.18.0.79/32 -j DROP"]
    wait(browser).until(lambda d: result.get_attribute("data-state") == "ok" and "2 to add" in result.text)
    assert f"{len(expected)} rule(s) valid" in result.text, result.text
    browser.find_element(By.ID, "review").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "plan-diff")))
    added = [li.get_attribute("data-rule") for li in browser.find_elements(By.CSS_SELECTOR, "#plan-diff li.added")]
    assert added == expected[len(before):], added
    browser.find_element(By.ID, "save").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), f"Saved and active: {len(expected)} rule"))
    assert [rule for rule, _ in controller.response("GET", "/api/firewall/rules")] == expected
    saved = controller.in_ns("iptables-save").stdout
    assert "198.18.0.78/32" in saved and "198.18.0.79/32" in saved, saved
    # The audit log says what changed, not just how many rules there are.
    entry = next(a for a in controller.response("GET", "/api/audit?limit=20") if a["action"] == "firewall.overwrite")
    assert entry["actor"] == "ui:vnscubed"
    assert entry["detail"] == (f"web UI: {len(expected)} rule(s), added 2 (INPUT_CUST -s 198.18.0.78/32 -p tcp --dport 9998 -j DROP; "
                               "INPUT_CUST -s 198.18.0.79/32 -j DROP)"), entry
    # The editor shows the saved rules, one per line.
    assert browser.find_element(By.ID, "rules").get_attribute("value").splitlines() == expected
    shot(lab, browser, "09b-firewall-multiline-saved")


def save_rules_in_the_editor(browser, controller, rules):
    """Types `rules` into the editor (one per line), reviews and saves them."""
    browser.get(controller.url + "/ui/firewall")
    area = browser.find_element(By.ID, "rules")
    area.clear()
    area.send_keys("\n".join(rules))
    result = browser.find_element(By.ID, "check-result")
    wait(browser).until(lambda d: result.get_attribute("data-state") == "ok")
    browser.find_element(By.ID, "review").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "save"))).click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), f"Saved and active: {len(rules)} rule"))


def test_hit_counters_of_unchanged_rules_survive_a_save(controller, browser):
    logged_in(browser, controller)
    ping = "INPUT_CUST -p icmp --icmp-type echo-request -j ACCEPT"
    before = [rule for rule, _ in controller.response("GET", "/api/firewall/rules")]
    save_rules_in_the_editor(browser, controller, before + [ping])
    subprocess.run(["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", controller.ip], check=True, capture_output=True)
    hits = lambda: {r["rule"]: r["packets"] for r in controller.response("GET", "/api/v2/firewall/rules?osview=True")}[ping]
    counted = hits()
    assert counted >= 3, counted
    # Another save that removes a rule and adds one: the ping rule is unchanged and keeps its count.
    save_rules_in_the_editor(browser, controller, before[1:] + ["INPUT_CUST -s 198.18.0.80/32 -j DROP", ping])
    assert hits() >= counted
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#active-rules tbody tr") if ping in r.text)
    assert int(row.find_elements(By.TAG_NAME, "td")[4].text) >= counted, row.text


def test_firewall_page_shows_the_protective_default_read_only(controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/firewall")
    table = browser.find_element(By.ID, "protective-default")
    rows = [(r.get_attribute("data-chain"), r.find_element(By.TAG_NAME, "code").text)
            for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert ("INPUT", "-p tcp -m tcp --dport 8000 -j ACCEPT") in rows, rows
    assert ("INPUT", "-p udp -m udp --dport 51820 -j ACCEPT") in rows, rows
    assert rows[-1] == ("FORWARD", "-j DROP") and ("INPUT", "-j DROP") in rows, rows
    # Read-only: nothing in it can be edited or submitted, and the kernel holds the same rules.
    section = table.find_element(By.XPATH, "ancestor::section")
    assert section.find_elements(By.CSS_SELECTOR, "input, textarea, button, select, form") == []
    saved = controller.in_ns("iptables-save", "-t", "filter").stdout
    assert "-A WEFT_INPUT -p tcp -m tcp --dport 8000 -j ACCEPT" in saved, saved


# -- passwords, logout, layout ---------------------------------------------------------------

def test_change_the_api_password(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/account")
    assert unlabelled_inputs(browser) == []
    shot(lab, browser, "10-passwords")
    new = "ui-changed-api-pw"
    browser.find_element(By.ID, "api-current").send_keys(controller.admin_password)
    browser.find_element(By.ID, "api-new").send_keys(new)
    browser.find_element(By.ID, "api-confirm").send_keys(new)
    browser.find_element(By.CSS_SELECTOR, "#api-form button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "The API password is changed"))
    assert controller.get("/api/config").status_code == 401
    assert controller.get("/api/config", password=new).status_code == 200
    old = controller.api_password
    controller.api_password = new
    try:
        assert controller.put("/api/api_password", {"password": old}).status_code == 200
    finally:
        controller.api_password = old
    assert controller.get("/api/config").status_code == 200


def test_logout_ends_the_session(lab, controller, browser):
    logged_in(browser, controller)
    old = session_cookie(browser)["value"]
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "You are logged out"))
    assert browser.get_cookie("weft_session") is None
    shot(lab, browser, "11-logged-out")
    browser.get(controller.url + "/ui/clientpacks")
    wait(browser).until(EC.url_contains("/ui/login"))
    r = http(controller, old, "GET", "/ui/")
    assert r.status_code == 303 and "/ui/login" in r.headers["Location"]


@pytest.mark.parametrize("page", ["/ui/login", "/ui/clientpacks", "/ui/", "/ui/firewall"])
def test_narrow_screen_has_no_horizontal_overflow(lab, controller, downloads, page):
    driver = make_driver(downloads, width=375, height=812)
    try:
        if page != "/ui/login":
            logged_in(driver, controller)
        driver.get(controller.url + page)
        wait(driver).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
        assert driver.execute_script("return window.innerWidth") <= 400
        assert not overflows(driver), page
        shot(lab, driver, "narrow" + page.replace("/", "-").rstrip("-"))
    finally:
        driver.quit()


def test_repeated_wrong_passwords_are_throttled_with_a_clear_message(lab, short_session_controller, downloads):
    c = short_session_controller       # allows 3 failed logins per address per minute
    driver = make_driver(downloads)
    try:
        for _ in range(3):
            login(driver, c, password="wrong-guess")
            wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Wrong user name or password"))
        login(driver, c)               # even the right password waits now
        wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Too many failed logins; wait a minute"))
        assert driver.current_url.endswith("/ui/login") and driver.get_cookie("weft_session") is None
        shot(lab, driver, "12-login-throttled")
    finally:
        driver.quit()
