#!/bin/bash
# The VM tier works: real IPVS driven by ipvsadm (the independent client halvs is compared with).
set -u
source "$(dirname "$0")/../lib.sh"
topology 3
echo "kernel $(uname -r); $(nsx dir0 ipvsadm -Ln | head -1)"

nsx dir0 ipvsadm -A -t $VIP:80 -s rr
for i in 1 2 3; do nsx dir0 ipvsadm -a -t $VIP:80 -r 10.0.1.1$i:80 -m -w 1; done
nsx dir0 ip addr add $VIP/32 dev d0
expect_hits "NAT round robin spreads 30 requests evenly" "rs1=10 rs2=10 rs3=10" 30
nsx dir0 ipvsadm -C
finish
