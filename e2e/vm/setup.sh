#!/usr/bin/env bash
# Prepares the VM tier: QEMU, ipvsadm and busybox from Debian, Debian's kernel (it has the ip_vs modules this
# machine's kernel lacks) extracted into a cache, and a tiny initramfs that mounts the host's / read-only over
# 9p with a tmpfs overlay. Idempotent; prints the cache directory.
set -euo pipefail
cache=${HALVS_CACHE:-$HOME/.cache/halvs}/vm
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive

need=()
for pkg in qemu-system-x86 ipvsadm busybox-static kmod cpio python3 iproute2 curl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >&2
fi

# The kernel package behind linux-image-amd64, e.g. linux-image-6.1.0-56-amd64.
if [ ! -f "$cache/kernel.version" ]; then
  [ -n "$(apt-cache policy linux-image-amd64 | sed -n 's/ *Candidate: //p')" ] || apt-get update -qq >&2
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
  [ -n "$pkg" ] || { echo "setup: cannot resolve the kernel package behind linux-image-amd64" >&2; exit 1; }
  rm -rf "$cache/kernel" "$cache/deb"
  mkdir -p "$cache/deb" "$cache/kernel"
  (cd "$cache/deb" && apt-get download -qq "$pkg" >&2)
  dpkg-deb -x "$cache"/deb/*.deb "$cache/kernel"
  kver=$(ls "$cache/kernel/lib/modules")
  # Module dependency data for modprobe inside the guest.
  depmod -b "$cache/kernel" "$kver"
  echo "$kver" > "$cache/kernel.version"
fi
kver=$(cat "$cache/kernel.version")
kdir="$cache/kernel/lib/modules/$kver/kernel"

# The initramfs: busybox, the 9p + overlay modules, and an init that builds the guest's root.
if [ ! -f "$cache/initrd.img" ] || [ "$0" -nt "$cache/initrd.img" ] || [ "$(dirname "$0")/init.sh" -nt "$cache/initrd.img" ]; then
  work=$(mktemp -d)
  mkdir -p "$work"/{bin,dev,proc,sys,mnt,modules}
  cp /bin/busybox "$work/bin/busybox"
  # The modules that reach the host's / (virtio-pci, 9p) and overlayfs, with their dependencies in load order.
  for target in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$cache/kernel" -S "$kver" --show-depends "$target" | awk '/^insmod/ {print $2}'
  done | awk '!seen[$0]++' | while read -r f; do
    name=$(basename "$f" | sed 's/\.ko.*//')
    case "$f" in
      *.xz) xz -dc "$f" > "$work/modules/$name.ko" ;;
      *.zst) zstd -qdc "$f" > "$work/modules/$name.ko" ;;
      *) cp "$f" "$work/modules/$name.ko" ;;
    esac
    echo "$name" >> "$work/modules/order"
  done
  cp "$(dirname "$0")/init.sh" "$work/init"
  chmod +x "$work/init"
  # Written aside and renamed: two VMs started at once (two lanes) both rebuild it after init.sh changed, and a
  # guest booting from a half-written image panics ("Initramfs unpacking failed").
  (cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$cache/initrd.img.$$"
  mv "$cache/initrd.img.$$" "$cache/initrd.img"
  rm -rf "$work"
fi
echo "$cache"
