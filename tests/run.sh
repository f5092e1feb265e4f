#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine of this kind, then run them all.
# Usage: bash tests/run.sh [pytest args]      e.g.  bash tests/run.sh -m "not browser"
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/apt-packages.txt ]; then
  # shellcheck disable=SC2046
  packages=$(grep -v '^#' tests/apt-packages.txt | xargs)
  if [ -n "$packages" ] && ! dpkg -s $packages >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" != 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $packages
  fi
fi
python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
python -m ruff check .

set +e
python -m pytest --durations=40 "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests for: $*"
  exit 0
fi
exit "$code"
