#!/usr/bin/env bash
# install-deps.sh: installs what flowrun needs on Debian bookworm, skipping what is present.
#
# apt packages (the libraries, redis-server, prometheus, nginx, wrk, jq, xmllint, clang
# and its libFuzzer runtime for tests/fuzz),
# Toxiproxy at the pinned version (built with `go install` into .tools/, cached),
# actionlint (pinned, .tools/), kubernetes-validate (pinned, PyPI, in a venv at
# .tools/kv: it validates deploy/kubernetes offline) and the npm packages of package.json (ajv-cli, for the
# schema tests; playwright-core, which drives Debian's chromium in the HTML report
# tests). Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

TOXIPROXY_VERSION=v2.12.0
ACTIONLINT_VERSION=v1.7.7
KUBERNETES_VALIDATE_VERSION=1.37.0
APT_PACKAGES=(build-essential autoconf automake libtool pkg-config libyaml-dev libcyaml-dev
	libcurl4-openssl-dev libwebsockets-dev libwebsockets-evlib-ev libssl-dev libpcre2-dev
	libjansson-dev libev-dev node-llhttp redis-server prometheus prometheus-pushgateway nginx-light wrk jq libxml2-utils curl
	shellcheck python3-locust clang-format clang libclang-rt-14-dev chromium
	python3 python3-venv golang-go nodejs npm)

say() { printf 'quickstart: %s\n' "$*" >&2; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
	case "$p" in
	golang-go) command -v go >/dev/null 2>&1 && continue ;;
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing apt packages: ${missing[*]}"
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p .tools
# `go install` builds report their version as "git": a stamp file records the pin.
if ! [ -x .tools/toxiproxy-server ] || [ "$(cat .tools/toxiproxy-server.version 2>/dev/null)" != "$TOXIPROXY_VERSION" ]; then
	say "building toxiproxy-server ${TOXIPROXY_VERSION} (go install)"
	tmp=$(mktemp -d)
	GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}"
	mv "$tmp/server" .tools/toxiproxy-server
	rm -rf "$tmp"
	echo "$TOXIPROXY_VERSION" > .tools/toxiproxy-server.version
fi
if ! [ -x .tools/actionlint ] || [ "$(cat .tools/actionlint.version 2>/dev/null)" != "$ACTIONLINT_VERSION" ]; then
	say "building actionlint ${ACTIONLINT_VERSION} (go install)"
	if GOBIN="$PWD/.tools" go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"; then
		echo "$ACTIONLINT_VERSION" > .tools/actionlint.version
	else
		say "actionlint could not be built; the workflow lint test will fail"
	fi
fi
if ! [ -x .tools/kv/bin/kubernetes-validate ] ||
	[ "$(cat .tools/kv.version 2>/dev/null)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
	say "installing kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} (pip, in a venv at .tools/kv)"
	python3 -m venv .tools/kv
	.tools/kv/bin/pip install -q --disable-pip-version-check "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}"
	echo "$KUBERNETES_VALIDATE_VERSION" > .tools/kv.version
fi
if [ -f package.json ] && { ! [ -x node_modules/.bin/ajv ] || ! [ -d node_modules/playwright-core ]; }; then
	say "installing npm packages (ajv-cli, playwright-core)"
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
