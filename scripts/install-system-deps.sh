#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium for the browser tests (STACK.md: never
# `playwright install`, it downloads a browser) and a PostgreSQL server for the store tests
# (scripts/with-test-postgres.sh starts a throwaway one). Installs with apt-get as root, through
# sudo otherwise; where neither works it says so, and those tests skip (they fail under CI=true).
set -euo pipefail

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
  || packages+=(postgresql)
# PortAudio for `softstep listen` (sounddevice); its tests fake the device and need no sound card
ldconfig -p 2>/dev/null | grep libportaudio.so.2 >/dev/null || packages+=(libportaudio2)
((${#packages[@]})) || { echo "system packages: all present"; exit 0; }

if [[ $(id -u) -eq 0 ]]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt=(sudo apt-get)
else
  echo "system packages missing: ${packages[*]}; install them with apt-get (browser tests will skip)" >&2
  exit 0
fi
echo "installing system packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq "${packages[@]}" >/dev/null
