"""A "remote site" for IPsec interop tests: a stock strongSwan (and optionally a stock
BIRD 2) in namespaces of its own, configured from the hand-written templates in
tests/fixtures/remote-site/ — never from anything Weft generates.

    <prefix>-rK   the remote gateway: eth0 198.18.0.(200+K)/24 on the lab bridge (port rK),
                  default route via 198.18.0.1, eth1 198.19.(100+K).1/24, ip_forward on;
                  runs charon (and bird when asked)
    <prefix>-sK   a host inside the remote site: eth0 198.19.(100+K).2/24, default via .1

charon runs with kernel-libipsec (this kernel has no ESP/XFRM state support): ESP is done
in userspace on the TUN device `ipsec0` and always travels in UDP 4500. With
`install_routes = no`, what enters the tunnel is decided by routes into ipsec0, which the
tests add with `route()`. Processes are started and stopped by PID; the namespaces are
registered with the lab, so `Lab.down` stops the site and deletes them.
"""

from __future__ import annotations

import os
import re
import signal
import string
import subprocess
import time
from pathlib import Path

import weftnet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "remote-site"
CHARON = "/usr/lib/ipsec/charon"


def render(template: str, **params) -> str:
    """Fills a template from the fixture directory (`string.Template` placeholders)."""
    path = Path(template) if os.path.sep in template else FIXTURES / template
    return string.Template(path.read_text()).substitute(**params)


def parse_vici_raw(text: str) -> list[dict]:
    """Parses `swanctl --raw` output — `list-sa event {k=v name {...} k=[a b]}` per message —
    into one dict per message (sections are dicts, lists are lists, values strings)."""
    token = re.compile(r"\s*(?:([^\s{}\[\]=]+)=\[|([^\s{}\[\]=]+)=([^\s{}\[\]]*)|([^\s{}\[\]=]+)\s*\{|(\})|(\])|([^\s{}\[\]=]+))")
    messages: list[dict] = []
    stack: list = []
    pos = 0
    while pos < len(text):
        m = token.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        list_key, key, value, section, close, close_list, word = m.groups()
        if section is not None:
            node: dict = {}
            if stack:
                stack[-1][section] = node
            else:
                messages.append(node)
            stack.append(node)
        elif list_key is not None:
            items: list = []
            stack[-1][list_key] = items
            stack.append(items)
        elif key is not None and stack:
            stack[-1][key] = value
        elif (close is not None or close_list is not None) and stack:
            stack.pop()
        elif word is not None and stack and isinstance(stack[-1], list):
            stack[-1].append(word)
    return messages


class RemoteSite:
    """One remote gateway with an inside host; see the module docstring."""

    def __init__(self, lab: "weftnet.Lab", index: int):
        assert 1 <= index <= 50
        self.lab = lab
        self.index = index
        self.workdir = lab.workdir / f"r{index}"
        self.charon: subprocess.Popen | None = None
        self.bird: subprocess.Popen | None = None
        self.swanctl_conf = self.workdir / "swanctl.conf"
        self._template: str | None = None
        self._params: dict = {}
        self._up = False

    # -- addresses ----------------------------------------------------------------------------

    @property
    def ns(self) -> str:
        return f"{self.lab.prefix}-r{self.index}"

    @property
    def host_ns(self) -> str:
        return f"{self.lab.prefix}-s{self.index}"

    @property
    def ip(self) -> str:
        return f"198.18.0.{200 + self.index}"

    @property
    def subnet(self) -> str:
        return f"198.19.{100 + self.index}.0/24"

    @property
    def host_ip(self) -> str:
        return f"198.19.{100 + self.index}.2"

    @property
    def vici_uri(self) -> str:
        return f"unix://{self.workdir}/charon.vici"

    @property
    def bird_socket(self) -> Path:
        return self.workdir / "bird.ctl"

    # -- topology -----------------------------------------------------------------------------

    def up(self) -> "RemoteSite":
        """Creates the two namespaces and their links (nothing runs yet)."""
        if self._up:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        lab = self.lab
        if self not in lab.hosts:
            lab.hosts.append(self)  # Lab.down calls stop() on its hosts
        lab._on_bridge(self.ns, f"r{self.index}", self.ip)
        self.in_ns("ip", "route", "add", "default", "via", "198.18.0.1")
        self.in_ns("sysctl", "-qw", "net.ipv4.ip_forward=1")
        weftnet.sh("ip", "netns", "add", self.host_ns)
        lab._created.append(self.host_ns)
        self.in_host("ip", "link", "set", "lo", "up")
        self.in_ns("ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth0", "netns", self.host_ns)
        self.in_ns("ip", "addr", "add", f"198.19.{100 + self.index}.1/24", "dev", "eth1")
        self.in_ns("ip", "link", "set", "eth1", "up")
        self.in_host("ip", "addr", "add", f"{self.host_ip}/24", "dev", "eth0")
        self.in_host("ip", "link", "set", "eth0", "up")
        self.in_host("ip", "route", "add", "default", "via", f"198.19.{100 + self.index}.1")
        self._up = True
        return self

    def in_ns(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return weftnet.in_ns(self.ns, *args, check=check)

    def in_host(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return weftnet.in_ns(self.host_ns, *args, check=check)

    # -- strongSwan ---------------------------------------------------------------------------

    def _env(self) -> dict:
        return dict(os.environ, STRONGSWAN_CONF=str(self.workdir / "strongswan.conf"))

    def swanctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Runs swanctl against this site's charon (its plugin warnings on stderr are noise)."""
        result = subprocess.run(["ip", "netns", "exec", self.ns, "swanctl", *args, "--uri", self.vici_uri],
                                capture_output=True, text=True, env=self._env())
        if check and result.returncode != 0:
            raise RuntimeError(f"swanctl {' '.join(args)} failed ({result.returncode}): "
                               f"{result.stdout.strip()} {result.stderr.strip()}")
        return result

    def start(self, swanctl_template: str = "swanctl-policy.conf", **params) -> "RemoteSite":
        """Starts charon and loads `swanctl_template` filled with `params`.

        Defaults: local_addr = this site's address, ike_version = 2, start_action = trap
        (respond only: libipsec cannot trigger on traffic; "start" makes the site initiate)."""
        self.up()
        assert self.charon is None or self.charon.poll() is not None, "charon already running"
        (self.workdir / "strongswan.conf").write_text(render("strongswan.conf", workdir=self.workdir))
        vici = self.workdir / "charon.vici"
        if vici.exists():
            vici.unlink()
        log = open(self.workdir / "charon.out", "ab")
        # ip netns exec -> unshare -> sh -> charon all exec in place: the PID is charon's.
        self.charon = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "unshare", "--mount", "--propagation", "private",
             "sh", "-c", f"mount -t tmpfs tmpfs /run && exec {CHARON}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self._env())
        log.close()

        def ready():
            if self.charon.poll() is not None:
                raise RuntimeError(f"charon exited with {self.charon.returncode}; see {self.workdir}/charon.log")
            return vici.exists() and self.link_exists("ipsec0")
        weftnet.wait_until(ready, timeout=20, interval=0.05, what=f"charon of remote site {self.index}")
        self.load(swanctl_template, **params)
        return self

    def load(self, swanctl_template: str | None = None, **params) -> None:
        """(Re)writes swanctl.conf and loads it (connections no longer in it are unloaded).
        Parameters given before are kept unless overridden (unused ones are ignored)."""
        template = swanctl_template or self._template
        assert template, "no swanctl template given"
        merged = dict(local_addr=self.ip, ike_version=2, start_action="trap")
        merged.update(self._params)
        merged.update(params)
        self.swanctl_conf.write_text(render(template, **merged))
        self._template, self._params = template, merged
        self.swanctl("--load-all", "--file", str(self.swanctl_conf))

    def reload(self, swanctl_template: str | None = None, terminate: bool = True, **params) -> None:
        """Loads a new configuration; by default also ends the current IKE SAs so it takes
        effect at once (the peer, or start_action = start here, brings the tunnels back)."""
        self.load(swanctl_template, **params)
        if terminate:
            self.terminate_all()

    def terminate_all(self) -> None:
        for sa in self.sas():
            self.swanctl("--terminate", "--ike-id", sa["uniqueid"], "--force", "--timeout", "5", check=False)

    def sas(self) -> list[dict]:
        """The IKE SAs charon knows: [{name, state, version, remote-host, ..., 'child-sas':
        {child: {name, state, bytes-in, ...}}}], parsed from `swanctl --list-sas --raw`."""
        out = self.swanctl("--list-sas", "--raw").stdout
        result = []
        for message in parse_vici_raw(out):
            for name, ike in message.items():
                if isinstance(ike, dict):
                    ike = dict(ike, name=name)
                    children = ike.get("child-sas") or {}
                    ike["child-sas"] = children if isinstance(children, dict) else {}
                    result.append(ike)
        return result

    def states(self) -> dict:
        """{"ike": [IKE SA states], "child": {child name: [states]}} — e.g. to check that
        no SA is ESTABLISHED or that every child is INSTALLED."""
        ike, child = [], {}
        for sa in self.sas():
            ike.append(sa.get("state"))
            for c in sa["child-sas"].values():
                child.setdefault(c.get("name"), []).append(c.get("state"))
        return {"ike": ike, "child": child}

    def established(self) -> bool:
        return "ESTABLISHED" in self.states()["ike"]

    def installed_children(self) -> set[str]:
        return {name for name, states in self.states()["child"].items() if "INSTALLED" in states}

    # -- routing ------------------------------------------------------------------------------

    def link_exists(self, dev: str) -> bool:
        return self.in_ns("ip", "link", "show", "dev", dev, check=False).returncode == 0

    def route(self, cidr: str, dev: str = "ipsec0") -> None:
        """Sends traffic for `cidr` into the tunnel device (install_routes = no)."""
        self.in_ns("ip", "route", "replace", cidr, "dev", dev)

    def unroute(self, cidr: str) -> None:
        self.in_ns("ip", "route", "del", cidr, check=False)

    def link_address(self, cidr: str) -> None:
        """Puts the route-based link address (e.g. 169.254.10.2/30) on ipsec0."""
        weftnet.wait_until(lambda: self.link_exists("ipsec0"), timeout=10, what="ipsec0")
        self.in_ns("ip", "addr", "replace", cidr, "dev", "ipsec0")
        self.in_ns("ip", "link", "set", "ipsec0", "up")

    def kernel_route(self, cidr: str) -> str:
        return self.in_ns("ip", "route", "show", cidr).stdout.strip()

    # -- traffic ------------------------------------------------------------------------------

    def ping(self, address: str, count: int = 1, timeout: float = 1) -> bool:
        """Pings `address` from the inside host; True when a reply came back."""
        return self.in_host("ping", "-n", "-c", str(count), "-W", str(int(max(1, timeout))), address,
                            check=False).returncode == 0

    def capture(self, seconds: float, filter: str = "", during=None) -> list[str]:
        """Captures on the remote gateway's eth0 for `seconds` (after `during()` if given,
        which runs once tcpdump is listening) and returns the decoded lines."""
        pcap = self.workdir / f"capture-{time.monotonic_ns()}.pcap"
        args = ["ip", "netns", "exec", self.ns, "tcpdump", "-n", "-U", "-Z", "root", "-i", "eth0",
                "-w", str(pcap)] + (filter.split() if filter else [])
        dump = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            seen = []
            while not seen or "listening on" not in seen[-1]:
                line = dump.stderr.readline()
                assert line, f"tcpdump did not start: {' '.join(seen)}"
                seen.append(line.strip())
            started = time.monotonic()
            if during is not None:
                during()
            remaining = seconds - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)
        finally:
            dump.send_signal(signal.SIGINT)
            try:
                dump.wait(timeout=10)
            except subprocess.TimeoutExpired:
                dump.kill()
                dump.wait()
        out = weftnet.sh("tcpdump", "-n", "-r", str(pcap), check=False).stdout
        return [line for line in out.splitlines() if line.strip()]

    # -- BIRD ---------------------------------------------------------------------------------

    def start_bird(self, asn: int, neighbor: str, neighbor_asn: int, template: str = "bird.conf") -> None:
        """Starts BIRD 2 with the hand-written config: eBGP to `neighbor`, announcing eth1's
        subnet, learned routes exported into the kernel."""
        assert self.bird is None or self.bird.poll() is not None, "bird already running"
        conf = self.workdir / "bird.conf"
        conf.write_text(render(template, router_id=self.ip, asn=asn, neighbor=neighbor,
                               neighbor_asn=neighbor_asn, logfile=self.workdir / "bird.log"))
        weftnet.in_ns(self.ns, "bird", "-p", "-c", str(conf))
        if self.bird_socket.exists():
            self.bird_socket.unlink()
        self.bird = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "bird", "-f", "-c", str(conf), "-s", str(self.bird_socket),
             "-P", str(self.workdir / "bird.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        weftnet.wait_until(lambda: self.birdc("show", "status").returncode == 0, timeout=10, what="bird socket")

    def birdc(self, *args: str) -> subprocess.CompletedProcess:
        return weftnet.in_ns(self.ns, "birdc", "-s", str(self.bird_socket), *args, check=False)

    def bird_routes(self) -> set[str]:
        """The prefixes in BIRD's table (`birdc show route`)."""
        out = self.birdc("show", "route").stdout
        return set(re.findall(r"^(\d+\.\d+\.\d+\.\d+/\d+)\s", out, re.M))

    def bgp_state(self, protocol: str = "weft") -> str:
        """The BGP session's Info column from `birdc show protocols` ("Established",
        "Active", "Connect", ...)."""
        lines = self.birdc("show", "protocols").stdout.splitlines()
        header = next((line for line in lines if line.startswith("Name")), None)
        if header is None or "Info" not in header:
            return ""
        column = header.index("Info")
        for line in lines:
            fields = line.split()
            if fields and fields[0] == protocol:
                return (line[column:].split() or [""])[0]
        return ""

    def stop_bird(self) -> None:
        _stop(self.bird)
        self.bird = None

    # -- teardown -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stops bird and charon by PID, keeps their logs as artifacts and deletes the
        namespaces. Safe to call twice."""
        self.stop_bird()
        _stop(self.charon)
        self.charon = None
        for name in ("charon.log", "bird.log"):
            path = self.workdir / name
            if path.exists():
                try:
                    (self.lab.artifacts / f"r{self.index}-{name}").write_bytes(path.read_bytes())
                except OSError:
                    pass
        if self._up:
            for ns in (self.host_ns, self.ns):
                weftnet.sh("ip", "netns", "del", ns, check=False)
                if ns in self.lab._created:
                    self.lab._created.remove(ns)
            self._up = False


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
