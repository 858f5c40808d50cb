# Sourced (not run) by web/build.sh and .ci/run: the environment for building lookalike-web for
# wasm32 with Debian's rustc-web and the standard library built from source (-Zbuild-std), as
# ../shared/wasm-toolchain.md describes. Needs Debian's rustc-web cargo-web rust-web-src lld-22.

# Debian's cargo and rustc before rustup's (whose toolchain has no standard-library sources).
export PATH=/usr/bin:$PATH
# What lets a stable compiler accept -Zbuild-std.
export RUSTC_BOOTSTRAP=1
# rustc links wasm32 with `rust-lld`, which not every Debian lld package installs (lld-22
# 1:22.1.8 has only wasm-ld-22); wasm-ld is the same linker under its own name.
if [ -z "${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER:-}" ] && ! command -v rust-lld >/dev/null; then
    wasm_ld=$(command -v wasm-ld || ls /usr/bin/wasm-ld-* 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$wasm_ld" ]; then
        echo "wasm-env.sh: no wasm linker (rust-lld or wasm-ld): install Debian's lld-22" >&2
        return 2
    fi
    echo "wasm-env.sh: linking with $wasm_ld (no rust-lld installed)" >&2
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$wasm_ld"
fi
