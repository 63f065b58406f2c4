#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when missing:
# Go and the gorilla/sessions + securecookie sources (the interop peer),
# and Debian's chromium for the browser tests.
set -euo pipefail
need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/gorilla/securecookie ] || need+=(golang-github-gorilla-securecookie-dev)
[ -d /usr/share/gocode/src/github.com/gorilla/sessions ] || need+=(golang-github-gorilla-sessions-dev)
# Redis server and redis-cli: the Redis tests start their own servers and a cluster.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Headless browser for tests/browser (driven by Playwright; no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
