#!/bin/sh
# A GitHub-hosted Ubuntu runner, made ready for kbench's QEMU runs (perf-regression.yml): KVM
# for the runner user when the runner has /dev/kvm (hosted x86_64 runners do; the qemu backend
# still tries it with a probe boot and falls back to TCG with the instruction-counting clock,
# recording which), and the host packages the testbed image and its boots need. Run as root.
set -eu
if [ -e /dev/kvm ]; then
  echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' >/etc/udev/rules.d/99-kvm4all.rules
  udevadm control --reload-rules
  udevadm trigger --name-match=kvm
  ls -l /dev/kvm
else
  echo "prepare-runner: no /dev/kvm on this runner: guests run under TCG (icount clock)"
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  qemu-system-x86 qemu-utils debootstrap debian-archive-keyring e2fsprogs openssh-client
