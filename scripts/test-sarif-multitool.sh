#!/usr/bin/env bash
# Validates real `--format sarif` output with Microsoft's official SARIF validator
# (`@microsoft/sarif-multitool validate`, from npm; its Linux package is a self-contained .NET
# executable, so no .NET install is needed) with both the SARIF rules and the GitHub ingestion
# rules, and fails on any error or warning. Notes (suggestions such as snippets, and URLs it
# could not reach offline) are printed, not failed. Idempotent: the tool lives under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=5.7.0
prefix="$PWD/target/sarif-multitool"
tool="$prefix/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

fail() { echo "test-sarif-multitool: FAIL: $*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || fail "this script runs the Linux build of the multitool"
if [ ! -f "$tool" ] || ! grep -q "\"version\": \"$version\"" "$prefix/node_modules/@microsoft/sarif-multitool/package.json"; then
  npm install --silent --no-audit --no-fund --prefix "$prefix" "@microsoft/sarif-multitool@$version" ||
    fail "cannot install @microsoft/sarif-multitool@$version from npm"
fi
# The package's postinstall only marks the binary executable; npm may skip install scripts.
chmod u+x "$tool"

cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
./target/release/kubelint check --format sarif --output "$work/kubelint.sarif" testdata/example testdata/rollout-surge-scarce-resource || status=$?
[ "$status" -eq 1 ] || fail "kubelint exited $status, expected 1 (findings)"

"$tool" validate --quiet true --rule-kind "Sarif;Gh" --level "Error;Warning;Note" \
  --output "$work/validation.sarif" "$work/kubelint.sarif" || fail "the multitool did not run"
python3 - "$work/validation.sarif" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
rules = {}
for result in results:
    rules.setdefault((result.get("level", "warning"), result["ruleId"]), []).append(result)
for (level, rule), found in sorted(rules.items()):
    print(f"{level:7} {rule}: {len(found)}x {found[0]['message'].get('text', '')[:160]}")
bad = [r for r in results if r.get("level", "warning") in ("error", "warning")]
if bad:
    sys.exit(f"test-sarif-multitool: FAIL: {len(bad)} errors or warnings")
print("test-sarif-multitool: 1 passed, 0 failed")
PY
