"""The plugin catalog on the web UI's plugins page, in headless Chromium: a controller
whose offline catalog holds a small busybox image lists it, installs it with one click
(the image imported from the catalog, no network), then shows the installed version and
offers to install it again under another name; an instance of it starts from the form."""

import json
import os

from selenium.webdriver.common.by import By

from ociimage import busybox_layer, docker_archive
from uihelpers import logged_in, wait
from weftnet import wait_until


def test_install_from_the_catalog(lab, browser, tmp_path):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "tiny-0123456789abcdef.tar").write_bytes(
        docker_archive([busybox_layer()], ["/bin/sh", "-c", "echo tiny; sleep 1000000"], tag="tiny:0.1"))
    (catalog / "tiny.json").write_text(json.dumps({
        "catalog_id": "tiny", "name": "tiny", "version": "0.1", "description": "a busybox catalog plugin",
        "archive": "tiny-0123456789abcdef.tar", "manager": {}}))
    os.environ["WEFT_PLUGIN_CATALOG"] = str(catalog)
    try:
        c = lab.add_controller()
    finally:
        os.environ.pop("WEFT_PLUGIN_CATALOG", None)
    logged_in(browser, c)
    browser.get(c.url + "/ui/plugins")
    row = browser.find_element(By.CSS_SELECTOR, "#plugin-catalog tr[data-catalog='tiny']")
    assert "a busybox catalog plugin" in row.text and "0.1" in row.text
    assert row.find_element(By.CLASS_NAME, "installed").text == "no"
    row.find_element(By.CSS_SELECTOR, "button[aria-label='Install tiny 0.1 from the catalog']").click()
    wait(browser, 30).until(lambda d: "Plugin tiny is being installed." in d.page_source)
    plugins = wait_until(lambda: [p for p in c.get("/api/plugins").json()["response"] if p["status"] == "Ready"] or None,
                         timeout=60, what="catalog plugin ready")
    assert [(p["name"], p["version"], p["catalog_id"]) for p in plugins] == [("tiny", "0.1", "tiny")]
    assert c.get("/api/plugin-catalog").json()["response"][0]["installed"] is True

    browser.get(c.url + "/ui/plugins")
    row = browser.find_element(By.CSS_SELECTOR, "#plugin-catalog tr[data-catalog='tiny']")
    assert row.find_element(By.CLASS_NAME, "installed").text == "tiny 0.1"
    assert "Install again" in row.text
    assert "Ready" in browser.find_element(By.ID, "plugins").text
    browser.find_element(By.ID, "instance-name").send_keys("tiny1")
    browser.find_element(By.ID, "start-instance").click()
    wait(browser, 30).until(lambda d: "Instance tiny1 started." in d.page_source)
    instances = c.get("/api/plugin-instances").json()["response"]
    assert [(i["name"], i["status"]) for i in instances] == [("tiny1", "running")]
    c.delete(f"/api/plugin-instances/{instances[0]['id']}")
