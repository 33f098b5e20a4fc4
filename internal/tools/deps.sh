#!/usr/bin/env bash
# Installs what `make test` needs beyond Go, make and node, on Debian:
#   protobuf-compiler  protoc's python generator, used by `make generate`
#   python3-protobuf   Debian's /usr/bin/python3 decodes the binary goldens
#   nats-server        the real server binary for process-level fault tests
# and the npm packages of the test peers. Safe to run repeatedly: it only
# installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || missing+=(python3-protobuf)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
		sudo=sudo
	fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, from the committed lockfiles.
for dir in internal/tools/node gen/ts internal/socketio/testdata/node; do
	if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
		echo "deps: npm ci in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
done
