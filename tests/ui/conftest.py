"""Fixtures for the web UI tests: a licensed, keyed controller and a headless Chromium.

Chromium runs as a child of the test process, which the `lab` fixture has moved into the
lab's client namespace, so the browser reaches https://198.18.0.1N:8000 like the SDK does.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from uibrowser import make_driver
from weftnet import wait_until

TOKEN = "ui-test-token"


@pytest.fixture(scope="session")
def controller(lab):
    """Controller 1: licensed with the default topology and keyed (clientpacks exist)."""
    c = lab.add_controller()
    c.license_default("ui test licence")
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")
    return c


@pytest.fixture(scope="session")
def short_session_controller(lab):
    """Controller 2: UI sessions expire after 2 idle seconds (WEFT_UI_SESSION_IDLE_SECONDS),
    and 3 failed logins per minute are allowed."""
    os.environ["WEFT_UI_SESSION_IDLE_SECONDS"] = "2"
    try:
        c = lab.add_controller(extra_args=["--login-failure-limit", "3"])
    finally:
        del os.environ["WEFT_UI_SESSION_IDLE_SECONDS"]
    return c


@pytest.fixture(scope="session")
def downloads():
    path = Path(tempfile.mkdtemp(prefix="weft-ui-dl-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(lab, downloads):
    driver = make_driver(downloads)
    yield driver
    driver.quit()
