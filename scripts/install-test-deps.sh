#!/usr/bin/env bash
# Install everything the test suite needs; safe to run again (only installs what is missing).
#   System: dovecot-imapd (IMAP), postgresql, chromium, redis-server - started privately by tests/servers.
#   Python: this project with its [test] extra.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(dovecot-imapd postgresql chromium redis-server libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
PYTHON="${PYTHON:-$(command -v python || command -v python3 || true)}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

install_system_packages() {
    local missing=()
    for package in "$@"; do
        is_installed "$package" || missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "install-test-deps: system packages present: $*"
        return
    fi
    echo "install-test-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_python_package() {
    if [ -z "$PYTHON" ]; then
        install_system_packages python3 python3-pip python3-venv
        PYTHON="$(command -v python3)"
    fi
    if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
        install_system_packages python3-pip
    fi
    local pip_args=(install --quiet -e '.[test]')
    # Debian's own interpreter refuses pip installs (PEP 668) unless told otherwise.
    if "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
        pip_args+=(--break-system-packages)
    fi
    "$PYTHON" -m pip "${pip_args[@]}"
    echo "install-test-deps: $("$PYTHON" --version) with jobdigest[test] installed"
}

install_system_packages "${SYSTEM_PACKAGES[@]}"
install_python_package
