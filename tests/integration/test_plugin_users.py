"""Plugin-instance users for real: PUT /api/plugin-instances/{id}/users makes an account
inside the running container (its /etc/passwd, /etc/shadow with a SHA-512 crypt hash that
`openssl passwd -6` reproduces, /etc/group, ~/.ssh/authorized_keys owned by the account),
GET lists only the accounts made that way, DELETE removes one; the image's own accounts
and bad input are refused and change nothing."""

import os
import subprocess
from pathlib import Path

import pytest

from test_plugins import plugin_archive, root_of
from weftnet import wait_until

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJgJ4EYSgUc+DTE7EqQDUNJt6k2uB04hX1uUBKYSTd3x test@weft"


@pytest.fixture(scope="module")
def c(lab):
    controller = lab.add_controller()
    yield controller
    try:
        for instance in controller.get("/api/plugin-instances").json()["response"]:
            controller.delete(f"/api/plugin-instances/{instance['id']}")
    except Exception:  # noqa: BLE001 - teardown goes on
        pass


@pytest.fixture(scope="module")
def instance(c, lab):
    path = Path(lab.workdir) / "users-plugin.tar"
    path.write_bytes(plugin_archive())
    r = c.post("/api/plugins", {"name": "users", "image_url": f"file://{path}", "version": "1.0"})
    assert r.status_code == 201, r.text
    plugin_id = r.json()["response"]["id"]

    def ready():
        shown = c.get(f"/api/plugins/{plugin_id}").json()["response"]
        assert shown["status"] != "Failed", shown
        return shown if shown["status"] == "Ready" else None
    wait_until(ready, timeout=60, what="plugin image ready")
    r = c.post("/api/plugin-instances", {"name": "users1", "plugin_id": plugin_id})
    assert r.status_code == 201, r.text
    return r.json()["response"]


def account_files(root: Path) -> dict:
    return {name: (root / "etc" / name).read_text() if (root / "etc" / name).exists() else None
            for name in ("passwd", "shadow", "group")}


def test_a_user_with_a_password_and_a_key_is_a_real_account(c, instance):
    base = f"/api/plugin-instances/{instance['id']}/users"
    assert c.get(base).json()["response"] == []
    r = c.put(base, {"username": "alice", "password": "correct horse", "public_key": KEY + "\n"})
    assert r.status_code == 200, r.text
    shown = r.json()["response"]
    assert shown == {"username": "alice", "uid": 1000, "password": True, "public_key": KEY, "require_public_key": False}
    root = root_of(c, instance)
    passwd = (root / "etc/passwd").read_text().splitlines()
    assert "alice:x:1000:1000:weft plugin user:/home/alice:/bin/sh" in passwd
    assert passwd[0].startswith("root:")
    shadow = [line for line in (root / "etc/shadow").read_text().splitlines() if line.startswith("alice:")]
    assert len(shadow) == 1
    stored = shadow[0].split(":")[1]
    salt = stored.split("$")[2]
    assert stored == subprocess.run(["openssl", "passwd", "-6", "-salt", salt, "correct horse"],
                                    capture_output=True, text=True, check=True).stdout.strip()
    assert "correct horse" not in (root / "etc/shadow").read_text()
    assert oct((root / "etc/shadow").stat().st_mode & 0o777) == "0o640"
    assert "alice:x:1000:" in (root / "etc/group").read_text().splitlines()
    keys = root / "home/alice/.ssh/authorized_keys"
    assert keys.read_text() == KEY + "\n"
    for path, mode in ((keys, 0o600), (keys.parent, 0o700), (keys.parent.parent, 0o750)):
        info = os.stat(path, follow_symlinks=False)
        assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (1000, 1000, mode), path
    assert c.get(base).json()["response"] == [shown]


def test_an_update_changes_the_password_keeps_the_uid_and_key_only_turns_passwords_off(c, instance):
    base = f"/api/plugin-instances/{instance['id']}/users"
    root = root_of(c, instance)

    def hash_of(name):
        return next(line.split(":")[1] for line in (root / "etc/shadow").read_text().splitlines() if line.startswith(name + ":"))
    before = hash_of("alice")
    r = c.put(base, {"username": "alice", "password": "battery staple"})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["uid"] == 1000 and r.json()["response"]["public_key"] == KEY
    assert hash_of("alice") != before and hash_of("alice").startswith("$6$")
    r = c.put(base, {"username": "alice", "require_public_key": True})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["password"] is False and r.json()["response"]["require_public_key"] is True
    assert hash_of("alice") == "*"
    assert [line for line in (root / "etc/passwd").read_text().splitlines() if line.startswith("alice:")] == \
        ["alice:x:1000:1000:weft plugin user,key only:/home/alice:/bin/sh"]


@pytest.mark.parametrize("body, message", [
    ({"password": "x"}, "username"),
    ({"username": "Root!", "password": "x"}, "username"),
    ({"username": "root", "password": "x"}, "not one made through this API"),
    ({"username": "bob"}, "needs a password or a public_key"),
    ({"username": "bob", "public_key": "ssh-rsa AAAA"}, "not an OpenSSH public key"),
    ({"username": "bob", "public_key": KEY + "\n" + KEY}, "more than one line"),
    ({"username": "bob", "password": "line\nbreak"}, "control characters"),
    ({"username": "bob", "password": "x", "require_public_key": True}, "key only"),
    ({"username": "bob", "require_public_key": True}, "needs a public_key"),
    ({"username": "bob", "password": "x", "shell": "/bin/sh"}, "shell"),
])
def test_bad_users_are_refused_and_change_nothing(c, instance, body, message):
    root = root_of(c, instance)
    before = account_files(root)
    r = c.put(f"/api/plugin-instances/{instance['id']}/users", body)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]["message"], r.text
    assert account_files(root) == before
    assert not (root / "home/bob").exists()


def test_delete_removes_the_account_and_refuses_the_images_own(c, instance):
    base = f"/api/plugin-instances/{instance['id']}/users"
    root = root_of(c, instance)
    assert c.put(base, {"username": "carol", "password": "pw"}).status_code == 200
    assert [u["username"] for u in c.get(base).json()["response"]] == ["alice", "carol"]
    r = c.delete(f"{base}/root")
    assert r.status_code == 400 and "not one made through this API" in r.json()["error"]["message"], r.text
    assert c.delete(f"{base}/nobody").status_code == 404
    r = c.delete(f"{base}/alice")
    assert r.status_code == 200, r.text
    assert [u["username"] for u in r.json()["response"]] == ["carol"]
    text = account_files(root)
    assert all("alice" not in (text[name] or "") for name in text)
    assert text["passwd"].splitlines()[0] == "root:x:0:0:root:/:/bin/sh"
    assert not (root / "home/alice/.ssh").exists()
    assert c.get(f"/api/plugin-instances/999/users").status_code == 404
