#!/usr/bin/env bash
# Builds editors/vscode/playbook.vsix, the VS Code extension, and checks it:
#   1. installs the npm packages pinned in package-lock.json (`npm ci`), unless
#      node_modules already holds exactly that lock (a stamp records it);
#   2. runs the grammar and helper tests (plain node, no VS Code);
#   3. packages with vsce, production dependencies included: the extension needs
#      vscode-languageclient at run time;
#   4. checks that the .vsix holds the files VS Code loads, and that the extension
#      unpacked from it loads with nothing but what it holds.
# Only step 1 uses the network (the npm registry); the rest runs offline.
set -euo pipefail
cd "$(dirname "$0")"

VSIX=playbook.vsix
STAMP=node_modules/.build-stamp

lock_hash() {
    # package.json too: a dependency edited there without a new lock must not pass.
    cat package.json package-lock.json | sha256sum | cut -d' ' -f1
}

if [[ -f $STAMP && "$(cat "$STAMP")" == "$(lock_hash)" ]]; then
    echo "build.sh: node_modules matches package-lock.json; npm ci skipped"
else
    # No install scripts: none of the packages the extension ships has one, and the
    # tools' (keytar, vsce-sign: publishing and signing only) would try downloads
    # outside the npm registry.
    npm ci --ignore-scripts --no-audit --no-fund
    lock_hash >"$STAMP"
fi

node test/grammar.test.js
node test/lib.test.js

rm -f "$VSIX"
# The project declares no license file and no repository URL; without these two flags
# vsce would stop and ask on standard input (which is closed here, so it fails
# instead of hanging if it ever asks anything else).
npx --no-install vsce package --out "$VSIX" --skip-license --allow-missing-repository </dev/null

python3 - "$VSIX" <<'EOF'
import sys, zipfile

vsix = sys.argv[1]
names = set(zipfile.ZipFile(vsix).namelist())
required = [
    "extension/package.json",
    "extension/extension.js",
    "extension/language-configuration.json",
    "extension/syntaxes/playbook.tmLanguage.json",
    "extension/lib/folding.js",
    "extension/lib/server.js",
    "extension/node_modules/vscode-languageclient/package.json",
    "extension/node_modules/vscode-languageclient/node.js",
    "extension/node_modules/vscode-jsonrpc/package.json",
    "extension/node_modules/vscode-languageserver-protocol/package.json",
]
missing = [n for n in required if n not in names]
# Dev-only packages and tests would only make the download bigger.
unwanted = sorted(n for n in names if n.startswith(("extension/test/", "extension/node_modules/@vscode/vsce",
                                                    "extension/node_modules/vscode-textmate/")))
if missing or unwanted:
    for n in missing:
        print(f"build.sh: {vsix} lacks {n}", file=sys.stderr)
    for n in unwanted:
        print(f"build.sh: {vsix} should not hold {n}", file=sys.stderr)
    sys.exit(1)
print(f"build.sh: {vsix}: {len(names)} files, the {len(required)} required ones present")
EOF

# The packaged extension must load with only what the .vsix holds: unpack it outside
# this folder (so no node_modules here can help) and activate it against a stand-in
# for VS Code, which must report the missing server binary.
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$VSIX" "$unpacked"
PLAYBOOK_EXTENSION_DIR="$unpacked/extension" node --test-name-pattern='missing server binary' test/lib.test.js

echo "build.sh: built and checked editors/vscode/$VSIX ($(wc -c <"$VSIX") bytes)"
