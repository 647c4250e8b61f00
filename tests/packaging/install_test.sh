#!/bin/bash
# The Debian packages on a clean Debian 12 root: debootstrap a bookworm
# system (minbase, with systemd), install custody and custody-verify-package
# there with apt (their dependencies from the Debian archive), boot it in a
# systemd-nspawn container, start custody.service as the unit says (its own
# user, the notary key and passphrase as credentials), and check that it
# answers /healthz and that a client appends to it.
#
# Outside CI (it downloads a Debian system and boots it: minutes, and root):
#   tools/build.sh && sh tests/packaging/packages_test.sh build build/packages
#   bash tests/packaging/install_test.sh build/packages build/tools/custody
# usage: install_test.sh DEB_DIR CUSTODY_BIN [BASE_ROOT]
# BASE_ROOT: a bookworm root debootstrapped before (as below), copied rather
# than made again. MIRROR (environment) overrides deb.debian.org.
set -eu
debs=$(cd "$1" && pwd)
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
base=${3:-}
mirror=${MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "install test: run as root" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
for tool in debootstrap systemd-nspawn; do
  command -v "$tool" > /dev/null || apt-get install -y -q --no-install-recommends debootstrap systemd-container > /dev/null
done
tmp=$(mktemp -d)
root=$tmp/root
machine=custody-install-$$
cleanup() {
  # SIGTERM to systemd-nspawn powers the container off.
  [ -n "${boot:-}" ] && kill "$boot" 2> /dev/null; wait 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "$base" ]; then
  echo "install test: a copy of $base"
  cp -a "$base" "$root"
else
  echo "install test: debootstrap bookworm into $root"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates,curl bookworm "$root" "$mirror" > "$tmp/debootstrap.log" 2>&1 ||
    { tail -20 "$tmp/debootstrap.log" >&2; exit 1; }
fi
cp "$debs"/custody_*.deb "$debs"/custody-verify-package_*.deb "$root/tmp/"
echo "install test: apt install the two packages"
chroot "$root" sh -c 'apt-get install -y -q /tmp/custody_*.deb /tmp/custody-verify-package_*.deb' > "$tmp/apt.log" 2>&1 ||
  { tail -20 "$tmp/apt.log" >&2; exit 1; }
chroot "$root" custody-verify-package --help > /dev/null
chroot "$root" getent passwd custody > /dev/null || { echo "install test: no custody user" >&2; exit 1; }

# The notary key, encrypted, and its passphrase (root's); the admin's key
# on "a laptop" (here).
head -c 24 /dev/urandom | base64 > "$root/etc/custody/notary-passphrase"
chmod 600 "$root/etc/custody/notary-passphrase"
CUSTODY_PASSPHRASE_FD=3 chroot "$root" custody key new --encrypt --log-n 16 --out /etc/custody/notary.key \
  3< "$root/etc/custody/notary-passphrase" > "$tmp/notary.npub"
admin=$("$bin" key new --out "$tmp/admin.nsec")
sed -i "s|^CUSTODY_SERVE_OPTIONS=.*|CUSTODY_SERVE_OPTIONS=--init --admin $admin --name installed|" "$root/etc/custody/serve.env"
chroot "$root" systemctl enable custody.service > /dev/null 2>&1

echo "install test: boot the container"
# Shares this machine's network: the service's 127.0.0.1:8443 is ours.
systemd-nspawn -q --register=no --keep-unit -D "$root" -M "$machine" --boot > "$tmp/boot.log" 2>&1 &
boot=$!
health() { exec 3<>/dev/tcp/127.0.0.1/8443 && printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 && cat <&3; }
for _ in $(seq 120); do
  bash -c "$(declare -f health); health" 2> /dev/null | tail -1 > "$tmp/health" || true
  [ "$(cat "$tmp/health")" = ok ] && break
  kill -0 "$boot" 2> /dev/null || break  # the container is gone
  sleep 1
done
[ "$(cat "$tmp/health" 2> /dev/null)" = ok ] || { tail -30 "$tmp/boot.log" >&2; echo "install test: /healthz did not answer" >&2; exit 1; }
echo "install test: custody.service answers /healthz"
# It runs as the custody user, not root.
pid=$(pgrep -f 'custody --ledger /var/lib/custody/ledger serve' | head -1)
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
want=$(awk -F: '$1 == "custody" {print $3}' "$root/etc/passwd")
[ "$uid" = "$want" ] && [ "$uid" != 0 ] || { echo "install test: the service runs as uid $uid, not custody ($want)" >&2; exit 1; }
echo "install test: the service runs as custody (uid $uid)"
# A client appends: the container shares this machine's network, so 127.0.0.1:8443 is the service.
notary=$(cat "$tmp/notary.npub")
c() { XDG_STATE_HOME=$tmp/state XDG_CACHE_HOME=$tmp/cache "$bin" --ledger http://127.0.0.1:8443 --trust "$notary" --key "$tmp/admin.nsec" "$@"; }
c init --name installed > /dev/null
c member add "$notary" --role notary > /dev/null
c note "appended to the installed service" > /dev/null
c log | grep -q "appended to the installed service"
echo "install test: a client appended to the installed service; the ledger is in /var/lib/custody"
ls -ld "$root/var/lib/custody" > /dev/null
