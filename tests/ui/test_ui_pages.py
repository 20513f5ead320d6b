"""The web UI's IPsec, routes, peering, snapshot and admin pages in headless Chromium,
against live controllers: every form is used for real and its effect checked through the
API (and the kernel where there is one); refusals show the API's own message and change
nothing; snapshot restore and the TLS certificate restart a separate controller."""

import re
import ssl
import subprocess

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from uibrowser import make_driver
from uihelpers import flash_text, http, logged_in, login, overflows, page_shot, session_cookie, shot, unlabelled_inputs, wait
from weftnet import wait_until

REMOTE = "198.18.0.250"          # nobody answers there: the tunnel stays down, with a reason
NEW_PAGES = ["/ui/ipsec", "/ui/routes", "/ui/peering", "/ui/snapshots", "/ui/admin", "/ui/audit"]


# -- helpers ---------------------------------------------------------------------------------

def fill(driver, element_id, text):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)
    return field


def select(driver, element_id, value):
    driver.find_element(By.CSS_SELECTOR, f"#{element_id} option[value='{value}']").click()


def accept_confirm(driver):
    """The `data-confirm` dialog app.js opens before a delete."""
    wait(driver, 5).until(EC.alert_is_present())
    driver.switch_to.alert.accept()


def submit(driver, button, confirm=False):
    """Clicks a submit button and waits for the next page (after the dialog, if it asks).

    The old page is marked and the wait polls for a loaded page without the mark: while
    Chrome swaps documents, questions about the old one's elements can fail with errors
    other than "stale element", so `EC.staleness_of` is not enough."""
    driver.execute_script("document.documentElement.setAttribute('data-old-page', '')")
    button.click()
    if confirm:
        accept_confirm(driver)

    def loaded(d):
        try:
            return d.execute_script("return document.readyState === 'complete' && "
                                    "!document.documentElement.hasAttribute('data-old-page')")
        except WebDriverException:
            return False
    wait(driver).until(loaded)


def flash_is(driver, text, timeout=15):
    wait(driver, timeout).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), text))
    return flash_text(driver)


def api_endpoints(c):
    return c.response("GET", "/api/ipsec")["remote_endpoints"]


def audit_actions(c, limit=100):
    return [(a["actor"], a["action"]) for a in c.response("GET", f"/api/audit?limit={limit}")]


@pytest.fixture(scope="module")
def spare(lab):
    """A controller of its own for the tests that restart it (snapshot restore, TLS)."""
    return lab.add_controller()


@pytest.fixture(scope="module")
def spare_browser(lab, downloads):
    driver = make_driver(downloads)
    yield driver
    driver.quit()


# -- IPsec -----------------------------------------------------------------------------------

def test_ipsec_a_bad_psk_shows_the_apis_message_and_creates_nothing(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/ipsec")
    assert unlabelled_inputs(browser) == []
    page_shot(lab, browser, "20-ipsec-empty")
    generation = controller.generation()
    fill(browser, "ep-name", "branch-1")
    fill(browser, "ep-address", REMOTE)
    fill(browser, "ep-secret", "short")
    submit(browser, browser.find_element(By.ID, "create-endpoint"))
    message = flash_is(browser, 'Field "secret"')
    # The API refuses the same fields with the same words.
    r = controller.post("/api/ipsec/endpoints", {"name": "branch-1", "ipaddress": REMOTE, "secret": "short", "ike_version": 2})
    assert r.status_code == 400
    assert message == r.json()["error"]["message"] + " — nothing was changed.", message
    assert api_endpoints(controller) == {}
    assert controller.generation() == generation
    assert browser.find_element(By.ID, "ep-name").get_attribute("value") == "branch-1"    # kept for a retry
    page_shot(lab, browser, "21-ipsec-bad-psk")


def test_ipsec_endpoint_and_tunnels_from_the_forms(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/ipsec")
    fill(browser, "ep-name", "branch-1")
    fill(browser, "ep-address", REMOTE)
    fill(browser, "ep-secret", "a-long-enough-psk")
    select(browser, "ep-ike", "2")
    # Typed on three lines: the browser submits CRLF; phase 2 names its PFS group.
    fill(browser, "ep-extra", "phase1=aes256-sha2_256-dh14\nphase2=aes256-sha2_256-dh14\ndpd-delay=10")
    submit(browser, browser.find_element(By.ID, "create-endpoint"))
    flash_is(browser, "Endpoint ")
    endpoints = api_endpoints(controller)
    assert len(endpoints) == 1
    endpoint = next(iter(endpoints.values()))
    eid = endpoint["id"]
    assert endpoint["name"] == "branch-1" and endpoint["ipaddress"] == REMOTE and endpoint["ike_version"] == 2
    assert endpoint["psk"] == "a-long-enough-psk"
    assert endpoint["extra_config"].splitlines() == ["phase1=aes256-sha2_256-dh14", "phase2=aes256-sha2_256-dh14", "dpd-delay=10"]
    card = browser.find_element(By.ID, f"endpoint-{eid}")
    assert "a-long-enough-psk" not in browser.page_source          # the PSK is never shown

    tunnels = []
    for local, remote in [("192.168.50.0/24", "10.250.0.0/24"), ("192.168.51.0/24", "10.251.0.0/24")]:
        card = browser.find_element(By.ID, f"endpoint-{eid}")
        card.find_element(By.TAG_NAME, "summary").click()
        fill(browser, f"t{eid}-local", local)
        fill(browser, f"t{eid}-remote", remote)
        submit(browser, card.find_element(By.CSS_SELECTOR, "form.tunnel-form button[type=submit]"))
        flash_is(browser, "Tunnel ")
        tunnels.append(int(re.search(r"Tunnel (\d+) created", flash_text(browser)).group(1)))
    api_tunnels = api_endpoints(controller)[str(eid)]["tunnels"]
    assert sorted(int(t) for t in api_tunnels) == sorted(tunnels)
    first, second = tunnels

    # Live state: down (nothing at the remote address), with a reason; the table refreshes itself.
    row = lambda: browser.find_element(By.CSS_SELECTOR, f"#ipsec-status-table tr[data-tunnel='{first}']")
    assert row().get_attribute("data-state") == "down"
    assert row().find_element(By.CSS_SELECTOR, ".reason").text.strip() != ""
    wait(browser, 20).until(lambda d: d.find_element(By.ID, "ipsec-status").get_attribute("data-refreshed"))
    status = controller.response("GET", "/api/status/ipsec")[str(first)]
    assert status["connected"] is False and status["reason"]
    page_shot(lab, browser, "22-ipsec-endpoint")

    # Disable and enable the first tunnel.
    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#endpoint-{eid} tr[data-tunnel='{first}'] form button"))
    flash_is(browser, f"Tunnel {first} disabled")
    assert api_endpoints(controller)[str(eid)]["tunnels"][str(first)]["enabled"] is False
    assert row().find_element(By.CSS_SELECTOR, ".reason").text == "disabled"
    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#endpoint-{eid} tr[data-tunnel='{first}'] form button"))
    flash_is(browser, f"Tunnel {first} enabled")
    assert api_endpoints(controller)[str(eid)]["tunnels"][str(first)]["enabled"] is True

    # A duplicate tunnel is refused with the API's conflict message.
    card = browser.find_element(By.ID, f"endpoint-{eid}")
    card.find_element(By.TAG_NAME, "summary").click()
    fill(browser, f"t{eid}-local", "192.168.50.0/24")
    fill(browser, f"t{eid}-remote", "10.250.0.0/24")
    submit(browser, card.find_element(By.CSS_SELECTOR, "form.tunnel-form button[type=submit]"))
    assert "already has tunnel" in flash_is(browser, "nothing was changed")
    assert len(api_endpoints(controller)[str(eid)]["tunnels"]) == 2

    # Delete the second tunnel (the page asks first).
    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#endpoint-{eid} tr[data-tunnel='{second}'] form.inline:nth-of-type(2) button"), confirm=True)
    flash_is(browser, f"Tunnel {second} deleted")
    assert list(api_endpoints(controller)[str(eid)]["tunnels"]) == [str(first)]

    # Link history of the first tunnel.
    browser.get(controller.url + f"/ui/ipsec/tunnels/{first}/history")
    assert f"Tunnel {first}: link history" in browser.find_element(By.TAG_NAME, "h1").text
    page_shot(lab, browser, "23-ipsec-history")


def test_ipsec_route_based_endpoint_from_the_form(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/ipsec")
    fill(browser, "ep-name", "vti-site")
    fill(browser, "ep-address", "198.18.0.251")
    fill(browser, "ep-secret", "another-long-psk")
    select(browser, "ep-type", "vti")
    submit(browser, browser.find_element(By.ID, "create-endpoint"))
    assert 'Field "route_based_int_address" is required' in flash_is(browser, "nothing was changed")
    assert browser.find_element(By.CSS_SELECTOR, "#ep-type option[value=vti]").is_selected()     # kept for a retry
    fill(browser, "ep-secret", "another-long-psk")
    fill(browser, "ep-link", "169.254.77.0/30")
    fill(browser, "ep-rb-remote", "10.252.0.0/16")
    submit(browser, browser.find_element(By.ID, "create-endpoint"))
    eid = int(re.search(r"Endpoint (\d+) created", flash_is(browser, "created")).group(1))
    endpoint = api_endpoints(controller)[str(eid)]
    assert endpoint["vpn_type"] == "vti" and endpoint["route_based_int_address"] == "169.254.77.1/30"
    assert endpoint["route_based_remote"] == "10.252.0.0/16" and len(endpoint["tunnels"]) == 1
    assert browser.find_elements(By.CSS_SELECTOR, f"#endpoint-{eid} form.tunnel-form") == []    # one tunnel, no more
    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#endpoint-{eid} > .row form button"), confirm=True)
    flash_is(browser, f"Endpoint {eid} deleted")
    assert str(eid) not in api_endpoints(controller)


# -- routes ----------------------------------------------------------------------------------

def test_add_disable_and_delete_a_route(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/routes")
    assert unlabelled_inputs(browser) == []
    # Refused as the API refuses it.
    fill(browser, "route-cidr", "10.77.0.1/16")
    fill(browser, "route-gateway", "198.18.0.1")
    submit(browser, browser.find_element(By.ID, "create-route"))
    assert "has host bits set" in flash_is(browser, "nothing was changed")
    assert controller.response("GET", "/api/routes") == {}

    fill(browser, "route-cidr", "10.77.0.0/16")
    fill(browser, "route-gateway", "198.18.0.1")
    fill(browser, "route-description", "from the UI")
    submit(browser, browser.find_element(By.ID, "create-route"))
    rid = re.search(r"Route (\d+) created", flash_is(browser, "created")).group(1)
    route = controller.response("GET", "/api/routes")[rid]
    assert route["cidr"] == "10.77.0.0/16" and route["gateway"] == "198.18.0.1" and route["enabled"] is True
    assert route["advertise"] is False and route["description"] == "from the UI"
    kernel = lambda: controller.in_ns("ip", "route", "show", "10.77.0.0/16").stdout
    wait_until(lambda: "via 198.18.0.1" in kernel(), timeout=20, what="route in the kernel")
    page_shot(lab, browser, "24-routes")

    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#routes tr[data-route='{rid}'] form.inline:nth-of-type(1) button"))
    flash_is(browser, f"Route {rid} disabled")
    assert controller.response("GET", "/api/routes")[rid]["enabled"] is False
    wait_until(lambda: kernel().strip() == "", timeout=20, what="disabled route leaves the kernel")

    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#routes tr[data-route='{rid}'] form.inline:nth-of-type(2) button"), confirm=True)
    flash_is(browser, f"Route {rid} deleted")
    assert controller.response("GET", "/api/routes") == {}
    assert browser.find_elements(By.CSS_SELECTOR, f"#routes tr[data-route='{rid}']") == []


# -- peering ---------------------------------------------------------------------------------

def test_peering_set_own_id_add_and_remove_a_peer(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/peering")
    assert unlabelled_inputs(browser) == []
    select(browser, "self-id", "1")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "#self-form button"), confirm=True)
    flash_is(browser, "peer id is now 1")
    assert controller.response("GET", "/api/peering")["id"] == 1

    select(browser, "peer-id", "2")
    fill(browser, "peer-name", "not-an-address")
    submit(browser, browser.find_element(By.ID, "add-peer"))
    assert "IPv4 address" in flash_is(browser, "nothing was changed")

    select(browser, "peer-id", "2")
    fill(browser, "peer-name", "198.18.0.99")
    submit(browser, browser.find_element(By.ID, "add-peer"))
    flash_is(browser, "Peer 2 added")
    managers = controller.response("GET", "/api/peering")["managers"]
    assert managers["2"]["peered"] is True and managers["2"]["address"] == "198.18.0.99"
    row = browser.find_element(By.CSS_SELECTOR, "#peers tr[data-peer='2']")
    assert row.find_element(By.CSS_SELECTOR, ".link").text == "down"     # nobody at 198.18.0.99
    # The key state column: nobody answers there, so never "in step".
    key_state = row.find_element(By.CSS_SELECTOR, ".mesh-state").text
    assert key_state == "no exchange yet" or key_state.startswith("apart"), key_state
    page_shot(lab, browser, "25-peering")

    submit(browser, row.find_element(By.CSS_SELECTOR, "form button"), confirm=True)
    flash_is(browser, "Peer 2 removed")
    assert controller.response("GET", "/api/peering")["managers"]["2"].get("peered") is not True


# -- admin: tokens and audit -----------------------------------------------------------------

def test_api_token_created_in_the_ui_works_until_expired(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/admin")
    assert unlabelled_inputs(browser) == []
    fill(browser, "token-name", "ui-made-token")
    select(browser, "token-lifetime", "3600")
    submit(browser, browser.find_element(By.ID, "create-token"))
    flash_is(browser, "Copy its secret now")
    secret = browser.find_element(By.ID, "new-token").get_attribute("value")
    assert re.fullmatch(r"[0-9a-f]{64}", secret), secret
    page_shot(lab, browser, "26-admin-new-token")
    assert controller.get("/api/config", token=secret).status_code == 200
    tid = next(t["id"] for t in controller.response("GET", "/api/access/tokens") if t["name"] == "ui-made-token")

    browser.get(controller.url + "/ui/admin")
    assert secret not in browser.page_source                  # shown once
    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#tokens tr[data-token='{tid}'] form.inline:nth-of-type(1) button"))
    flash_is(browser, f"Token {tid} expired")
    assert browser.find_element(By.CSS_SELECTOR, f"#tokens tr[data-token='{tid}'] .state").text == "expired"
    assert controller.get("/api/config", token=secret).status_code == 401
    page_shot(lab, browser, "27-admin-token-expired")


def test_audit_page_lists_the_actions_just_done(lab, controller, browser):
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/audit")
    rows = browser.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
    seen = {(r.get_attribute("data-actor"), r.get_attribute("data-action")) for r in rows}
    for action in ["ipsec.endpoint.create", "ipsec.tunnels.create", "ipsec.tunnels.delete", "routes.create", "routes.disable",
                   "routes.delete", "peering.peer.create", "peering.peer.delete", "token.create", "token.expire"]:
        assert ("ui:vnscubed", action) in seen, action
    assert len(rows) <= 200
    page_shot(lab, browser, "28-audit")
    fill(browser, "audit-search", "token.")
    wait(browser).until(lambda d: all("token." in r.text for r in d.find_elements(By.CSS_SELECTOR, "#audit tbody tr") if r.is_displayed()))
    assert any(r.is_displayed() for r in browser.find_elements(By.CSS_SELECTOR, "#audit tbody tr"))


def test_tls_certificate_that_does_not_match_its_key_is_refused(lab, controller, browser, tmp_path):
    cert, _ = make_certificate(tmp_path, "a")
    _, other_key = make_certificate(tmp_path, "b")
    before = (controller.data_dir / "tls" / "server.crt").read_text()
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/admin")
    fill(browser, "tls-certificate", cert.read_text())
    fill(browser, "tls-key", other_key.read_text())
    submit(browser, browser.find_element(By.ID, "install-certificate"))
    assert "public keys differ" in flash_is(browser, "nothing was changed")
    assert (controller.data_dir / "tls" / "server.crt").read_text() == before


# -- passwords and the login throttle, shared with the API -----------------------------------

def test_admin_password_changed_through_the_api_ends_ui_sessions(controller, browser):
    logged_in(browser, controller)
    cookie = session_cookie(browser)["value"]
    # The API password changing through the API leaves the UI alone (as in the UI).
    old_api = controller.api_password
    assert controller.put("/api/api_password", {"password": "api-pw-changed-1"}).status_code == 200
    controller.api_password = "api-pw-changed-1"
    try:
        assert http(controller, cookie, "GET", "/ui/").status_code == 200
    finally:
        assert controller.put("/api/api_password", {"password": old_api}).status_code == 200
        controller.api_password = old_api
    # The admin password changing through the API ends every UI session.
    old_admin = controller.admin_password
    assert controller.put("/api/admin_ui", {"admin_password": "admin-pw-changed-1"}).status_code == 200
    try:
        r = http(controller, cookie, "GET", "/ui/")
        assert r.status_code == 303 and "/ui/login?expired=1" in r.headers["Location"]
        controller.admin_password = "admin-pw-changed-1"
        logged_in(browser, controller)
    finally:
        assert controller.put("/api/admin_ui", {"admin_password": old_admin}).status_code == 200
        controller.admin_password = old_admin


@pytest.fixture(scope="module")
def strict(lab):
    """A controller that allows 2 failed logins per address per minute."""
    return lab.add_controller(extra_args=["--login-failure-limit", "2"])


def test_failed_api_logins_throttle_the_ui_login_too(lab, strict, downloads):
    for _ in range(2):
        assert strict.get("/api/config", password="wrong-guess").status_code == 401
    assert strict.get("/api/config", password="wrong-guess").status_code == 429
    driver = make_driver(downloads)
    try:
        login(driver, strict)                 # the right password, from the same address
        flash_is(driver, "Too many failed logins")
        assert driver.get_cookie("weft_session") is None
    finally:
        driver.quit()


# -- pages: markup, labels, narrow screens ---------------------------------------------------

def test_new_pages_have_no_inline_script_or_style(controller, browser):
    logged_in(browser, controller)
    cookie = session_cookie(browser)["value"]
    for page in NEW_PAGES:
        r = http(controller, cookie, "GET", page)
        assert r.status_code == 200, page
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'"), page
        assert "<script>" not in r.text and " style=" not in r.text, page
        assert not re.search(r"<[^>]+\son[a-z]+=", r.text), page           # no inline event handlers
    # A form post without the CSRF token changes nothing.
    generation = controller.generation()
    r = http(controller, cookie, "POST", "/ui/routes", data={"cidr": "10.78.0.0/16", "gateway": "198.18.0.1"})
    assert r.status_code == 403 and controller.generation() == generation


@pytest.mark.parametrize("page", NEW_PAGES)
def test_new_pages_on_a_narrow_screen(lab, controller, downloads, page):
    driver = make_driver(downloads, width=375, height=812)
    try:
        logged_in(driver, controller)
        driver.get(controller.url + page)
        wait(driver).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
        assert driver.execute_script("return window.innerWidth") <= 400
        assert not overflows(driver), page
        assert unlabelled_inputs(driver) == [], page
        shot(lab, driver, "narrow" + page.replace("/", "-"))
    finally:
        driver.quit()


def test_delete_the_ipsec_endpoint(lab, controller, browser):
    eid = next(iter(api_endpoints(controller)))
    logged_in(browser, controller)
    browser.get(controller.url + "/ui/ipsec")
    submit(browser, browser.find_element(By.CSS_SELECTOR, f"#endpoint-{eid} > .row form button"), confirm=True)
    flash_is(browser, f"Endpoint {eid} deleted")
    assert api_endpoints(controller) == {}
    assert browser.find_elements(By.ID, f"endpoint-{eid}") == []


# -- snapshots and TLS on a controller of their own ------------------------------------------

def make_certificate(directory, name):
    """A self-signed P-256 certificate for 198.18.0.0/24 hosts, made with the openssl CLI."""
    key, cert = directory / f"{name}.key", directory / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "30", "-subj", f"/CN=weft-ui-{name}",
                    "-addext", "subjectAltName=IP:198.18.0.11,IP:198.18.0.12,IP:198.18.0.13,IP:198.18.0.14"],
                   check=True, capture_output=True)
    return cert, key


def wait_back(driver, timeout=90):
    """The restarting page's poll reports the controller back."""
    box = driver.find_element(By.ID, "restart-wait")
    wait(driver, timeout).until(lambda d: box.get_attribute("data-state") == "back")
    assert driver.find_element(By.ID, "restart-login").is_displayed()


def test_snapshot_create_download_upload_and_restore(lab, spare, spare_browser, downloads):
    c, driver = spare, spare_browser
    assert c.put("/api/config", {"controller_name": "before-restore"}).status_code == 200
    logged_in(driver, c)
    driver.get(c.url + "/ui/snapshots")
    assert unlabelled_inputs(driver) == []
    fill(driver, "snapshot-name", "ui-snap-1")
    submit(driver, driver.find_element(By.ID, "create-snapshot"))
    flash_is(driver, "Snapshot ui-snap-1 created")
    assert "ui-snap-1" in c.response("GET", "/api/snapshots")["snapshots"]

    # Download it through the page; it is the API's file, saved as .tar.gz (what it is).
    driver.find_element(By.CSS_SELECTOR, "#snapshots tr[data-snapshot='ui-snap-1'] a[download]").click()
    target = downloads / "ui-snap-1.tar.gz"
    wait_until(lambda: target.exists() and target.stat().st_size > 0 and not list(downloads.glob("ui-snap-1*.crdownload")),
               timeout=15, what="downloaded snapshot")
    api_download = c.get("/api/snapshots/ui-snap-1")
    assert target.read_bytes() == api_download.content
    assert api_download.headers["Content-Disposition"] == "attachment; filename=ui-snap-1.tar.gz"
    page_shot(lab, driver, "30-snapshots")

    # The running configuration moves on.
    assert c.put("/api/config", {"controller_name": "after-snapshot"}).status_code == 200
    assert c.post("/api/routes", {"cidr": "10.66.0.0/16", "gateway": "198.18.0.1"}).status_code == 200
    pid = c.pid

    # Upload with the progress bar; the review shows what the file holds and what would change.
    driver.execute_script("""
        window.__percents = [];
        var bar = document.getElementById('upload-progress');
        new MutationObserver(function () { window.__percents.push(Number(bar.getAttribute('data-percent'))); })
            .observe(bar, { attributes: true, attributeFilter: ['data-percent'] });""")
    driver.find_element(By.ID, "snapshot-file").send_keys(str(target))
    driver.find_element(By.ID, "upload").click()
    status = driver.find_element(By.ID, "upload-status")
    wait(driver, 30).until(lambda d: status.get_attribute("data-state") in ("checked", "error"))
    assert status.get_attribute("data-state") == "checked", status.text
    bar = driver.find_element(By.ID, "upload-progress")
    assert bar.get_attribute("value") == "100" and "100%" in status.text
    percents = driver.execute_script("return window.__percents")
    assert percents and percents[-1] == 100 and percents == sorted(percents), percents
    sections = [li.get_attribute("data-section") for li in driver.find_elements(By.CSS_SELECTOR, "#review-sections li")]
    assert {"controller", "tls"} <= set(sections), sections             # a fresh controller has no routes setting yet
    diff = driver.find_element(By.ID, "review-diff").text
    assert "after-snapshot" in diff and "before-restore" in diff and "10.66.0.0/16" in diff, diff
    assert "nextID" not in diff, diff                 # the route's id counter moved too: not shown
    assert "Clientpacks" in driver.find_element(By.ID, "review").text
    page_shot(lab, driver, "31-snapshot-review")
    # Nothing changed yet.
    assert c.response("GET", "/api/config")["controller_name"] == "after-snapshot"

    submit(driver, driver.find_element(By.ID, "restore"))
    wait(driver).until(EC.presence_of_element_located((By.ID, "restart-wait")))
    assert "restarting" in driver.find_element(By.ID, "restart-message").text
    assert not driver.find_element(By.ID, "restart-login").is_displayed()      # not before it is back
    page_shot(lab, driver, "32-snapshot-restarting")
    wait_back(driver)
    page_shot(lab, driver, "33-snapshot-restarted")
    c.wait_ready()
    assert c.pid == pid and c.alive()                          # re-exec: same process id
    assert c.response("GET", "/api/config")["controller_name"] == "before-restore"
    assert c.response("GET", "/api/routes") == {}
    # The restart logged everyone out.
    driver.find_element(By.ID, "restart-login").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "login-form")))


def test_tls_certificate_installed_and_served_after_restart_now(lab, spare, spare_browser, tmp_path):
    c, driver = spare, spare_browser
    cert, key = make_certificate(tmp_path, "served")
    logged_in(driver, c)
    driver.get(c.url + "/ui/admin")
    fill(driver, "tls-certificate", cert.read_text())
    fill(driver, "tls-key", key.read_text())
    submit(driver, driver.find_element(By.ID, "install-certificate"))
    flash_is(driver, "It takes effect at the next restart")
    assert "CN=weft-ui-served" in driver.find_element(By.ID, "tls-current").text
    served = lambda: ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((c.ip, 8000)))
    wanted = ssl.PEM_cert_to_DER_cert(cert.read_text())
    assert served() != wanted                                  # not before the restart
    page_shot(lab, driver, "34-admin-certificate-installed")
    submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Restart now']"), confirm=True)
    wait_back(driver)
    c.wait_ready()
    assert served() == wanted
    assert ("ui:vnscubed", "tls.install") in audit_actions(c)
