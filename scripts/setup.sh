#!/usr/bin/env bash
# Installs whichever of lrscope's Debian packages are missing (as root, or via sudo).
#   scripts/setup.sh                 build and test dependencies
#   scripts/setup.sh fashion-mnist   also Debian's dataset-fashion-mnist
#   scripts/setup.sh test            also what only the tests use: Chromium (the report's
#                                    end-to-end test) and OpenMPI (the MPI tuning test)
set -euo pipefail

packages=(gcc make cmake pkg-config zlib1g-dev libprotobuf-c-dev protobuf-c-compiler
          libopenblas-dev libcmocka-dev libpng-dev libcairo2-dev libsqlite3-dev
          libcjson-dev libxml2-dev libsleef-dev)
for extra in "$@"; do
  case "$extra" in
    fashion-mnist) packages+=(dataset-fashion-mnist) ;;
    test) packages+=(chromium libopenmpi-dev openmpi-bin) ;;
    *) echo "setup.sh: unknown extra '$extra' (known: fashion-mnist, test)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup.sh: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
