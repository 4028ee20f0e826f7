#!/bin/sh
# Installs every Debian 12 package that building and testing excise needs.
# Idempotent: apt-get skips what is already there. Run as root on a fresh machine.
set -eu

BUILD_PACKAGES="cmake ninja-build g++ clang clang-format libclang-rt-14-dev
  libboost-filesystem1.74-dev libboost1.74-dev libfmt-dev libtomlplusplus-dev
  doctest-dev libcli11-dev nlohmann-json3-dev libssl-dev"
# Real things the end-to-end tests drive: dpkg-deb/dpkg, systemctl --root,
# useradd --root, xattrs and ACLs, strace, namespaces, mount and overlays (util-linux,
# mount), chroot (coreutils), python3. test_real_package: debootstrap (which pulls wget)
# verifying the archive with gpgv and Debian's keyring, and apt-get download.
# test_kernel_module: depmod (kmod) builds and rebuilds module indexes of test roots.
# test_certificate: the real update-ca-certificates (copied into test roots) and the
# openssl binary (test certificates, and rehash inside those roots).
TEST_PACKAGES="dpkg passwd systemd attr acl strace util-linux mount coreutils python3
  fakeroot debootstrap debian-archive-keyring gpgv apt e2fsprogs busybox-static kmod
  ca-certificates openssl"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs Debian packages)" >&2
  exit 1
fi

missing=""
for p in $BUILD_PACKAGES $TEST_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
echo "setup.sh: all build and test packages are installed"
