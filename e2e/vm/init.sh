#!/bin/busybox sh
# PID 1 of the test VM: mount the host's / (read-only, 9p) under a tmpfs overlay, the results share and the
# guest kernel's modules, then run the job and power off. The job's exit code goes to the results share.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order 2>/dev/null); do insmod /modules/$m.ko || echo "init: insmod $m failed"; done
mkdir -p /mnt/lower /mnt/rw /mnt/root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /mnt/lower || { echo "init: 9p mount failed"; poweroff -f; }
mount -t tmpfs -o size=1g tmpfs /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /mnt/root
out=$(sed -n 's/.*halvs.out=\([^ ]*\).*/\1/p' /proc/cmdline)
kmods=$(sed -n 's/.*halvs.modules=\([^ ]*\).*/\1/p' /proc/cmdline)
kver=$(uname -r)
# /run fresh (netns mount points); /tmp stays the overlay, so a checkout under the host's /tmp is visible.
mount -t tmpfs tmpfs /mnt/root/run
mkdir -p /mnt/root/run/netns "/mnt/root$out" "/mnt/root/lib/modules/$kver"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out "/mnt/root$out"
mount --bind "/mnt/root$kmods" "/mnt/root/lib/modules/$kver"
umount /proc /sys /dev
exec switch_root /mnt/root /bin/sh -c "
  cd '$out'
  HALVS_VM_OUT='$out' timeout \${HALVS_GUEST_TIMEOUT:-1200} /bin/bash '$out/job.sh' > '$out/guest.log' 2>&1
  echo \$? > '$out/rc'
  sync
  /bin/busybox poweroff -f || echo o > /proc/sysrq-trigger"
