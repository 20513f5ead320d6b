"""Container images written by the tests themselves (no Docker engine, no registry):
a layer with a busybox-static root file system, packed as a `docker save` archive
(manifest.json + config + layer tars) or as an OCI image layout, optionally gzipped."""

import gzip
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "httpd", "nc", "sleep", "cat", "echo", "ls", "ip", "wget", "dd", "ping", "head", "tail", "sed", "grep", "kill", "ps", "true", "id", "hostname", "mount"]


def _add(tar: tarfile.TarFile, name: str, data: bytes = b"", mode: int = 0o644, kind=tarfile.REGTYPE, link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def tar_bytes(entries) -> bytes:
    """entries: (name, data, mode, kind, link) tuples."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for entry in entries:
            _add(tar, *entry)
    return out.getvalue()


def busybox_layer(files: dict[str, bytes] | None = None, padding: int = 0) -> bytes:
    """A root file system: /bin/busybox, applet symlinks, /www/index.html and `files`.
    `padding` adds a file of that many incompressible bytes (for size benchmarks)."""
    entries = [("bin", b"", 0o755, tarfile.DIRTYPE, ""), ("bin/busybox", Path(BUSYBOX).read_bytes(), 0o755, tarfile.REGTYPE, "")]
    entries += [(f"bin/{applet}", b"", 0o777, tarfile.SYMTYPE, "busybox") for applet in APPLETS]
    for directory in ("etc", "www", "tmp", "proc", "sys", "dev", "var"):
        entries.append((directory, b"", 0o755, tarfile.DIRTYPE, ""))
    entries.append(("etc/passwd", b"root:x:0:0:root:/:/bin/sh\n", 0o644, tarfile.REGTYPE, ""))
    entries.append(("www/index.html", b"hello from a weft container\n", 0o644, tarfile.REGTYPE, ""))
    for name, data in (files or {}).items():
        entries.append((name, data, 0o755, tarfile.REGTYPE, ""))
    if padding:
        import os
        entries.append(("padding.bin", os.urandom(padding), 0o644, tarfile.REGTYPE, ""))
    return tar_bytes(entries)


def _config(cmd, env) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "config": {"Cmd": cmd, "Env": ["PATH=/bin"] + (env or []), "WorkingDir": "/"},
                       "rootfs": {"type": "layers", "diff_ids": []}}).encode()


def docker_archive(layers: list[bytes], cmd: list[str], tag: str = "weft-test:latest", env=None, gz: bool = False) -> bytes:
    config = _config(cmd, env)
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    entries = [(config_name, config, 0o644, tarfile.REGTYPE, "")]
    names = []
    for layer in layers:
        digest = hashlib.sha256(layer).hexdigest()
        entries.append((digest, b"", 0o755, tarfile.DIRTYPE, ""))
        entries.append((f"{digest}/layer.tar", layer, 0o644, tarfile.REGTYPE, ""))
        names.append(f"{digest}/layer.tar")
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()
    entries.append(("manifest.json", manifest, 0o644, tarfile.REGTYPE, ""))
    data = tar_bytes(entries)
    return gzip.compress(data) if gz else data


def oci_layout(layers: list[bytes], cmd: list[str], env=None, gz_layers: bool = True) -> bytes:
    blobs = {}

    def blob(data: bytes) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": f"sha256:{digest}", "size": len(data)}

    config = blob(_config(cmd, env)) | {"mediaType": "application/vnd.oci.image.config.v1+json"}
    layer_refs = []
    for layer in layers:
        data = gzip.compress(layer) if gz_layers else layer
        layer_refs.append(blob(data) | {"mediaType": "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gz_layers else "")})
    manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "config": config, "layers": layer_refs}).encode())
    index = {"schemaVersion": 2, "manifests": [manifest | {"mediaType": "application/vnd.oci.image.manifest.v1+json"}]}
    entries = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}', 0o644, tarfile.REGTYPE, ""),
               ("index.json", json.dumps(index).encode(), 0o644, tarfile.REGTYPE, ""),
               ("blobs", b"", 0o755, tarfile.DIRTYPE, ""), ("blobs/sha256", b"", 0o755, tarfile.DIRTYPE, "")]
    entries += [(f"blobs/sha256/{d}", data, 0o644, tarfile.REGTYPE, "") for d, data in blobs.items()]
    return tar_bytes(entries)


def hostile_layer(kind: str) -> bytes:
    """Layers the controller must refuse."""
    return {
        "dotdot": tar_bytes([("../escape", b"x", 0o644, tarfile.REGTYPE, "")]),
        "absolute": tar_bytes([("/etc/evil", b"x", 0o644, tarfile.REGTYPE, "")]),
        "symlink": tar_bytes([("up", b"", 0o777, tarfile.SYMTYPE, "../../../../etc")]),
        "hardlink": tar_bytes([("hl", b"", 0o644, tarfile.LNKTYPE, "../../etc/shadow")]),
        "device": tar_bytes([("dev/kmsg", b"", 0o644, tarfile.CHRTYPE, "")]),
    }[kind]


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--seeds":
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    small = tar_bytes([("bin", b"", 0o755, tarfile.DIRTYPE, ""), ("bin/x", b"#!/bin/sh\n", 0o755, tarfile.REGTYPE, ""),
                       ("bin/sh", b"", 0o777, tarfile.SYMTYPE, "x"), ("bin/.wh.old", b"", 0o644, tarfile.REGTYPE, "")])
    (out / "docker-archive").write_bytes(docker_archive([small], ["/bin/x"]))
    (out / "oci-layout").write_bytes(oci_layout([small], ["/bin/x"], gz_layers=False))
    (out / "docker-archive.gz").write_bytes(docker_archive([small], ["/bin/x"], gz=True))
