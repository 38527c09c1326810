#!/usr/bin/env bash
# The root filesystem under a halvs image (no base image, no Docker): a jlink'd Java runtime for the given jar
# and exactly the shared libraries it and jffi's native stub load, at the paths the dynamic loader expects.
#   rootfs.sh OUTDIR      (Maven's `-Pimage` calls it; jib then packs OUTDIR + the application's jars)
set -euo pipefail
out=$1
jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
rm -rf "$out"; mkdir -p "$out/opt" "$out/tmp" "$out/etc"
touch "$out/tmp/.keep" # jib leaves empty directories out
chmod 1777 "$out/tmp"
# What `jdeps --print-module-deps` finds in the shaded jars of both images, plus what is loaded by name at run
# time: TLS ciphers (jdk.crypto.ec), DNS (jdk.naming.dns), zip file systems, the probes' HTTP server
# (jdk.httpserver) and com.sun.management for the agent's process_cpu_seconds_total (jdk.management: without it
# every scrape failed after its 200; ImageRuntimeScrapeTest scrapes with these modules only). One list for both:
# same layers.
modules=java.base,java.compiler,java.desktop,java.naming,java.net.http,java.sql,java.management,jdk.unsupported
modules=$modules,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs,jdk.httpserver,jdk.management
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$out/opt/java"
# Debian's kmod as /usr/sbin/modprobe (kmod acts by the name it is called by) for `halvs-agent load-modules`,
# the agent's init container on kernels that do not load ip_vs themselves: it resolves dependencies and
# decompresses .ko.xz/.ko.zst in userspace. In both images, so they keep sharing this layer.
kmod=$(command -v kmod || true)
[ -n "$kmod" ] || { echo "rootfs.sh: kmod not found: install Debian's kmod (apt-get install kmod)" >&2; exit 1; }
mkdir -p "$out/usr/sbin"; cp -L "$kmod" "$out/usr/sbin/modprobe"
# Every library the runtime's ELF files and modprobe need, plus libc (jnr-ffi opens it by name) and the loader.
# java.desktop comes along for java.beans (used by libraries); its AWT/sound/font natives are never loaded.
libs=$( { find "$out/opt/java" -regextype posix-extended -type f \( -name '*.so' -o -path '*/bin/*' \) \
            -not -regex '.*/lib(j?awt|fontmanager|jsound|splashscreen|lcms|javajpeg|mlib_image).*' \
            -exec ldd {} \; 2>/dev/null
          ldd /bin/true; ldd "$kmod"; } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
for lib in $libs; do
  mkdir -p "$out$(dirname "$lib")"; cp -L "$lib" "$out$lib" # the loader looks up exactly these paths
done
echo "nobody:x:65532:65532:nobody:/:/sbin/nologin" > "$out/etc/passwd"
echo "root:x:0:0:root:/:/sbin/nologin" >> "$out/etc/passwd"
echo "image rootfs: modules $modules; $(du -sh "$out" | cut -f1)"
