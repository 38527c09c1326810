#!/usr/bin/env bash
# Builds the pause image (main.go, static) as a docker-archive tarball tagged halvs.local/pause:1 for
# `ctr images import`. Usage: build.sh OUT.tar
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(realpath -m "$1")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs"
(cd "$here" && CGO_ENABLED=0 GOFLAGS= go build -trimpath -ldflags='-s -w' -o "$work/rootfs/pause" main.go)
python3 - "$work" "$out" <<'PY'
import hashlib, io, json, sys, tarfile
work, out = sys.argv[1], sys.argv[2]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    info = t.gettarinfo(f"{work}/rootfs/pause", arcname="pause")
    info.uid = info.gid = 0; info.uname = info.gname = ""; info.mtime = 0; info.mode = 0o755
    with open(f"{work}/rootfs/pause", "rb") as f:
        t.addfile(info, f)
layer = layer.getvalue()
diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Entrypoint": ["/pause"], "User": "65535:65535"},
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
}, sort_keys=True).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": config_name, "RepoTags": ["halvs.local/pause:1"],
                        "Layers": [diff_id[7:] + "/layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, data in ((config_name, config), (diff_id[7:] + "/layer.tar", layer), ("manifest.json", manifest)):
        info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0
        t.addfile(info, io.BytesIO(data))
PY
echo "pause image: $out"
