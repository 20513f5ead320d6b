"""The first hour in the browser: a fresh controller set up through /ui/setup — topology,
restart, keyset (a weak token refused first), peer id and public address — then a
WireGuard clientpack downloaded with the session and a real client connected."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from uihelpers import http, logged_in, login, session_cookie, shot, unlabelled_inputs, wait
from weftnet import wait_until

PACK = "100_127_255_194"


def submit(browser, button_id):
    browser.find_element(By.ID, button_id).click()


def test_setup_from_a_fresh_controller_to_a_connected_client(lab, browser):
    c = lab.add_controller()
    login(browser, c)
    wait(browser).until(EC.presence_of_element_located((By.ID, "setup-banner")))
    browser.get(c.url + "/ui/clientpacks")
    assert "no topology" in browser.find_element(By.ID, "no-clientpacks").text

    # 1. Topology: VNS3's default; the controller restarts and the page waits for it.
    browser.get(c.url + "/ui/setup")
    assert browser.find_element(By.CSS_SELECTOR, "[data-step='1']").get_attribute("data-state") == "current"
    assert unlabelled_inputs(browser) == []
    shot(lab, browser, "setup-1-topology")
    pid = c.pid
    submit(browser, "topology-accept")
    wait(browser).until(EC.presence_of_element_located((By.ID, "restart-wait")))
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="restart after the topology")
    c.wait_ready()
    assert c.pid == pid
    wait(browser, 60).until(lambda d: d.find_element(By.ID, "restart-login").is_displayed())

    # 2. Keyset: downloads stay hidden; a weak token is refused with its reason, a strong one works.
    logged_in(browser, c)
    browser.get(c.url + "/ui/clientpacks")
    assert "no keyset" in browser.find_element(By.ID, "no-clientpacks").text
    browser.get(c.url + "/ui/setup")
    for field in ("token", "token_again"):
        browser.find_element(By.ID, field).send_keys("onlylettershere")
    submit(browser, "keyset-generate-button")
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.error"), "only one kind of character"))
    assert c.get("/api/keyset").json()["response"]["keyset_present"] is False
    for field in ("token", "token_again"):
        browser.find_element(By.ID, field).send_keys("first-hour-2026")
    submit(browser, "keyset-generate-button")
    wait(browser, 90).until(EC.presence_of_element_located((By.ID, "identity-form")))

    # 3. Peer id and public address: the lab's address is a benchmarking-range one, so the page warns.
    note = browser.find_element(By.ID, "public-ip-note").text
    assert "benchmarking-range" in note, note
    public = browser.find_element(By.ID, "public_ip")
    public.clear()
    public.send_keys(c.ip)
    shot(lab, browser, "setup-3-identity")
    submit(browser, "identity-save")
    wait(browser).until(EC.presence_of_element_located((By.ID, "setup-done")))
    assert c.response("GET", "/api/config")["public_ipaddress"] == c.ip
    browser.get(c.url + "/ui/")
    assert not browser.find_elements(By.ID, "setup-banner")
    assert browser.find_elements(By.ID, "public-ip-warning")

    # The first client: the WireGuard file from the UI, with this controller as its endpoint.
    c.wait_applied("overlay")
    r = http(c, session_cookie(browser)["value"], "GET", f"/ui/clientpacks/{PACK}/download?format=wireguard")
    assert r.status_code == 200 and f"Endpoint = {c.ip}:51820" in r.text, r.text[:400]
    client = lab.add_wireguard_client()
    client.connect(r.text, "100.127.255.194/26")
    try:
        wait_until(lambda: client.ping("100.127.255.253"), timeout=30, what="first client reaches the controller")
        browser.get(c.url + f"/ui/clientpacks/{PACK}")
        wait(browser, 30).until(lambda d: (d.refresh() or True) and "connected" in d.find_element(By.TAG_NAME, "main").text.lower())
    finally:
        client.stop()
        c.stop()
