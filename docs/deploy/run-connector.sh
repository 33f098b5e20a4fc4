#!/usr/bin/env bash
# Run cytube-connector in the foreground (Linux, macOS).
#
# Settings come from the environment and from a .env file (see
# docs/configuration.md). The first of these that exists is loaded:
#   $ENV_FILE, .env next to this script, .env at the repository root.
# Variables already set (non-empty) in the environment win over the file.
#
# The program run is the first that exists of:
#   $CONNECTOR_BIN, cytube-connector next to this script, cytube-connector on
#   PATH, or `go run ./cmd/cytube-connector` in the repository this script is in.
# Extra arguments are passed on: run-connector.sh -log-level debug
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)

# load_env_file FILE exports the variables FILE sets, except those already set
# (non-empty) in the environment. FILE is sourced in a subshell, so it must be
# shell-compatible: KEY=VALUE lines, single quotes around values with spaces,
# $ or #.
load_env_file() {
	local file=$1 entry key
	while IFS= read -r -d '' entry; do
		key=${entry%%=*}
		[[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
		if [[ -z ${!key:-} ]]; then
			export "$entry"
		fi
	done < <(set -a && . "$file" && env -0)
}

env_file=${ENV_FILE:-}
if [[ -z $env_file ]]; then
	for candidate in "$script_dir/.env" "$repo_root/.env"; do
		if [[ -f $candidate ]]; then
			env_file=$candidate
			break
		fi
	done
fi
if [[ -n $env_file ]]; then
	if [[ ! -r $env_file ]]; then
		echo "run-connector: cannot read $env_file" >&2
		exit 1
	fi
	if ! bash -n "$env_file"; then
		echo "run-connector: $env_file is not shell-compatible: quote values with spaces, \$ or # in single quotes" >&2
		exit 1
	fi
	echo "run-connector: loading $env_file" >&2
	load_env_file "$env_file"
fi

if [[ -n ${CONNECTOR_BIN:-} ]]; then
	exec "$CONNECTOR_BIN" run "$@"
elif [[ -x $script_dir/cytube-connector ]]; then
	exec "$script_dir/cytube-connector" run "$@"
elif command -v cytube-connector >/dev/null 2>&1; then
	exec cytube-connector run "$@"
elif [[ -f $repo_root/go.mod ]] && command -v go >/dev/null 2>&1; then
	cd "$repo_root"
	exec go run ./cmd/cytube-connector run "$@"
else
	echo "run-connector: cytube-connector not found: install it on PATH, set CONNECTOR_BIN, or run from a source checkout with Go installed" >&2
	exit 1
fi
