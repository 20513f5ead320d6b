"""Network-namespace test harness for Weft.

A `Lab` is a small private network made only of namespaces it creates:

    <prefix>-cl   the "client" namespace: bridge br0 198.18.0.1/24; the test process
                  itself moves here (setns) so the SDK and requests reach controllers
    <prefix>-cN   controller N: eth0 198.18.0.(10+N)/24, default route via 198.18.0.1,
                  joined to br0 by a veth pair

Each controller is a real `weft serve` started with `ip netns exec` inside its own mount
namespace with a private tmpfs on /run. Teardown stops daemons by PID and deletes every
namespace by name; the host's own interfaces, routes and firewall are never touched.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import signal
import socket
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import requests
import urllib3

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)

CLONE_NEWNET = 0x40000000
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def weft_binary() -> str:
    path = os.environ.get("WEFT_BIN") or str(ROOT / ".build" / "debug" / "weft")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"weft binary not found at {path}; run `swift build` or set WEFT_BIN")
    return path


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(list(args), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def in_ns(ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return sh("ip", "netns", "exec", ns, *args, check=check)


def enter_netns(name: str) -> None:
    """Moves the calling thread (call it before any thread starts) into namespace `name`."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    """Polls `predicate` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - polled conditions fail while converging
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f": {last_error}" if last_error else ""))


@dataclass
class Controller:
    lab: "Lab"
    index: int
    api_password: str = "weft-test-api-pw"
    admin_password: str = "weft-test-ui-pw"
    extra_args: list[str] = field(default_factory=list)
    # Seed the API password from a file (--api-password-file) instead of the command line.
    password_file: bool = False
    process: subprocess.Popen | None = None

    @property
    def ns(self) -> str:
        return f"{self.lab.prefix}-c{self.index}"

    @property
    def ip(self) -> str:
        return f"198.18.0.{10 + self.index}"

    @property
    def host(self) -> str:
        return f"{self.ip}:8000"

    @property
    def url(self) -> str:
        return f"https://{self.ip}:8000"

    @property
    def data_dir(self) -> Path:
        return self.lab.workdir / f"c{self.index}"

    @property
    def log_path(self) -> Path:
        return self.lab.artifacts / f"c{self.index}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, wait: bool = True) -> "Controller":
        assert self.process is None or self.process.poll() is not None, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        api_password = ["--api-password", self.api_password]
        if self.password_file:
            secret = self.data_dir.parent / f"c{self.index}-api-password"
            secret.write_text(self.api_password + "\n")
            secret.chmod(0o600)
            api_password = ["--api-password-file", str(secret)]
        args = [
            weft_binary(), "serve",
            "--data-dir", str(self.data_dir),
            *api_password,
            "--admin-password", self.admin_password,
            "--log-level", "debug",
            *self.extra_args,
        ]
        log = open(self.log_path, "ab")
        # ip netns exec -> unshare -> sh -> weft all exec in place: the PID is weft's.
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "unshare", "--mount", "--propagation", "private",
             "sh", "-c", 'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$@"', "weft", *args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"weft exited with {self.process.returncode}; see {self.log_path}")
            return self.get("/api/config").status_code == 200
        wait_until(ready, timeout=timeout, what=f"controller {self.index} API")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- HTTP -------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, auth=True, password: str | None = None,
                token: str | None = None, body=None, raw: bytes | str | None = None,
                headers: dict | None = None, timeout: float = 10.0) -> requests.Response:
        hdrs = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth and token is None:
            user_pw = f"api:{password if password is not None else self.api_password}"
            hdrs["Authorization"] = "Basic " + base64.b64encode(user_pw.encode()).decode()
        if token is not None:
            hdrs["api-token"] = token
        hdrs.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return requests.request(method, self.url + path, headers=hdrs, data=data,
                                verify=False, timeout=timeout)

    def get_or_none(self, path: str, **kw) -> requests.Response | None:
        """GET, or None when the API cannot be reached at all."""
        try:
            return self.request("GET", path, timeout=3, **kw)
        except requests.RequestException:
            return None

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def put(self, path: str, body=None, **kw) -> requests.Response:
        return self.request("PUT", path, body=body, **kw)

    def post(self, path: str, body=None, **kw) -> requests.Response:
        return self.request("POST", path, body=body, **kw)

    def delete(self, path: str, body=None, **kw) -> requests.Response:
        return self.request("DELETE", path, body=body, **kw)

    def response(self, method: str, path: str, body=None, **kw):
        """The `response` payload of a call that must succeed."""
        r = self.request(method, path, body=body, **kw)
        assert r.status_code == 200, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()["response"]

    def generation(self) -> int:
        return self.response("GET", "/api/status")["weft"]["generation"]

    def in_ns(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return in_ns(self.ns, *args, check=check)

    def wait_applied(self, subsystem: str, timeout: float = 30.0) -> dict:
        """Waits until `subsystem` reports ok at the store's current generation."""
        def converged():
            status = self.response("GET", "/api/status")["weft"]
            sub = status["subsystems"].get(subsystem)
            if sub and sub["status"] == "ok" and sub["applied_generation"] == status["generation"]:
                return sub
            if sub and sub["status"] == "error":
                raise AssertionError(f"{subsystem} failed: {sub['message']}")
            return None
        return wait_until(converged, timeout=timeout, what=f"{subsystem} applied")

    # -- setup ------------------------------------------------------------------------------

    def license_default(self, text: str = "test licence") -> None:
        """Uploads a licence and accepts the default topology; waits through the restart."""
        r = self.request("PUT", "/api/license", raw=text, headers={"Content-Type": "text/plain"})
        assert r.status_code == 200, r.text
        assert self.put("/api/license/parameters", {"default": True}).status_code == 200
        wait_until(lambda: self.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="licence restart")
        self.wait_ready()

    def make_keyset(self, token: str, source: str | None = None) -> None:
        """Generates the keyset (or fetches it from `source`) and waits until it is present."""
        body = {"token": token} if source is None else {"token": token, "source": source}
        assert self.put("/api/keyset", body).status_code == 200
        wait_until(lambda: self.response("GET", "/api/keyset")["keyset_present"], timeout=60, what="keyset")

    # -- SDK --------------------------------------------------------------------------------

    def sdk(self, password: str | None = None, token: str | None = None):
        from cohesivenet import Configuration, VNS3Client
        config = Configuration(host=self.host, username="api",
                               password=(password if password is not None else self.api_password) if token is None else "",
                               api_token=token, verify_ssl=False)
        return VNS3Client(config)


ECHO_SERVER = r"""
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    while True:
        c, peer = s.accept()
        c.sendall(f"{peer[0]} {port}\n".encode()); c.close()
ports = [int(p) for p in sys.argv[1:]]
for p in ports[1:]:
    threading.Thread(target=serve, args=(p,), daemon=True).start()
print("ready", flush=True)
serve(ports[0])
"""


@dataclass
class InsideHost:
    """A namespace behind a controller running a TCP server that answers with the
    connecting peer's address."""
    lab: "Lab"
    controller: Controller
    net: int
    server: subprocess.Popen | None = None

    @property
    def ns(self) -> str:
        return f"{self.lab.prefix}-h{self.net}"

    @property
    def ip(self) -> str:
        return f"198.19.{self.net}.2"

    def serve(self, *ports: int) -> None:
        self.server = subprocess.Popen(["ip", "netns", "exec", self.ns, "python3", "-c", ECHO_SERVER, *map(str, ports)],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.server.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=10)


def tcp_ask(address: str, port: int, timeout: float = 2.0) -> str | None:
    """Connects and returns what the echo server says ("peer-address port"), or None."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(200).decode().strip()
    except OSError:
        return None


WG_CLIENT = r"""
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
WG_PROCESS_FOREGROUND=1 wireguard-go -f wgc >/dev/null 2>&1 &
for i in $(seq 1 100); do [ -S /run/wireguard/wgc.sock ] && break; sleep 0.05; done
grep -v '^Address' "$1" > /run/wgc.conf
wg setconf wgc /run/wgc.conf
ip addr add "$2" dev wgc
ip link set wgc up
# With a third argument, weft-client (the failover helper) watches the controller.
if [ -n "${3:-}" ]; then python3 -u "$3" --interface wgc "$1" > "$1.failover.log" 2>&1 & fi
echo ready
wait
"""


@dataclass
class WireGuardClient:
    """A namespace on the client bridge running wireguard-go with a downloaded clientpack."""
    lab: "Lab"
    index: int
    process: subprocess.Popen | None = None

    @property
    def ns(self) -> str:
        return f"{self.lab.prefix}-w{self.index}"

    @property
    def ip(self) -> str:
        return f"198.18.0.{100 + self.index}"

    def connect(self, config_text: str, overlay_cidr: str, failover: bool = False) -> None:
        """Brings up `wgc` with a downloaded clientpack; with `failover`, also runs
        scripts/weft-client, which moves the peer to the next controller when this one dies."""
        path = self.lab.workdir / f"w{self.index}.conf"
        path.write_text(config_text)
        helper = [str(Path(__file__).resolve().parents[2] / "scripts" / "weft-client")] if failover else []
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "unshare", "--mount", "--propagation", "private",
             "sh", "-c", WG_CLIENT, "wg-client", str(path), overlay_cidr, *helper],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        line = self.process.stdout.readline().strip()
        assert line == "ready", f"wireguard client {self.index} failed: {line}"

    def ping(self, address: str, timeout: float = 1.0) -> bool:
        return in_ns(self.ns, "ping", "-c", "1", "-W", str(int(max(1, timeout))), address, check=False).returncode == 0

    def connect_openvpn(self, config_text: str, timeout: float = 30.0) -> None:
        """Runs the `openvpn` client with a downloaded .ovpn instead of WireGuard."""
        path = self.lab.workdir / f"o{self.index}.ovpn"
        path.write_text(config_text)
        self.process = subprocess.Popen(["ip", "netns", "exec", self.ns, "openvpn", "--config", str(path)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            seen.append(line.strip())
            if "Initialization Sequence Completed" in line:
                threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()
                return
        raise AssertionError("openvpn client did not connect:\n" + "\n".join(seen[-15:]))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class Lab:
    """A client namespace with a bridge, and controllers joined to it."""

    def __init__(self, prefix: str, artifacts_name: str, workdir: Path):
        assert len(prefix) <= 8, "namespace and interface names must stay short"
        self.prefix = prefix
        self.workdir = workdir
        self.artifacts = ARTIFACTS / artifacts_name
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.controllers: list[Controller] = []
        self.client_ns = f"{prefix}-cl"
        self.hosts: list[InsideHost] = []
        self.wg_clients: list[WireGuardClient] = []
        self._created: list[str] = []

    def up(self) -> "Lab":
        sh("ip", "netns", "add", self.client_ns)
        self._created.append(self.client_ns)
        in_ns(self.client_ns, "ip", "link", "set", "lo", "up")
        in_ns(self.client_ns, "ip", "link", "add", "br0", "type", "bridge")
        in_ns(self.client_ns, "ip", "addr", "add", "198.18.0.1/24", "dev", "br0")
        in_ns(self.client_ns, "ip", "link", "set", "br0", "up")
        return self

    def add_controller(self, start: bool = True, **kw) -> Controller:
        controller = Controller(self, len(self.controllers) + 1, **kw)
        self._on_bridge(controller.ns, f"p{controller.index}", controller.ip)
        in_ns(controller.ns, "ip", "route", "add", "default", "via", "198.18.0.1")
        self.controllers.append(controller)
        if start:
            controller.start()
        return controller

    def _on_bridge(self, ns: str, port: str, ip: str) -> None:
        """Creates namespace `ns` with eth0 at `ip`/24, joined to br0 by veth `port`."""
        sh("ip", "netns", "add", ns)
        self._created.append(ns)
        in_ns(ns, "ip", "link", "set", "lo", "up")
        in_ns(self.client_ns, "ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        in_ns(self.client_ns, "ip", "link", "set", port, "master", "br0")
        in_ns(self.client_ns, "ip", "link", "set", port, "up")
        in_ns(ns, "ip", "addr", "add", f"{ip}/24", "dev", "eth0")
        in_ns(ns, "ip", "link", "set", "eth0", "up")

    def add_inside_host(self, controller: Controller, net: int) -> "InsideHost":
        """A host behind `controller`: controller eth<k> 198.19.<net>.1/24 ↔ host 198.19.<net>.2."""
        host = InsideHost(self, controller, net)
        sh("ip", "netns", "add", host.ns)
        self._created.append(host.ns)
        in_ns(host.ns, "ip", "link", "set", "lo", "up")
        device = f"eth{net}"
        in_ns(controller.ns, "ip", "link", "add", device, "type", "veth", "peer", "name", "eth0", "netns", host.ns)
        in_ns(controller.ns, "ip", "addr", "add", f"198.19.{net}.1/24", "dev", device)
        in_ns(controller.ns, "ip", "link", "set", device, "up")
        in_ns(host.ns, "ip", "addr", "add", f"{host.ip}/24", "dev", "eth0")
        in_ns(host.ns, "ip", "link", "set", "eth0", "up")
        in_ns(host.ns, "ip", "route", "add", "default", "via", f"198.19.{net}.1")
        # The client namespace reaches the inside network through the controller.
        in_ns(self.client_ns, "ip", "route", "replace", f"198.19.{net}.0/24", "via", controller.ip)
        self.hosts.append(host)
        return host

    def add_wireguard_client(self) -> WireGuardClient:
        client = WireGuardClient(self, len(self.wg_clients) + 1)
        self._on_bridge(client.ns, f"q{client.index}", client.ip)
        self.wg_clients.append(client)
        return client

    def add_remote_site(self, index: int):
        """A stock strongSwan/BIRD site at 198.18.0.(200+index) (see remotesite.py); it is
        stopped with the inside hosts on `down`."""
        from remotesite import RemoteSite
        return RemoteSite(self, index).up()

    def down(self) -> None:
        for client in self.wg_clients:
            client.stop()
        for host in self.hosts:
            host.stop()
        for controller in self.controllers:
            try:
                controller.stop()
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
        for ns in reversed(self._created):
            sh("ip", "netns", "del", ns, check=False)
        self._created.clear()


PLUGIN_CATALOG = Path(os.environ.get("WEFT_PLUGIN_CATALOG_CACHE", "/var/cache/weft-plugins"))


def plugin_image_available(plugin: str) -> bool:
    """Whether the catalog holds `plugin`'s image (`make plugin-images`), or WEFT_PLUGIN_IMAGES=1 says to build it."""
    return os.environ.get("WEFT_PLUGIN_IMAGES") == "1" or (PLUGIN_CATALOG / f"{plugin}.json").exists()


def controller_with_plugin(lab: "Lab", plugin: str, **kw) -> Controller:
    """Builds `plugin`'s image into the catalog (nothing when it is cached) and starts a
    controller that reads that catalog."""
    subprocess.run([str(ROOT / "scripts" / "build-plugin-image"), "--catalog", str(PLUGIN_CATALOG), plugin], check=True, timeout=900)
    os.environ["WEFT_PLUGIN_CATALOG"] = str(PLUGIN_CATALOG)
    try:
        return lab.add_controller(**kw)
    finally:
        os.environ.pop("WEFT_PLUGIN_CATALOG", None)


def unique_prefix(tag: str) -> str:
    """A short namespace prefix unique to this process: `tag` + 4 hex digits."""
    return f"{tag}{os.getpid() & 0xFFFF:04x}"
