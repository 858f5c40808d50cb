#!/usr/bin/env bash
# Makes COUNT JPEGs of 12 megapixels (4000 × 3000, every fifth 3000 × 4000) for `lookalike bench`,
# from the photographs in tests/photos: each is cropped by 0–14 % per side, upscaled, shifted in
# brightness by up to ±0.1, given film grain and saved at JPEG quality 2–4 (ffmpeg's -q:v), and
# every fourth is then flipped, rotated or cropped losslessly with jpegtran (as phones and editors
# do). The parameters follow from the file's number, so the same COUNT gives the same folder.
#
#   tests/make-bench-photos.sh 2000 /tmp/bench12
#   cargo build --release -p lookalike --no-default-features
#   target/release/lookalike --gpu off bench /tmp/bench12
#
# Needs ffmpeg and jpegtran (Debian: ffmpeg libjpeg-turbo-progs). Uses every core.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:?usage: tests/make-bench-photos.sh COUNT OUT_DIR}
out=${2:?usage: tests/make-bench-photos.sh COUNT OUT_DIR}
mkdir -p "$out"
photos=(tests/photos/*.jpg)

one() {
    local i=$1 out=$2
    shift 2
    local photos=("$@")
    local src=${photos[i % ${#photos[@]}]}
    local name
    name=$(printf '%06d_%s' "$i" "$(basename "$src")")
    [ -s "$out/$name" ] && return 0
    local crop=$((i * 7 % 15)) bright=$((i * 13 % 21 - 10)) quality=$((2 + i % 3))
    local size=4000:3000 region=3600x2700+200+150
    if [ $((i % 5)) -eq 0 ]; then
        size=3000:4000 region=2700x3600+150+200
    fi
    local keep=$((100 - 2 * crop))
    local tmp="$out/.$name"
    ffmpeg -v error -y -i "$src" -frames:v 1 -q:v "$quality" -vf \
        "crop=iw*$keep/100:ih*$keep/100,scale=$size:flags=bicubic,eq=brightness=$bright/100,noise=alls=12:allf=u" \
        "$tmp.jpg"
    case $((i % 16)) in
        3) jpegtran -flip horizontal -outfile "$tmp.t.jpg" "$tmp.jpg" ;;
        7) jpegtran -rotate 90 -outfile "$tmp.t.jpg" "$tmp.jpg" ;;
        11) jpegtran -crop "$region" -outfile "$tmp.t.jpg" "$tmp.jpg" ;;
        15) jpegtran -rotate 180 -outfile "$tmp.t.jpg" "$tmp.jpg" ;;
        *) mv "$tmp.jpg" "$tmp.t.jpg" ;;
    esac
    rm -f "$tmp.jpg"
    mv "$tmp.t.jpg" "$out/$name"
}
export -f one

seq 0 $((count - 1)) | xargs -P "$(nproc)" -I{} bash -c 'one "$@"' _ {} "$out" "${photos[@]}"
echo "make-bench-photos.sh: $(find "$out" -name '*.jpg' | wc -l) JPEGs in $out ($(du -sh "$out" | cut -f1))" >&2
