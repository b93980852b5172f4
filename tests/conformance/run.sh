#!/usr/bin/env bash
# Conformance suite (see conformance.py): installs its own tools from the registries into
# tests/conformance/.work, then runs every check. Any tool that cannot be installed fails
# the run; no check is ever skipped.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${CONFORMANCE_WORK:-$HERE/.work}"
mkdir -p "$WORK/bin"
start=$(date +%s)

echo "== conformance: build ssmgen (release)"
(cd "$ROOT" && cargo build --release --locked --quiet)

echo "== conformance: Python tools (venv)"
if [ ! -x "$WORK/venv/bin/python" ]; then python3 -m venv "$WORK/venv"; fi
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"

echo "== conformance: checkov (a venv of its own: its bc-python-hcl2 shadows python-hcl2's hcl2)"
if [ ! -x "$WORK/checkov-venv/bin/python" ]; then python3 -m venv "$WORK/checkov-venv"; fi
"$WORK/checkov-venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements-checkov.txt"

echo "== conformance: Node tools (npm)"
mkdir -p "$WORK/node"
cp "$HERE/package.json" "$WORK/node/package.json"
(cd "$WORK/node" && npm install --no-audit --no-fund --loglevel=error)

echo "== conformance: hclfmt (HashiCorp's HCL parser and formatter, from Debian)"
if [ ! -x "$WORK/bin/hclfmt" ]; then
  if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/github.com/hashicorp/hcl/v2 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq golang-go golang-github-hashicorp-hcl-v2-dev >/dev/null
  fi
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$WORK/go-cache" \
    go build -o "$WORK/bin/hclfmt" github.com/hashicorp/hcl/v2/cmd/hclfmt
fi
echo "== conformance: hcldump (HashiCorp's HCL parser, syntax trees as JSON)"
(cd "$HERE/hcldump" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$WORK/go-cache" \
  go build -o "$WORK/bin/hcldump" .)
installed=$(date +%s)
echo "tools ready in $((installed - start)) s"

echo "== conformance: comparer self-test"
(cd "$HERE" && "$WORK/venv/bin/python" -W ignore::ResourceWarning -m unittest -q test_iam_model test_scanners test_activation_handler test_activation_model test_created_model)

echo "== conformance: checks"
cd "$HERE"
status=0
"$WORK/venv/bin/python" conformance.py || status=$?

echo "== conformance: packaging (packaging.py: npm and pip installs, pre-commit hook, cargo install)"
"$WORK/venv/bin/python" packaging.py || status=$?
echo "conformance total time: $(( $(date +%s) - start )) s"
exit $status
