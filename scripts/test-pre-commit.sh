#!/usr/bin/env bash
# Runs the hooks of .pre-commit-hooks.yaml through pre-commit itself, as a user's repository
# would: a temporary git repository with a manifest that must fail and one that must pass, and
# `pre-commit try-repo <this repository> kubelint --all-files`, then the README's config with
# `pre-commit run`. try-repo uses this repository's HEAD commit (plus uncommitted changes to
# tracked files); the README's config uses HEAD. `language: rust` builds kubelint with
# `cargo install`; CARGO_TARGET_DIR keeps that build under target/ so that only the first
# build compiles the dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/ci-tools.sh
export PRE_COMMIT_HOME="$repo/target/pre-commit-home"
export CARGO_TARGET_DIR="$repo/target/pre-commit-build"

fail() { echo "test-pre-commit: FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# make_repo DIR FILE... : a git repository with the given fixtures committed under deploy/.
make_repo() {
  local dir=$1; shift
  mkdir -p "$dir/deploy"
  cp "$@" "$dir/deploy/"
  git -C "$dir" init --quiet
  git -C "$dir" add deploy
  git -C "$dir" -c user.name=test -c user.email=test@example.com commit --quiet -m fixtures
}

# try_hook DIR HOOK : runs the hook; leaves the exit code in $status and the output in $log.
try_hook() {
  echo "--- pre-commit try-repo $2 in $(basename "$1")"
  status=0
  local start=$SECONDS
  log=$(cd "$1" && "$CI_VENV/bin/pre-commit" try-repo "$repo" "$2" --all-files --color never 2>&1) || status=$?
  printf '%s\n(%ss, the kubelint build included)\n' "$log" "$((SECONDS - start))"
}

make_repo "$work/bad" testdata/example/embedder.yaml
make_repo "$work/good" testdata/example-fixed/embedder.yaml
passed=0
# try-repo installs a fresh environment (one `cargo install`) per call, so it runs for the
# per-file hook; the README's config below runs both hooks.
try_hook "$work/bad" kubelint
[ "$status" -eq 1 ] || fail "kubelint on a bad manifest: exit code $status, expected 1"
grep -q 'rollout-surge-scarce-resource' <<< "$log" || fail "kubelint: the diagnostic is missing"
grep -q 'deploy/embedder.yaml:8:1' <<< "$log" || fail "kubelint: the location is missing"
passed=$((passed + 1))

try_hook "$work/good" kubelint
[ "$status" -eq 0 ] || fail "kubelint on a good manifest: exit code $status, expected 0"
grep -Eq '^kubelint.*Passed$' <<< "$log" || fail "kubelint on a good manifest did not pass"
passed=$((passed + 1))
# The README's .pre-commit-config.yaml as written, pointed at this repository's HEAD commit,
# run by `pre-commit run`: the bad tree fails both hooks; the good tree passes both, with a
# Helm template that the snippet's `exclude` keeps from the per-file hook and .kubelint.yaml's
# `exclude` keeps from the whole-tree hook.
"$CI_VENV/bin/python" - README.md "$repo" "$(git rev-parse HEAD)" > "$work/config.yaml" <<'PY' ||
import sys
readme, repo, rev = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
snippet = readme.split("<!-- .pre-commit-config.yaml -->", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
for old, new in [("repo: https://github.com/kubelint/kubelint", f"repo: {repo}"), ("rev: main", f"rev: {rev}")]:
    if old not in snippet:
        sys.exit(f"the README's pre-commit snippet has no `{old}`")
    snippet = snippet.replace(old, new)
print(snippet, end="")
PY
  fail "cannot read the README's pre-commit snippet"
mkdir -p "$work/good/charts/app/templates"
printf 'metadata:\n  labels:\n    {{- include "app.labels" . | nindent 4 }}\n' > "$work/good/charts/app/templates/deployment.yaml"
printf 'exclude: ["charts/*/templates/**"]\n' > "$work/good/.kubelint.yaml"
for dir in bad good; do
  cp "$work/config.yaml" "$work/$dir/.pre-commit-config.yaml"
  git -C "$work/$dir" add -A
  git -C "$work/$dir" -c user.name=test -c user.email=test@example.com commit --quiet -m config
done

echo "--- pre-commit run --all-files with the README's config in bad"
status=0
start=$SECONDS
log=$(cd "$work/bad" && "$CI_VENV/bin/pre-commit" run --all-files --color never 2>&1) || status=$?
printf '%s\n(%ss, the kubelint build included)\n' "$log" "$((SECONDS - start))"
[ "$status" -eq 1 ] || fail "README config on a bad manifest: exit code $status, expected 1"
[ "$(grep -c 'Failed$' <<< "$log")" -eq 2 ] || fail "README config: both hooks should fail on a bad manifest"
grep -q 'deploy/embedder.yaml:8:1' <<< "$log" || fail "README config: the diagnostic is missing"
passed=$((passed + 1))

echo "--- pre-commit run --all-files with the README's config in good"
status=0
log=$(cd "$work/good" && "$CI_VENV/bin/pre-commit" run --all-files --color never 2>&1) || status=$?
printf '%s\n' "$log"
[ "$status" -eq 0 ] || fail "README config on a good tree with a Helm template: exit code $status, expected 0"
[ "$(grep -c 'Passed$' <<< "$log")" -eq 2 ] || fail "README config: both hooks should pass on a good tree"
passed=$((passed + 1))

echo "test-pre-commit: $passed passed, 0 failed"
