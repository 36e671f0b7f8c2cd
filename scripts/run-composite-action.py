#!/usr/bin/env python3
"""Run a composite action's steps as the GitHub runner does, for testing action.yml locally.

    run-composite-action.py ACTION_DIR --workspace DIR [--input NAME=VALUE ...]

Each `run:` step runs in order with `bash --noprofile --norc -eo pipefail` in the workspace,
with GITHUB_ACTION_PATH, GITHUB_WORKSPACE, RUNNER_TEMP, RUNNER_OS, RUNNER_ARCH and a fresh
GITHUB_OUTPUT file per step, whose `name=value` and `name<<DELIMITER` lines become
`steps.<id>.outputs`. Expressions are evaluated only in the forms action.yml uses:
`${{ inputs.NAME }}`, `${{ steps.ID.outputs.NAME }}` and `${{ github.action_path }}`; anything
else is an error, so the test cannot silently run something other than what a runner would.
`uses:` steps are skipped, and only those named in SKIPPABLE (caching, which changes no
result). Like the runner, the first failing step stops the run; the action's outputs are
then evaluated and printed as JSON on the last line of stdout, and the exit code is that
step's.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

SKIPPABLE = {"actions/cache"}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Context:
    def __init__(self, action_path, inputs):
        self.action_path = action_path
        self.inputs = inputs
        self.steps = {}

    def value(self, expression):
        parts = expression.split(".")
        if len(parts) == 2 and parts[0] == "inputs":
            if parts[1] not in self.inputs:
                raise SystemExit(f"action.yml uses undeclared input `{parts[1]}`")
            return self.inputs[parts[1]]
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if expression == "github.action_path":
            return self.action_path
        raise SystemExit(f"unsupported expression `${{{{ {expression} }}}}` in action.yml")

    def substitute(self, text):
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), str(text))


def parse_outputs(path):
    """GITHUB_OUTPUT as the runner reads it: `name=value` or a `name<<DELIMITER` heredoc."""
    outputs = {}
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while index < len(lines) and lines[index] != delimiter:
                value.append(lines[index])
                index += 1
            if index == len(lines):
                raise SystemExit(f"GITHUB_OUTPUT: `{name}` has no closing `{delimiter}`")
            index += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        else:
            raise SystemExit(f"GITHUB_OUTPUT: cannot read line `{line}`")
    return outputs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action_dir")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()

    action_path = os.path.abspath(args.action_dir)
    with open(os.path.join(action_path, "action.yml"), encoding="utf-8") as file:
        action = yaml.safe_load(file)
    if action.get("runs", {}).get("using") != "composite":
        raise SystemExit("action.yml is not a composite action")

    inputs = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    for pair in args.input:
        name, _, value = pair.partition("=")
        if name not in inputs:
            raise SystemExit(f"`{name}` is not an input of action.yml")
        inputs[name] = value
    context = Context(action_path, inputs)

    runner_temp = tempfile.mkdtemp(prefix="runner-temp-")
    base_env = dict(os.environ)
    base_env.update(
        GITHUB_ACTION_PATH=action_path,
        GITHUB_WORKSPACE=os.path.abspath(args.workspace),
        GITHUB_ACTIONS="true",
        RUNNER_TEMP=runner_temp,
        RUNNER_OS="Linux",
        RUNNER_ARCH="X64",
        CI="true",
    )
    # Inputs reach a composite action's scripts only through expressions, as on a runner.
    for name in list(base_env):
        if name.startswith("INPUT_"):
            del base_env[name]

    failed = 0
    for number, step in enumerate(action["runs"]["steps"], 1):
        label = step.get("name") or step.get("id") or f"step {number}"
        if "uses" in step:
            uses = step["uses"].split("@", 1)[0]
            if uses not in SKIPPABLE:
                raise SystemExit(f"cannot run `uses: {step['uses']}` ({label}) locally")
            print(f"== {label}: skipped `uses: {step['uses']}`", file=sys.stderr)
            continue
        if step.get("shell") != "bash":
            raise SystemExit(f"{label}: only `shell: bash` is supported")
        unknown = set(step) - {"name", "id", "shell", "run", "env"}
        if unknown:
            raise SystemExit(f"{label}: unsupported keys {sorted(unknown)}")
        env = dict(base_env)
        env.update({key: context.substitute(value) for key, value in step.get("env", {}).items()})
        output_file = os.path.join(runner_temp, f"output-{number}")
        open(output_file, "w").close()
        env["GITHUB_OUTPUT"] = output_file
        script = os.path.join(runner_temp, f"step-{number}.sh")
        with open(script, "w", encoding="utf-8") as file:
            file.write(context.substitute(step["run"]))
        print(f"== {label}", file=sys.stderr)
        sys.stdout.flush()
        status = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=args.workspace,
            env=env,
        ).returncode
        if "id" in step:
            context.steps[step["id"]] = parse_outputs(output_file)
        if status != 0:
            print(f"== {label} failed with exit code {status}", file=sys.stderr)
            failed = status
            break

    outputs = {name: context.substitute(spec["value"]) for name, spec in action.get("outputs", {}).items()}
    print(json.dumps(outputs, sort_keys=True))
    return failed


if __name__ == "__main__":
    sys.exit(main())
