#!/usr/bin/env bash
# Installs wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (the generated glue
# and the wasm must come from the same version), unless it is already installed. Takes about
# 4 minutes on 2 cores the first time. .ci/run calls this; web/build.sh needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$want" ]; then
    echo "install-toolchain.sh: no wasm-bindgen in Cargo.lock" >&2
    exit 1
fi
if command -v wasm-bindgen >/dev/null && [ "$(wasm-bindgen --version | awk '{ print $2 }')" = "$want" ]; then
    echo "install-toolchain.sh: wasm-bindgen $want already installed" >&2
    exit 0
fi
# --locked uses the CLI's own lock file. A registry mirror that lacks one of those exact versions
# makes that fail; then the newest compatible versions are used instead (the CLI version is still
# exactly $want, which is what has to match).
cargo install wasm-bindgen-cli --version "=$want" --locked ||
    cargo install wasm-bindgen-cli --version "=$want"
