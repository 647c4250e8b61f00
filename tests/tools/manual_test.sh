#!/bin/sh
# The manual pages and shell completions: what `cmake --install` installs is
# what the binary generates (custody man, custody completion); every page
# renders with man -l without a warning; bash and zsh complete commands,
# options, step ids, and incident ids and npubs from the ledger directory, or
# from a server's cached replica, with no key and no network.
#
# usage: manual_test.sh CUSTODY BUILD_DIR
set -eu
custody="$1"
build="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export PATH="$(dirname "$custody"):$PATH" HOME="$work/home" XDG_STATE_HOME= XDG_CACHE_HOME=
unset CUSTODY_KEY CUSTODY_KEY_FD CUSTODY_LEDGER
mkdir -p "$HOME"

# --- installed = generated ----------------------------------------------------
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > /dev/null
custody completion bash | cmp - "$prefix/share/bash-completion/completions/custody" ||
  fail "the installed bash completion is not what custody completion bash prints"
custody completion zsh | cmp - "$prefix/share/zsh/vendor-completions/_custody" ||
  fail "the installed zsh completion is not what custody completion zsh prints"
custody man --out "$work/man1" > /dev/null
pages=0
for page in "$work"/man1/*.1; do
  cmp "$page" "$prefix/share/man/man1/$(basename "$page")" ||
    fail "installed $(basename "$page") is not what custody man writes"
  # Renders, and groff has nothing to say about it.
  warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 > "$work/rendered") ||
    fail "man -l $(basename "$page") failed: $warnings"
  [ -z "$warnings" ] || fail "man -l $(basename "$page"): $warnings"
  grep -q "EXIT STATUS" "$work/rendered" || fail "$(basename "$page") has no EXIT STATUS"
  pages=$((pages + 1))
done
[ "$(ls "$prefix/share/man/man1" | wc -l)" = "$pages" ] || fail "installed pages differ in number"
[ "$pages" -ge 50 ] || fail "only $pages manual pages"
MANWIDTH=80 man -l "$work/man1/custody-note.1" | grep -q "custody --key bob.nsec note" ||
  fail "custody-note(1) shows no example"
# custody(1): each command's page named once in SEE ALSO, and the exit codes
# one paragraph of the description (the text is wrapped by hand in --help).
[ "$(grep -c '^\.BR custody\\-verify\\-package (1)' "$work/man1/custody.1")" = 1 ] ||
  fail "custody(1) does not name custody-verify-package(1) exactly once"
if grep -q '^4 storage' "$work/man1/custody.1"; then fail "custody(1) splits the exit codes"; fi
# custody-verify-package(1) is the standalone tool's page (custody
# verify-package has the same name): its own options, command lines and exit
# codes, and none of custody's global options.
MANWIDTH=80 man -l "$work/man1/custody-verify-package.1" > "$work/rendered"
for want in "custody-verify-package package --trust" "--trust NPUB" "--json" \
            "custody verify-package DIR --trust NPUB runs the same checks"; do
  grep -q -- "$want" "$work/rendered" || fail "custody-verify-package(1) does not say: $want"
done
if grep -qE "GLOBAL OPTIONS|ledger busy|^ +custody verify-package package" "$work/rendered"; then
  fail "custody-verify-package(1) shows custody's options, exit codes or command lines"
fi
echo "man: $pages pages installed as generated, each rendered without a warning"

# --- a ledger to complete from ---------------------------------------------------
custody key new --out "$work/admin.nsec" > "$work/admin.npub" 2> /dev/null
custody key new --out "$work/bob.nsec" > "$work/bob.npub" 2> /dev/null
ledger="$work/ledger"
custody --ledger "$ledger" --key "$work/admin.nsec" init --name completion > /dev/null
custody --ledger "$ledger" --key "$work/admin.nsec" member add "$(cat "$work/bob.npub")" --role responder > /dev/null
inc=$(custody --ledger "$ledger" --key "$work/admin.nsec" incident declare --sev SEV-2 --title t 2> /dev/null)
[ "$inc" = "INC-2" ] || fail "declare printed $inc"
bash_script="$prefix/share/bash-completion/completions/custody"

# bash: candidates for the words given (the last one is being completed).
complete_bash() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _custody; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$bash_script" "$@"
}
expect() {  # expect SHELL WANT WORDS...: WANT among the candidates
  sh_name="$1"; want="$2"; shift 2
  got=$("complete_$sh_name" "$@")
  printf '%s\n' "$got" | grep -qx -- "$want" ||
    fail "$sh_name: completing '$*' offers no '$want' (got: $(printf '%s' "$got" | tr '\n' ' '))"
}
expect_not() {
  sh_name="$1"; unwanted="$2"; shift 2
  got=$("complete_$sh_name" "$@")
  if printf '%s\n' "$got" | grep -qx -- "$unwanted"; then fail "$sh_name: '$*' offers '$unwanted'"; fi
}
bash -c '. "$1"; complete -p custody' _ "$bash_script" | grep -q -- "-F _custody custody" ||
  fail "bash: complete -p custody"

# zsh: the installed function, autoloaded by compinit; compadd shows what it is offered.
complete_zsh() {
  zsh -fc 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -d "$2/zcompdump"
    [ "$_comps[custody]" = _custody ] || { echo "compinit did not register _custody"; exit 1; }
    compadd() { [ "$1" = "--" ] && shift; print -l -- "$@"; }
    _files() { print "@files"; }
    shift 2; words=("$@"); CURRENT=$#; _custody' \
    _ "$prefix/share/zsh/vendor-completions" "$work" "$@"
}

for sh_name in bash zsh; do
  expect "$sh_name" incident custody inc
  expect "$sh_name" declare custody incident d
  expect "$sh_name" --sev custody incident declare --s
  expect "$sh_name" --ledger custody note --l
  expect "$sh_name" SEV-1 custody incident declare --sev ""
  expect "$sh_name" A.1 custody step "$inc" ""
  expect "$sh_name" funds.2 custody step "$inc" f
  # Only the steps custody step records (funds.3 is a reconciliation).
  expect_not "$sh_name" funds.3 custody step "$inc" f
  expect "$sh_name" responder custody member add x --role ""
  expect "$sh_name" html custody timeline "$inc" --format ""
  expect_not "$sh_name" csv custody pir report "$inc" --format ""
  # A flag before the word takes no value: completion goes on after it.
  expect "$sh_name" status custody --json st
  expect "$sh_name" "$inc" custody --json --ledger "$ledger" status ""
  expect "$sh_name" "$inc" custody --ledger "$ledger" status --json ""
  # From the ledger: the one on the line, else CUSTODY_LEDGER.
  expect "$sh_name" "$inc" custody --ledger "$ledger" status ""
  expect "$sh_name" "$inc" custody --ledger "$ledger" note --incident ""
  expect "$sh_name" "$(cat "$work/bob.npub")" custody --ledger "$ledger" note --subject ""
  CUSTODY_LEDGER="$ledger" expect "$sh_name" "$inc" custody timeline ""
  # No ledger: nothing, and no error.
  expect_not "$sh_name" "$inc" custody --ledger "$work/none" status ""
done
# A server's ledger: from its replica in the cache only (here: none yet, so
# nothing, at once, with no key and no network).
start=$(date +%s)
got=$(custody --ledger https://192.0.2.1:8443 complete-words incident)
[ -z "$got" ] || fail "complete-words offered $got with no replica"
[ $(( $(date +%s) - start )) -le 2 ] || fail "complete-words took more than 2 s (the network?)"
# With a replica in the cache (here a copy of the ledger, where the client
# keeps its verified replica of that server), the replica's incidents.
id=$(printf '%s' "https://192.0.2.1:8443" | sha256sum | cut -c1-24)
mkdir -p "$HOME/.cache/custody/replicas"
cp -a "$ledger" "$HOME/.cache/custody/replicas/$id"
for sh_name in bash zsh; do
  expect "$sh_name" "$inc" custody --ledger https://192.0.2.1:8443 status ""
done
echo "completion: bash and zsh complete commands, options, values, incidents and npubs"
