#!/bin/sh
# The Debian packages (CPack): both build from this build tree; custody holds
# the CLI and server, the systemd unit and its settings, and its maintainer
# scripts; custody-verify-package holds the verifier alone, with no RocksDB.
# The unit passes systemd-analyze verify and rates an exposure of 2.0 or lower
# in systemd-analyze security. Installing them on a clean Debian 12 root:
# tests/packaging/install_test.sh.
# usage: packages_test.sh BUILD_DIR [OUT_DIR]   (OUT_DIR keeps the .deb files)
set -eu
build=$1
tmp=$(mktemp -d)
out=${2:-$tmp/debs}
trap 'rm -rf "$tmp"' EXIT
fail() { echo "packages: $*" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/*.deb  # packages of an earlier version built here
cpack --config "$build/CPackConfig.cmake" -B "$tmp/cpack" > "$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
cp "$tmp"/cpack/*.deb "$out"/
custody=$(ls "$out"/custody_*.deb)
verify=$(ls "$out"/custody-verify-package_*.deb)

dpkg-deb -f "$custody" Package Depends Recommends | tee "$tmp/custody.control"
grep -q '^Package: custody$' "$tmp/custody.control" || fail "custody: wrong name"
grep -q 'adduser' "$tmp/custody.control" || fail "custody: no dependency on adduser"
grep -q '^Recommends: bash-completion$' "$tmp/custody.control" ||
  fail "custody: does not recommend bash-completion (without it bash never loads the completion)"
dpkg-deb -c "$custody" > "$tmp/custody.files"
for f in ./usr/bin/custody ./usr/lib/systemd/system/custody.service ./usr/share/custody/serve.env \
         ./usr/share/doc/custody/server.md ./usr/share/man/man1/custody.1 \
         ./usr/share/man/man1/custody-incident-declare.1 ./usr/share/bash-completion/completions/custody \
         ./usr/share/zsh/vendor-completions/_custody; do
  grep -q " $f\$" "$tmp/custody.files" || fail "custody: $f missing"
done
! grep -q custody-verify-package "$tmp/custody.files" || fail "custody: carries the verifier's package files"
dpkg-deb -e "$custody" "$tmp/control"
for s in postinst prerm postrm; do [ -x "$tmp/control/$s" ] || fail "custody: no $s"; done

dpkg-deb -f "$verify" Package Depends | tee "$tmp/verify.control"
grep -q '^Package: custody-verify-package$' "$tmp/verify.control" || fail "verifier: wrong name"
! grep -qi rocksdb "$tmp/verify.control" || fail "verifier: depends on RocksDB"
dpkg-deb -c "$verify" > "$tmp/verify.files"
grep -q ' ./usr/bin/custody-verify-package$' "$tmp/verify.files" || fail "verifier: binary missing"
grep -q ' ./usr/share/man/man1/custody-verify-package.1$' "$tmp/verify.files" || fail "verifier: no manual page"
! grep -q ' ./usr/bin/custody$' "$tmp/verify.files" || fail "verifier: carries the CLI"
dpkg-deb -x "$verify" "$tmp/verify-root"
! nm -C "$tmp/verify-root/usr/bin/custody-verify-package" 2>/dev/null | grep -qi rocksdb || fail "verifier: links RocksDB"
"$tmp/verify-root/usr/bin/custody-verify-package" --help > /dev/null
"$tmp/verify-root/usr/bin/custody-verify-package" --version | grep -q '^custody-verify-package [0-9]' ||
  fail "verifier: --version"

# The unit, as installed: systemd-analyze verify in a root that holds the
# package and this system's units, and no word of warning.
dpkg-deb -x "$custody" "$tmp/root"
mkdir -p "$tmp/root/usr/lib/systemd/system"
cp -an /usr/lib/systemd/system/. "$tmp/root/usr/lib/systemd/system/" 2>/dev/null || true
systemd-analyze verify --root="$tmp/root" /usr/lib/systemd/system/custody.service > "$tmp/verify.log" 2>&1 ||
  { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify failed"; }
[ ! -s "$tmp/verify.log" ] || { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify warned"; }
systemd-analyze security --offline=yes "$tmp/root/usr/lib/systemd/system/custody.service" > "$tmp/security.log" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for custody.service: \([0-9.]*\).*/\1/p' "$tmp/security.log")
[ -n "$exposure" ] || { cat "$tmp/security.log" >&2; fail "no exposure level"; }
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || { cat "$tmp/security.log" >&2; fail "exposure $exposure > 2.0"; }
echo "packages: $(basename "$custody") and $(basename "$verify") built; unit verified, exposure $exposure"
