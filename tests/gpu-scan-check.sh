#!/usr/bin/env bash
# Issue 13's figures on a lent GPU machine: `--gpu off|auto|on` scans (wall ms, fresh database)
# of photo-like 12-MP JPEGs and 4-MP PNGs at 16 and 4 threads, and GPU == CPU signatures.
#
# Prepare as ../shared/gpu-check/README.md says (Vulkan loader debs in .gl/, that folder copied
# to .gpu-check/ with tests/photos and the stripped release binary), copy this script next to
# them, then run it in one device call: `bash .gpu-check/gpu-scan-check.sh`, carry
# [".gl", ".gpu-check"]. An optional ./lookalike-before (an older build) adds "before" rows.
# About 3 minutes on an H100 machine with 16 cores.
set -u
cd "$(dirname "$0")"
for f in ../.gl/*.deb; do dpkg -x "$f" /; done; ldconfig
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep -qi nvidia ||
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
        __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
export LD_LIBRARY_PATH=$PWD
A=./lookalike
python3 mkphotos.py photos /tmp/j12 400 jpg
python3 mkphotos.py photos /tmp/p4 800 png
mkdir -p /tmp/p4s; ls /tmp/p4 | head -300 | while read -r f; do ln -sf "/tmp/p4/$f" "/tmp/p4s/$f"; done

ls /tmp/p4s/*.png > /tmp/list; ls /tmp/j12/*.jpg | head -200 >> /tmp/list; ls "$PWD"/photos/*.jpg >> /tmp/list
for g in on auto off; do $A --gpu $g hash - < /tmp/list > /tmp/h_$g.json 2> /tmp/h_$g.err; grep '^GPU' /tmp/h_$g.err; done
for g in on auto; do cmp -s /tmp/h_$g.json /tmp/h_off.json && echo "hash --gpu $g: same output as --gpu off ($(wc -l < /tmp/h_off.json) files)" || echo "hash --gpu $g DIFFERS from --gpu off"; done

one() {
    rm -rf /tmp/db
    local s e; s=$(date +%s%N); "$@" --db /tmp/db --json > /tmp/o.json 2> /tmp/e; e=$(date +%s%N)
    echo "RESULT $(( (e - s) / 1000000 )) ms, $(wc -l < /tmp/o.json) pairs :: $*"; grep '^GPU\|^no GPU' /tmp/e
}
bins=("$A"); [ -x ./lookalike-before ] && bins+=(./lookalike-before)
for r in 1 2 3; do
    for bin in "${bins[@]}"; do for g in off auto on; do
        one "$bin" --gpu $g scan /tmp/j12
        one "$bin" --gpu $g scan /tmp/p4
        one "$bin" --threads 4 --gpu $g scan -L /tmp/p4s
    done; done
done
