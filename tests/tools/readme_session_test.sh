#!/bin/sh
# Runs README.md's "A session" block as written, with the built binaries on
# PATH: every command must succeed, except the close the README says is refused
# (exit 3 until the exit criteria hold).
set -eu
readme=$1
bindir=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
script=$work/session.sh
export TMPDIR="$work"  # where the session's mktemp -d goes
awk '/^## A session/{s=1; next} s && /^```sh/{b=1; next} b && /^```/{exit} b' "$readme" |
  sed 's/^\(custody --key alice.nsec incident close [^#]*\)#.*$/if \1; then exit 1; else test $? -eq 3; fi/' >"$script"
grep -q '^if custody --key alice.nsec incident close .*test \$? -eq 3; fi$' "$script"
test "$(wc -l <"$script")" -gt 20
PATH="$bindir:$PATH" sh -eu "$script" >/dev/null
echo "README session: OK"
