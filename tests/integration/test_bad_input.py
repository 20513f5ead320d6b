"""Bad input gets a clear 4xx in the VNS3 error envelope and changes nothing in the store."""

import pytest

BAD_REQUESTS = [
    # (method, path, raw body, expected status, word the message must contain)
    ("PUT", "/api/config", '{"controller_name": ', 400, "JSON"),
    ("PUT", "/api/config", '["controller_name"]', 400, "object"),
    ("PUT", "/api/config", '{"controller_name": 42}', 400, "controller_name"),
    ("PUT", "/api/config", '{"controller_nmae": "x"}', 400, "controller_nmae"),
    ("PUT", "/api/config", '{"ntp_hosts": ["a", "b"]}', 400, "ntp_hosts"),
    ("PUT", "/api/license/parameters", '{"subnet": "10.0.0.0/33"}', 400, "subnet"),
    ("PUT", "/api/license/parameters", '{"subnet": "10.0.0.1/24"}', 400, "subnet"),
    ("PUT", "/api/license/parameters", '{"subnet": "10.0.0.0/30"}', 400, "subnet"),
    ("PUT", "/api/license/parameters", '{"subnet": "10.0.0.0/24", "managers": "10.0.0.1 10.9.9.9"}', 400, "managers"),
    ("PUT", "/api/license/parameters", '{"subnet": "10.0.0.0/24", "managers": "10.0.0.1", "asns": "x"}', 400, "asns"),
    ("PUT", "/api/license/parameters", '{"default": "maybe"}', 400, "default"),
    ("PUT", "/api/peering/self", '{"id": "one"}', 400, "id"),
    ("PUT", "/api/peering/self", '{}', 400, "id"),
    ("PUT", "/api/keyset", '{"source": "198.18.0.99"}', 400, "token"),
    ("PUT", "/api/keyset", '{"token": "t", "source": "not an address!"}', 400, "source"),
    ("POST", "/api/access/token", '{"expires": "soon"}', 400, "expires"),
    ("PUT", "/api/api_password", '{"password": ""}', 400, "password"),
    ("PUT", "/api/api_password", '{}', 400, "password"),
    ("PUT", "/api/admin_ui", '{"enabled": "sometimes"}', 400, "enabled"),
]


@pytest.fixture(scope="module")
def target(lab):
    c = lab.add_controller(extra_args=["--no-apply"])
    # Licence parameters are only accepted once a licence text is uploaded.
    r = c.request("PUT", "/api/license", raw="bad-input test licence", headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    yield c
    c.stop()


@pytest.mark.parametrize("method,path,raw,status,word", BAD_REQUESTS,
                         ids=[f"{m} {p} {r[:28]}" for m, p, r, _, _ in BAD_REQUESTS])
def test_bad_request_is_refused_and_changes_nothing(target, method, path, raw, status, word):
    before_generation = target.generation()
    before_config = target.response("GET", "/api/config")
    before_license = target.get("/api/license").text
    r = target.request(method, path, raw=raw)
    assert r.status_code == status, r.text
    body = r.json()
    assert list(body) == ["error"] and set(body["error"]) == {"name", "message"}
    assert word.lower() in body["error"]["message"].lower(), body
    assert "\n" not in r.text.strip(), "error bodies are one line"
    assert target.generation() == before_generation
    assert target.response("GET", "/api/config") == before_config
    assert target.get("/api/license").text == before_license


def test_oversized_body_is_refused(target):
    before = target.generation()
    r = target.request("PUT", "/api/config", raw='{"controller_name": "' + "x" * (2 * 1024 * 1024) + '"}')
    assert r.status_code == 413, r.text[:200]
    assert "error" in r.json()
    assert target.generation() == before


def test_lenient_strings_and_json_content_type_on_get(target):
    # The SDK sends Content-Type: application/json on GETs and "True"/"False" strings.
    r = target.get("/api/config", headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    r = target.put("/api/server", {"reboot": "False"})
    assert r.status_code == 200 and r.json()["response"]["status"] == "running"


def test_a_good_write_bumps_the_generation_and_is_audited(target):
    before = target.generation()
    target.response("PUT", "/api/config", {"controller_name": "audited"})
    assert target.generation() == before + 1
    audit = target.response("GET", "/api/audit")
    assert any(entry["generation"] == before + 1 and entry["actor"] == "api" for entry in audit), audit[:3]
