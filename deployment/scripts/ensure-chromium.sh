#!/usr/bin/env bash
# Make sure a headless-capable Chromium is installed for the dashboard's browser test
# (tests/e2e/test_dashboard_browser.py). Idempotent: does nothing when one is already on PATH.
set -euo pipefail

for browser in chromium chromium-browser google-chrome; do
    if command -v "$browser" >/dev/null 2>&1; then
        echo "ensure-chromium: $(command -v "$browser") is installed"
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no chromium on PATH and no apt-get here; install Chromium with this" \
        "system's package manager (the browser test is skipped without it)" >&2
    exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ensure-chromium: installing Chromium needs root; run this script as root" >&2
        exit 1
    fi
    as_root=(sudo)
fi

echo "ensure-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends chromium
command -v chromium
