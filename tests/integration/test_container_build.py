"""Dockerfile builds for real: `POST /api/container_system/images` with a `buildfile`
(a tar or zip context, or a Dockerfile alone), `localbuild` or `localimage`, built on a local
base image imported here (busybox-static, tests/harness/ociimage.py); RUN lines run by crun
in a build container with no network; the result imports like an upload and runs. Refusals
(an unsupported line, a context escaping its root) leave nothing behind."""

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests

from ociimage import busybox_layer, docker_archive, tar_bytes
from weftnet import wait_until

KEY = b"-----BEGIN TEST KEY-----\nweft-build-key\n-----END TEST KEY-----\n"


@pytest.fixture(scope="module")
def builder(lab):
    c = lab.add_controller()
    # The base: busybox plus an absolute symlink /escape -> /wefttest-escape (a COPY through it
    # must land inside the image, never on the host).
    link = tar_bytes([("escape", b"", 0o777, tarfile.SYMTYPE, "/wefttest-escape")])
    base = import_archive(c, docker_archive([busybox_layer(), link], ["/bin/sh"]), "base_image")
    yield {"c": c, "base": base}
    try:
        for container in c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]:
            c.delete(f"/api/container_system/containers/{container['Id']}")
    except Exception:  # noqa: BLE001 - teardown goes on
        pass


def post_image(c, name, files=None, data=None):
    fields = {"name": name, **(data or {})}
    return requests.post(c.url + "/api/container_system/images", auth=("api", c.api_password), verify=False, timeout=60,
                         files=files, data=fields if files else None, json=None if files else fields)


def wait_image(c, import_id, want="Ready", timeout=120):
    def done():
        images = c.get(f"/api/container_system/images?uuid={import_id}").json()["response"]["images"]
        assert images, f"image {import_id} not found"
        return images[0] if images[0]["status"] != "Importing" else None
    image = wait_until(done, timeout=timeout, what=f"image {import_id} finished")
    assert image["status"] == want, image
    return image


def import_archive(c, archive, name):
    r = post_image(c, name, files={"imagefile": ("image.tar", archive, "application/octet-stream")})
    assert r.status_code == 200, r.text
    return wait_image(c, r.json()["response"]["import_uuid"])


def context_tar(files: dict[str, bytes], extra=()) -> bytes:
    entries = [(name, data, 0o755 if name.endswith(".sh") else 0o644, tarfile.REGTYPE, "") for name, data in files.items()]
    return tar_bytes(entries + list(extra))


def build(c, name, dockerfile: str, files=None, extra=(), expect=200):
    context = context_tar({"Dockerfile": dockerfile.encode(), **(files or {})}, extra)
    r = post_image(c, name, files={"buildfile": ("context.tar", context, "application/x-tar")})
    assert r.status_code == expect, r.text
    return r


def run_logs(c, image_id, name, expect: str, timeout=30):
    r = c.post("/api/container_system/containers", {"image_uuid": image_id, "name": name})
    assert r.status_code == 200, r.text
    uuid = r.json()["response"]["uuid"]

    def logs():
        lines = c.get(f"/api/container_system/containers/{uuid}/logs?lines=50").json()["response"]["logs"]
        return lines if any(expect in line for line in lines) else None
    try:
        return wait_until(logs, timeout=timeout, what=f"{expect!r} in {name}'s log")
    finally:
        c.delete(f"/api/container_system/containers/{uuid}")


def image_count(c):
    return len(c.get("/api/container_system/images").json()["response"]["images"])


def build_leftovers(c):
    tmp = c.data_dir / "containers" / "tmp"
    return [p.name for p in tmp.iterdir() if p.name.startswith("build-")] if tmp.exists() else []


def test_a_build_on_a_local_base_runs_and_copies_a_key(builder):
    c = builder["c"]
    dockerfile = """\
# the articles' recipe: a local base, a RUN, a key copied in
FROM vns3local:base_image
ARG WHO=weft
RUN mkdir -p /etc/keys && echo "built by $WHO" > /etc/built && ip -o link > /etc/links
COPY key.pem /etc/keys/key.pem
COPY key.pem /escape/
COPY scripts/ /opt/scripts/
ENV GREETING="hello from env"
WORKDIR /srv/app
EXPOSE 8080 53/udp
LABEL purpose=test
CMD ["/bin/sh", "-c", "cat /etc/keys/key.pem /etc/built /etc/links /wefttest-escape/key.pem; echo \\"$GREETING\\"; pwd; /opt/scripts/hi.sh; echo done-marker; sleep 1000"]
"""
    r = build(c, "keyed:1", dockerfile, {"key.pem": KEY, "scripts/hi.sh": b"#!/bin/sh\necho hi-from-script\n"})
    body = r.json()["response"]
    assert body["status"] == "Image being uploaded"
    image = wait_image(c, body["import_uuid"])
    assert image["image_name"] == "keyed" and image["tag_name"] == "1" and image["id"].startswith("sha256:")
    assert image["id"] != builder["base"]["id"]
    logs = "\n".join(run_logs(c, image["id"], "keyed", "done-marker"))
    assert "weft-build-key" in logs
    assert "built by weft" in logs
    assert "hello from env" in logs and "/srv/app" in logs and "hi-from-script" in logs
    # RUN had no network: loopback only.
    links = [line for line in logs.splitlines() if ": <" in line]
    assert links and all(": lo:" in line for line in links), links
    # The COPY through the image's absolute symlink stayed in the image.
    assert logs.count("weft-build-key") == 2
    assert not Path("/wefttest-escape").exists()
    assert build_leftovers(c) == []


def test_a_failed_run_fails_the_import_with_its_status_and_output(builder):
    c = builder["c"]
    r = build(c, "failing:1", "FROM base_image\nRUN echo first-ok\nRUN echo the-tail-of-output; exit 3\n")
    image = wait_image(c, r.json()["response"]["import_uuid"], want="Failed")
    message = image["status_msg"]
    assert "Dockerfile line 3" in message and "status 3" in message and "the-tail-of-output" in message, message
    assert build_leftovers(c) == []


def test_an_unsupported_instruction_is_refused_with_its_line_and_nothing_is_made(builder):
    c = builder["c"]
    before = image_count(c)
    r = build(c, "bad:1", "FROM base_image\nRUN true\nHEALTHCHECK CMD true\n", expect=400)
    assert r.json()["error"]["message"] == "buildfile: Dockerfile line 3: HEALTHCHECK is not supported", r.text
    r = post_image(c, "bad:2", data={"localbuild": "FROM base_image\n\nVOLUME /data\n"})
    assert r.status_code == 400 and "Dockerfile line 3: VOLUME is not supported" in r.text, r.text
    r = build(c, "bad:3", "FROM nosuch:image\n", expect=400)
    assert "Dockerfile line 1: FROM nosuch:image: no local image" in r.text
    r = build(c, "bad:4", "FROM base_image\nCOPY missing.txt /x\n", expect=400)
    assert "Dockerfile line 2: COPY missing.txt: no such file in the build context" in r.text
    r = post_image(c, "bad:5", data={"localbuild": "FROM base_image", "url": "http://198.18.0.1/x.tar"})
    assert r.status_code == 400 and "give one image source" in r.text
    assert image_count(c) == before
    assert build_leftovers(c) == []


def test_a_context_escaping_its_root_is_refused(builder):
    c = builder["c"]
    before = image_count(c)
    dockerfile = "FROM base_image\nCOPY . /ctx/\n"
    escapes = [
        [("../outside", b"x", 0o644, tarfile.REGTYPE, "")],
        [("/etc/cron.d/evil", b"x", 0o644, tarfile.REGTYPE, "")],
        [("link", b"", 0o777, tarfile.SYMTYPE, "/etc/shadow")],
        [("sub/link", b"", 0o777, tarfile.SYMTYPE, "../../../etc")],
    ]
    for extra in escapes:
        r = build(c, "escape:1", dockerfile, extra=extra, expect=400)
        message = r.json()["error"]["message"]
        assert message.startswith("buildfile: build context") and ("escapes" in message or "outside" in message), message
    # A zip that climbs out is refused the same way.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("Dockerfile", dockerfile)
        z.writestr("../../evil", "x")
    r = post_image(c, "escape:2", files={"buildfile": ("context.zip", out.getvalue(), "application/zip")})
    assert r.status_code == 400 and "escapes the context root" in r.text, r.text
    assert image_count(c) == before


def test_zip_contexts_local_builds_and_local_tags(builder):
    c = builder["c"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("Dockerfile", "FROM base_image\nADD layer.tar /unpacked/\nCOPY note.txt /note.txt\n"
                                 "CMD [\"/bin/sh\", \"-c\", \"cat /note.txt /unpacked/inner/file.txt; sleep 1000\"]\n")
        z.writestr("note.txt", "zipped-note\n")
        z.writestr("layer.tar", tar_bytes([("inner/file.txt", b"unpacked-by-add\n", 0o644, tarfile.REGTYPE, "")]))
    r = post_image(c, "zipped:1", files={"buildfile": ("context.zip", out.getvalue(), "application/zip")})
    assert r.status_code == 200, r.text
    image = wait_image(c, r.json()["response"]["import_uuid"])
    logs = "\n".join(run_logs(c, image["id"], "zipped", "unpacked-by-add"))
    assert "zipped-note" in logs

    r = post_image(c, "inline:1", data={"localbuild": "FROM base_image\nRUN echo inline > /inline\nCMD [\"/bin/sh\", \"-c\", \"cat /inline; sleep 1000\"]\n"})
    assert r.status_code == 200, r.text
    inline = wait_image(c, r.json()["response"]["import_uuid"])
    assert "inline" in run_logs(c, inline["id"], "inline", "inline")

    r = post_image(c, "retagged:2", data={"localimage": "inline:1", "description": "a second name"})
    assert r.status_code == 200, r.text
    tagged = wait_image(c, r.json()["response"]["import_uuid"], timeout=5)
    assert tagged["id"] == inline["id"] and tagged["image_name"] == "retagged" and tagged["tag_name"] == "2"
    assert post_image(c, "x:1", data={"localimage": "nosuch"}).status_code == 404
    # A Dockerfile uploaded alone (no context) builds too.
    r = post_image(c, "alone:1", files={"buildfile": ("Dockerfile", b"FROM base_image\nENV A=1\n", "text/plain")})
    assert r.status_code == 200, r.text
    assert wait_image(c, r.json()["response"]["import_uuid"])["status"] == "Ready"


def test_a_build_from_a_url_and_its_refusal_after_the_download(builder):
    """`buildurl`: the Dockerfile (or context) is downloaded, then checked and built; a bad
    line found after the download fails the import with its line."""
    import http.server
    import threading
    c = builder["c"]
    bodies = {"/Dockerfile": b"FROM base_image\nRUN echo from-url > /from-url\nCMD [\"/bin/sh\", \"-c\", \"cat /from-url; sleep 1000\"]\n",
              "/bad": b"FROM base_image\nRUN true\nSTOPSIGNAL TERM\n",
              "/context.tar": context_tar({"Dockerfile": b"FROM base_image\nCOPY f /f\nCMD [\"/bin/sh\", \"-c\", \"cat /f; sleep 1000\"]\n", "f": b"url-context\n"})}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("198.18.0.1", 9181), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = post_image(c, "from-url:1", data={"buildurl": "http://198.18.0.1:9181/Dockerfile"})
        assert r.status_code == 200, r.text
        image = wait_image(c, r.json()["response"]["import_uuid"])
        assert "from-url" in run_logs(c, image["id"], "from-url", "from-url")
        r = post_image(c, "from-url:2", data={"buildurl": "http://198.18.0.1:9181/context.tar"})
        image = wait_image(c, r.json()["response"]["import_uuid"])
        assert "url-context" in run_logs(c, image["id"], "from-url-ctx", "url-context")
        r = post_image(c, "from-url:3", data={"buildurl": "http://198.18.0.1:9181/bad"})
        failed = wait_image(c, r.json()["response"]["import_uuid"], want="Failed")
        assert failed["status_msg"] == "Build failed: Dockerfile line 3: STOPSIGNAL is not supported", failed
        assert post_image(c, "x:1", data={"buildurl": "ftp://198.18.0.1/x"}).status_code == 400
    finally:
        server.shutdown()


def test_user_applies_to_later_runs_and_to_the_container_and_a_hostile_add_is_refused(builder):
    c = builder["c"]
    dockerfile = """\
FROM base_image
RUN echo 'app:x:1000:1000::/:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group
USER app
RUN test "$(id -u):$(id -g)" = "1000:1000"
CMD ["/bin/sh", "-c", "echo uid=$(id -u); sleep 1000"]
"""
    r = build(c, "as-app:1", dockerfile)
    image = wait_image(c, r.json()["response"]["import_uuid"])
    assert image["container_config"]["User"] == "app"
    assert "uid=1000" in run_logs(c, image["id"], "as-app", "uid=")
    before = image_count(c)
    hostile = tar_bytes([("../../etc/evil", b"x", 0o644, tarfile.REGTYPE, "")])
    r = build(c, "hostile-add:1", "FROM base_image\nADD layer.tar /\n", {"layer.tar": hostile}, expect=400)
    assert "Dockerfile line 2: ADD layer.tar:" in r.text and "climbs" in r.text, r.text
    assert image_count(c) == before


def test_a_scratch_build_from_a_context_runs(builder):
    c = builder["c"]
    busybox = Path("/bin/busybox").read_bytes()
    dockerfile = 'FROM scratch\nCOPY busybox /busybox\nENTRYPOINT ["/busybox"]\nCMD ["sh", "-c", "echo scratch-ok; exec /busybox sleep 1000"]\n'
    context = tar_bytes([("Dockerfile", dockerfile.encode(), 0o644, tarfile.REGTYPE, ""), ("busybox", busybox, 0o755, tarfile.REGTYPE, "")])
    r = post_image(c, "from-scratch:1", files={"buildfile": ("context.tar.gz", gzip.compress(context), "application/gzip")})
    assert r.status_code == 200, r.text
    image = wait_image(c, r.json()["response"]["import_uuid"])
    assert image["container_config"]["Entrypoint"] == ["/busybox"]
    assert run_logs(c, image["id"], "from-scratch", "scratch-ok")
