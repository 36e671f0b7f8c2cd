#!/usr/bin/env bash
# Runs action.yml's own steps as the GitHub runner does (scripts/run-composite-action.py:
# GITHUB_ACTION_PATH = this repository, GITHUB_WORKSPACE = a temporary copy of fixtures,
# GITHUB_OUTPUT per step, inputs through ${{ inputs.* }}), against a tree that must fail and
# one that must pass, and checks the outputs, the SARIF file and the annotations. Then lints
# the README's workflow (docs/examples/kubelint.yml) with actionlint and action.yml with
# check-jsonschema's GitHub Action schema. Idempotent; the tools live in target/ci-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/ci-tools.sh
python="$CI_VENV/bin/python"

fail() { echo "test-action: FAIL: $*" >&2; exit 1; }

workspace=$(mktemp -d)
trap 'rm -rf "$workspace"' EXIT
mkdir -p "$workspace/deploy/bad" "$workspace/deploy/good"
cp testdata/example/embedder.yaml "$workspace/deploy/bad/"
cp testdata/example-fixed/embedder.yaml "$workspace/deploy/good/"

# run_action NAME INPUT... : runs the action, leaves its exit code in $status, its outputs (the
# last stdout line, JSON) in $outputs and its whole stdout in $log.
run_action() {
  local name=$1; shift
  local inputs=()
  for input in "$@"; do inputs+=(--input "$input"); done
  echo "--- action: $name ($*)"
  status=0
  log=$("$python" scripts/run-composite-action.py "$repo" --workspace "$workspace" "${inputs[@]}") || status=$?
  outputs=$(tail -n 1 <<< "$log")
  printf '%s\n' "$log"
}
output() { "$python" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$outputs" "$1"; }

run_action "a bad tree fails the step" paths=deploy/bad
[ "$status" -eq 1 ] || fail "bad tree: exit code $status, expected 1"
[ "$(output exit-code)" = 1 ] || fail "bad tree: exit-code output $(output exit-code)"
[ "$(output findings)" = 1 ] || fail "bad tree: findings output $(output findings)"
[ "$(output sarif-file)" = kubelint.sarif ] || fail "bad tree: sarif-file output $(output sarif-file)"
grep -q '^::warning file=deploy/bad/embedder.yaml,line=8,col=1,endLine=8,endColumn=5,title=rollout-surge-scarce-resource::' <<< "$log" ||
  fail "bad tree: no annotation at deploy/bad/embedder.yaml:8"
sarif="$workspace/kubelint.sarif"
[ -s "$sarif" ] || fail "bad tree: no SARIF file in the workspace"
"$python" - "$sarif" "$workspace" <<'PY' || fail "bad tree: the SARIF file is not what upload-sarif needs"
import json, os, sys
log = json.load(open(sys.argv[1]))
results = log["runs"][0]["results"]
assert [r["ruleId"] for r in results] == ["rollout-surge-scarce-resource"], results
location = results[0]["locations"][0]["physicalLocation"]
uri = location["artifactLocation"]["uri"]
assert uri == "deploy/bad/embedder.yaml", uri
assert os.path.isfile(os.path.join(sys.argv[2], uri)), "the URI is relative to the workspace root"
assert location["region"]["startLine"] == 8, location
assert results[0]["partialFingerprints"]["kubelint/v1"]
PY
# nonunicode: the schema's `language` patterns are ECMA-262 regexes valid only without the
# `u` flag (an unescaped `]`); the default variant rejects the official schema itself.
"$CI_VENV/bin/check-jsonschema" --regex-variant nonunicode \
  --schemafile testdata/sarif/sarif-2.1.0-rtm.5.json "$sarif" ||
  fail "bad tree: the SARIF file does not follow the official schema"

run_action "a good tree passes" paths=deploy/good
[ "$status" -eq 0 ] || fail "good tree: exit code $status, expected 0"
[ "$(output findings)" = 0 ] || fail "good tree: findings output $(output findings)"
[ "$(output exit-code)" = 0 ] || fail "good tree: exit-code output $(output exit-code)"
! grep -q '^::' <<< "$log" || fail "good tree: annotations printed"

run_action "fail-on never reports but passes" "paths=deploy/bad deploy/good" fail-on=never format=human sarif-file=
[ "$status" -eq 0 ] || fail "fail-on never: exit code $status, expected 0"
[ "$(output findings)" = 1 ] || fail "fail-on never: findings output $(output findings)"
[ "$(output sarif-file)" = "" ] || fail "fail-on never: sarif-file output should be empty"
grep -q 'deploy/bad/embedder.yaml:8:1' <<< "$log" || fail "fail-on never: no human diagnostic"

run_action "a missing config is exit code 2" paths=deploy config=missing.yaml
[ "$status" -eq 2 ] || fail "missing config: exit code $status, expected 2"
[ "$(output exit-code)" = 2 ] || fail "missing config: exit-code output $(output exit-code)"

run_action "an unknown format is refused" format=xml
[ "$status" -eq 2 ] || fail "unknown format: exit code $status, expected 2"
grep -q '^::error title=kubelint::format must be' <<< "$log" || fail "unknown format: no error annotation"

echo "--- the runner emulation refuses what it cannot do as a runner would"
fake=$(mktemp -d)
printf 'name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo "${{ github.sha }}"\n' > "$fake/action.yml"
if "$python" scripts/run-composite-action.py "$fake" --workspace "$workspace" 2> "$fake/err"; then
  fail "an unsupported expression was run"
fi
grep -q 'unsupported expression' "$fake/err" || fail "no clear error for an unsupported expression"
printf 'name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n' > "$fake/action.yml"
if "$python" scripts/run-composite-action.py "$fake" --workspace "$workspace" 2> "$fake/err"; then
  fail "an unknown uses: step was skipped"
fi
grep -q 'cannot run `uses: actions/setup-node@v4`' "$fake/err" || fail "no clear error for a uses: step"
rm -rf "$fake"

echo "--- lint: actionlint docs/examples/kubelint.yml"
"$CI_VENV/bin/actionlint" docs/examples/kubelint.yml || fail "actionlint found problems in the example workflow"
echo "--- lint: check-jsonschema action.yml"
"$CI_VENV/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml ||
  fail "action.yml does not follow the GitHub Action schema"
echo "test-action: 6 passed, 0 failed"
