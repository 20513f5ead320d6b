"""The web UI's containers page in headless Chromium against a live controller: an image
imported from a file (progress bar, then Ready), a container started from the form at the
next free address with the firewall rule that reaches it shown, its logs, stop, delete."""

from selenium.webdriver.common.by import By

from ociimage import busybox_layer, docker_archive
from uihelpers import logged_in, wait
from weftnet import wait_until


def test_containers_page(lab, browser, tmp_path):
    c = lab.add_controller()
    r = c.put("/api/firewall", {"rules": "PREROUTING_CUST -i eth0 -p tcp --dport 2222 -j DNAT --to 198.51.100.2:80"})
    assert r.status_code == 200, r.text
    archive = tmp_path / "uiweb.tar"
    archive.write_bytes(docker_archive([busybox_layer()], ["/bin/sh", "-c", "echo ui-started; exec /bin/httpd -f -p 80 -h /www"]))
    logged_in(browser, c)
    browser.get(c.url + "/ui/containers")
    browser.find_element(By.ID, "image-file").send_keys(str(archive))
    browser.find_element(By.ID, "upload").click()
    wait(browser, 30).until(lambda d: d.find_element(By.ID, "upload-status").get_attribute("data-state") == "checked")
    assert browser.find_element(By.ID, "upload-progress").get_attribute("value") == "100"
    wait_until(lambda: all(i["status"] == "Ready" for i in c.get("/api/container_system/images").json()["response"]["images"]) or None,
               timeout=60, what="image ready")
    browser.get(c.url + "/ui/containers")
    assert "Ready" in browser.find_element(By.ID, "images").text
    browser.find_element(By.ID, "container-name").send_keys("uiweb")
    browser.find_element(By.ID, "start-container").click()
    wait(browser, 30).until(lambda d: "Container uiweb started." in d.page_source)
    row = browser.find_element(By.CSS_SELECTOR, "#containers tr[data-container]")
    assert "198.51.100.2" in row.text and "running" in row.text
    assert "--to 198.51.100.2:80" in row.text  # the firewall rule that reaches it
    row.find_element(By.LINK_TEXT, "Logs").click()
    wait(browser, 10).until(lambda d: "ui-started" in d.find_element(By.ID, "container-logs").text)
    browser.get(c.url + "/ui/containers")
    browser.find_element(By.CSS_SELECTOR, "#containers tr[data-container] button[aria-label='Stop container uiweb']").click()
    wait(browser, 30).until(lambda d: "Container uiweb stopped." in d.page_source)
    browser.find_element(By.CSS_SELECTOR, "#containers tr[data-container] button[aria-label='Delete container uiweb']").click()
    wait(browser, 5).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    wait(browser, 30).until(lambda d: "Container uiweb deleted." in d.page_source)
    assert c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"] == []
