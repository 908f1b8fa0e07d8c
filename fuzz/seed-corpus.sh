#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the repository's playbooks and fuzz/seeds/.
# The corpus grows as the fuzzer runs and is not committed; run this once before the
# first campaign, and again after new examples or fixtures land.
set -euo pipefail
cd "$(dirname "$0")"

playbooks=(../examples/*.playbook ../tests/semantics/*.playbook)
while IFS= read -r -d '' f; do playbooks+=("$f"); done \
    < <(find ../tests/fixtures -name '*.playbook' -print0 | sort -z)

for target in check format repl use_resolution decode; do
    mkdir -p "corpus/$target"
done
for f in "${playbooks[@]}"; do
    name=$(echo "$f" | sed 's|^\.\./||; s|/|_|g')
    cp "$f" "corpus/check/$name"
    cp "$f" "corpus/format/$name"
    cp "$f" "corpus/repl/$name"
done
cp seeds/repl/* corpus/repl/
# use_resolution and decode take structured input (the `arbitrary` crate): they start
# from whatever is in their corpus folder, and the fuzzer finds its way from nothing.
echo "corpus: $(ls corpus/check | wc -l) playbooks, $(ls seeds/repl | wc -l) REPL transcripts"
