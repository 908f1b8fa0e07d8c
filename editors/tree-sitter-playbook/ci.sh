#!/usr/bin/env bash
# Checks the tree-sitter grammar with the tree-sitter CLI:
#   1. src/ is what `tree-sitter generate` makes of grammar.js (so the committed
#      parser cannot drift from the grammar it claims to be);
#   2. the corpus in test/corpus passes (`tree-sitter test`).
# (That the grammar accepts what the pest grammar accepts is checked by
# `cargo test --test grammars_agree` in the playbook crate.)
#
# The CLI is looked for on PATH, then in the install folder (.cli here, or
# $TREE_SITTER_CLI_ROOT); failing both, it is installed: first with npm (the
# pinned devDependency, whose install script downloads a binary and may be
# unable to), then with `cargo install` from crates.io (a few minutes, once).
# With no CLI at all the checks are skipped, loudly.
set -euo pipefail

VERSION=0.25.10
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli_root="${TREE_SITTER_CLI_ROOT:-$here/.cli}"
cd "$here"

skip() {
  echo "!!! tree-sitter grammar checks SKIPPED: $* !!!" >&2
  exit 0
}

# Whether "$1" runs and is the pinned version.
usable() {
  [[ -x "$1" ]] && [[ "$("$1" --version 2>/dev/null)" == "tree-sitter $VERSION"* ]]
}

find_cli() {
  local candidate
  for candidate in "$(command -v tree-sitter || true)" "$cli_root/bin/tree-sitter" \
    "$here/node_modules/.bin/tree-sitter"; do
    if [[ -n "$candidate" ]] && usable "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

install_cli() {
  if command -v npm >/dev/null; then
    echo "installing tree-sitter-cli $VERSION with npm" >&2
    if npm ci --no-audit --no-fund --loglevel=error >&2 && usable "$here/node_modules/.bin/tree-sitter"; then
      return 0
    fi
    echo "npm could not install a working tree-sitter CLI; trying cargo" >&2
  fi
  if command -v cargo >/dev/null; then
    echo "installing tree-sitter-cli $VERSION with cargo into $cli_root (a few minutes, once)" >&2
    cargo install tree-sitter-cli --locked --version "$VERSION" --root "$cli_root" >&2 && return 0
  fi
  return 1
}

start=$SECONDS
ts="$(find_cli || true)"
if [[ -z "$ts" ]]; then
  install_cli || skip "no tree-sitter CLI $VERSION on PATH, and neither npm nor cargo could install one"
  ts="$(find_cli || true)"
  [[ -n "$ts" ]] || skip "the tree-sitter CLI was installed but does not run"
fi
echo "using $ts ($("$ts" --version)), found in $((SECONDS - start)) s"

# 1. Regenerate into a scratch copy and compare with what is committed.
if ! command -v node >/dev/null; then
  echo "!!! parser.c freshness check SKIPPED: node is needed to read grammar.js !!!" >&2
else
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  cp grammar.js tree-sitter.json package.json "$scratch/"
  mkdir -p "$scratch/src"
  cp src/scanner.c "$scratch/src/"
  (cd "$scratch" && "$ts" generate >/dev/null)
  stale=0
  for file in parser.c grammar.json node-types.json tree_sitter/parser.h tree_sitter/alloc.h \
    tree_sitter/array.h; do
    if ! diff -q "$scratch/src/$file" "src/$file" >/dev/null 2>&1; then
      echo "src/$file is not what \`tree-sitter generate\` makes of grammar.js" >&2
      stale=1
    fi
  done
  if ((stale)); then
    echo "run \`tree-sitter generate\` in editors/tree-sitter-playbook and commit src/" >&2
    exit 1
  fi
  echo "src/ is up to date with grammar.js"
fi

# 2. The corpus.
"$ts" test
echo "tree-sitter grammar checks passed in $((SECONDS - start)) s"
