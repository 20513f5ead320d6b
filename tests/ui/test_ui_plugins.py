"""The web UI's plugins pages in headless Chromium against a live controller: a plugin
installed from a file on the controller, an instance started from the form, its log tail,
a configuration file edited in a textarea (the browser sends CRLF; the file keeps LF), the
diff between versions, a revert to version 1, a process restarted and a port_map preset
shown among the rules that reach the instance; then instance and plugin deleted."""

import json
import tarfile

from selenium.webdriver.common.by import By

from ociimage import busybox_layer, docker_archive, tar_bytes
from uihelpers import logged_in, wait
from weftnet import wait_until

MANAGER = {
    "log_files": [{"path": "/var/ui.log"}],
    "configuration_files": [{"path": "/etc/ui.conf"}],
    "process_manager": {"name": "weft", "subprocesses": ["writer"],
                        "programs": {"writer": "/bin/sh -c 'while true; do echo ui-tick >> /var/ui.log; sleep 1; done'"}},
}


def test_plugins_pages(lab, browser, tmp_path):
    c = lab.add_controller()
    extra = tar_bytes([("opt", b"", 0o755, tarfile.DIRTYPE, ""), ("opt/plugin-manager", b"", 0o755, tarfile.DIRTYPE, ""),
                       ("opt/plugin-manager/config.json", json.dumps(MANAGER).encode(), 0o644, tarfile.REGTYPE, ""),
                       ("etc/ui.conf", b"one=1\n", 0o644, tarfile.REGTYPE, "")])
    archive = tmp_path / "uiplugin.tar"
    archive.write_bytes(docker_archive([busybox_layer(), extra], ["/bin/sleep", "1000000"]))
    logged_in(browser, c)
    browser.get(c.url + "/ui/plugins")
    browser.find_element(By.ID, "plugin-name").send_keys("uiplug")
    browser.find_element(By.ID, "plugin-url").send_keys(f"file://{archive}")
    browser.find_element(By.ID, "install-plugin").click()
    wait(browser, 30).until(lambda d: "Plugin uiplug is being installed." in d.page_source)
    wait_until(lambda: all(p["status"] == "Ready" for p in c.get("/api/plugins").json()["response"]) or None, timeout=60, what="plugin ready")
    browser.get(c.url + "/ui/plugins")
    assert "Ready" in browser.find_element(By.ID, "plugins").text
    browser.find_element(By.ID, "instance-name").send_keys("uiplug1")
    browser.find_element(By.ID, "start-instance").click()
    wait(browser, 30).until(lambda d: "Instance uiplug1 started." in d.page_source)
    instance_id = c.get("/api/plugin-instances").json()["response"][0]["id"]
    page = c.url + f"/ui/plugins/instances/{instance_id}"

    wait_until(lambda: browser.get(page) or "ui-tick" in browser.find_element(By.ID, "log-ui_log").text, timeout=20, what="log tail")
    area = browser.find_element(By.ID, "content-ui_conf")
    area.clear()
    area.send_keys("one=1\ntwo=2\n")
    browser.find_element(By.CSS_SELECTOR, "#config-ui_conf button[type=submit]").click()
    wait(browser, 30).until(lambda d: "Configuration file ui_conf saved as a new version." in d.page_source)
    content = c.get(f"/api/plugin-instances/{instance_id}/configurations/ui_conf/content").json()["response"]
    assert content == "one=1\ntwo=2\n"  # LF, though the browser sent CRLF
    browser.find_element(By.CSS_SELECTOR, "#versions-ui_conf tr[data-version='1'] a").click()
    diff = wait(browser, 10).until(lambda d: d.find_element(By.ID, "config-diff")).text
    assert "+ two=2" in diff and "  one=1" in diff
    browser.get(page)
    browser.find_element(By.CSS_SELECTOR, "#versions-ui_conf tr[data-version='2'] a.diff-previous").click()
    diff = wait(browser, 10).until(lambda d: d.find_element(By.ID, "config-diff")).text
    assert "+ two=2" in diff and "version 1 → version 2" in browser.page_source
    browser.get(page)
    browser.find_element(By.CSS_SELECTOR, "#versions-ui_conf tr[data-version='1'] button").click()
    wait(browser, 5).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    wait(browser, 30).until(lambda d: "Configuration file ui_conf reverted." in d.page_source)
    assert c.get(f"/api/plugin-instances/{instance_id}/configurations/ui_conf/content").json()["response"] == "one=1\n"

    before = c.get(f"/api/plugin-instances/{instance_id}/processes").json()["response"]["processes"][0]["pid"]
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Restart writer']").click()
    wait(browser, 30).until(lambda d: "Process action on writer done." in d.page_source)
    after = c.get(f"/api/plugin-instances/{instance_id}/processes").json()["response"]["processes"][0]["pid"]
    assert after and after != before

    browser.find_element(By.ID, "preset-host").send_keys("8090")
    browser.find_element(By.ID, "preset-container").send_keys("80")
    browser.find_element(By.ID, "apply-preset").click()
    wait(browser, 30).until(lambda d: "Firewall preset port_map applied." in d.page_source)
    assert "--dport 8090 -j DNAT" in browser.find_element(By.ID, "instance-rules").text
    browser.find_element(By.ID, "preset-host").send_keys("22")
    browser.find_element(By.ID, "preset-container").send_keys("22")
    browser.find_element(By.ID, "apply-preset").click()
    wait(browser, 30).until(lambda d: "Invalid host port" in d.page_source)

    browser.get(c.url + "/ui/plugins")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Delete instance uiplug1']").click()
    wait(browser, 5).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    wait(browser, 30).until(lambda d: "Instance uiplug1 deleted." in d.page_source)
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Delete plugin uiplug']").click()
    wait(browser, 5).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    wait(browser, 30).until(lambda d: "Plugin uiplug deleted." in d.page_source)
    assert c.get("/api/plugins").json()["response"] == []
