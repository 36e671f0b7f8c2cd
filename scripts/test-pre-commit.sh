#!/usr/bin/env bash
# Runs the hooks of .pre-commit-hooks.yaml through pre-commit itself, as a user's repository
# would: a temporary git repository with a manifest that must fail and one that must pass, and
# `pre-commit try-repo <this repository> <hook> --all-files`. try-repo uses this repository's
# HEAD commit (plus uncommitted changes to tracked files), and `language: rust` builds kubelint
# with `cargo install`; CARGO_TARGET_DIR keeps that build under target/ so reruns are quick.
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
  log=$(cd "$1" && "$CI_VENV/bin/pre-commit" try-repo "$repo" "$2" --all-files --color never 2>&1) || status=$?
  printf '%s\n' "$log"
}

make_repo "$work/bad" testdata/example/embedder.yaml
make_repo "$work/good" testdata/example-fixed/embedder.yaml
passed=0
for hook in kubelint kubelint-all; do
  try_hook "$work/bad" "$hook"
  [ "$status" -eq 1 ] || fail "$hook on a bad manifest: exit code $status, expected 1"
  grep -q 'rollout-surge-scarce-resource' <<< "$log" || fail "$hook: the diagnostic is missing"
  grep -q 'deploy/embedder.yaml:8:1' <<< "$log" || fail "$hook: the location is missing"
  passed=$((passed + 1))

  try_hook "$work/good" "$hook"
  [ "$status" -eq 0 ] || fail "$hook on a good manifest: exit code $status, expected 0"
  grep -Eq '^kubelint.*Passed$' <<< "$log" || fail "$hook on a good manifest did not pass"
  passed=$((passed + 1))
done
echo "test-pre-commit: $passed passed, 0 failed"
