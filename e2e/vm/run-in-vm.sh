#!/usr/bin/env bash
# Runs a guest script in a QEMU VM with Debian's kernel (real IPVS): ./run-in-vm.sh SCRIPT [ARGS...]
# The guest sees the host's / read-only (plus a tmpfs overlay) and writes into HALVS_VM_OUT (default
# e2e/vm/out/<script>), which it also finds at the same path. Exits with the guest script's exit code.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$(realpath "$1"); shift
cache=$("$here/setup.sh")
kver=$(cat "$cache/kernel.version")
out=$(realpath -m "${HALVS_VM_OUT:-$here/out/$(basename "$script" .sh)}")
rm -rf "$out"; mkdir -p "$out"
{
  echo "#!/bin/bash"
  echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root"
  # The lower layer shows the host's /proc, /sys and /dev over 9p: mount the guest's own over them.
  echo "mount -t proc proc /proc"
  echo "mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev 2>/dev/null; mkdir -p /dev/pts /dev/shm"
  echo "mount -t devpts devpts /dev/pts 2>/dev/null; mount -t tmpfs tmpfs /dev/shm"
  # the guest's environment is its init's: what the suites read from the host's is handed on here
  [ -z "${HALVS_AGENT_JAR:-}" ] || printf 'export HALVS_AGENT_JAR=%q\n' "$HALVS_AGENT_JAR"
  [ -z "${HALVS_AGENT_JSA:-}" ] || printf 'export HALVS_AGENT_JSA=%q\n' "$HALVS_AGENT_JSA"
  printf 'exec %q' "$script"; printf ' %q' "$@"; echo
} > "$out/job.sh"
start=$SECONDS
# The guest's own bound on the job (init.sh reads it from the kernel command line, which hands it to init's
# environment) stays below the host's, so a job that runs too long still reports its output.
vm_timeout=${HALVS_VM_TIMEOUT:-1500}
guest_timeout=${HALVS_GUEST_TIMEOUT:-$((vm_timeout - 300))}
# TCG: this machine's /dev/kvm does not run a stock kernel. A plain qemu64 CPU: with "-cpu max" the JVM's SSE4.2
# string intrinsics crashed under TCG emulation, and with multi-threaded TCG the JIT's code patching did too
# (SIGSEGV at compiled-method entries): one TCG thread is slower but sound. No NIC: namespaces inside the guest.
timeout "$vm_timeout" qemu-system-x86_64 -accel tcg,thread=single -cpu "${HALVS_VM_CPU:-qemu64}" -smp "${HALVS_VM_CPUS:-2}" \
  -m "${HALVS_VM_MEMORY:-2048}" -nographic -no-reboot -nic none \
  -kernel "$cache/kernel/boot/vmlinuz-$kver" -initrd "$cache/initrd.img" \
  -append "console=ttyS0 quiet panic=-1 halvs.out=$out halvs.modules=$cache/kernel/lib/modules/$kver HALVS_GUEST_TIMEOUT=$guest_timeout" \
  -fsdev local,id=hostroot,path=/,security_model=none,readonly=on -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev local,id=out,path="$out",security_model=none -device virtio-9p-pci,fsdev=out,mount_tag=out \
  > "$out/console.log" 2>&1 || true
cat "$out/guest.log" 2>/dev/null || true
if [ ! -f "$out/rc" ]; then
  echo "run-in-vm: the guest did not finish (timeout or crash) after $((SECONDS - start)) s; console:" >&2
  tail -30 "$out/console.log" >&2
  exit 1
fi
rc=$(cat "$out/rc")
echo "run-in-vm: $(basename "$script") exited $rc after $((SECONDS - start)) s in the VM" >&2
exit "$rc"
