#!/bin/sh
# Fetches the held-out photographs (issue 17): 24 photographs that Debian's wallpaper packages
# ship, which no constant of the method was chosen on. Measuring on them shows whether what
# the harness's photographs taught us holds on photographs it did not see. Sources and
# licences: docs/accuracy-photos.md, "Held out".
#
#   tests/fetch-holdout-photos.sh [DIR]        # default: target/holdout-photos
#   LOOKALIKE_ACCURACY_PHOTOS=target/accuracy-photos:target/holdout-photos \
#       cargo run --release -p lookalike-tests --bin accuracy -- --out target/holdout
#
# Needs apt's package lists (`apt-get update` once) and dpkg-deb; downloads two packages
# (about 140 MB), installs nothing.
set -eu
dir=${1:-target/holdout-photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt downloads as its own user where it can: let it write here.
chmod 755 "$work"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Pinned to Debian 12's versions, so that everyone measures on the same pixels.
(cd "$work" && apt-get download -q \
    mate-backgrounds=1.26.0-1 plasma-workspace-wallpapers=4:5.27.5-2) || {
    echo "apt-get download failed: run apt-get update first (Debian 12 package lists)" >&2
    exit 1
}
for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$work/x"
done
# Photographs only: not the drawn or rendered wallpapers of either package.
mate=$work/x/usr/share/backgrounds/mate/nature
for name in Aqua Blinds Dune FreshFlower Garden GreenMeadow LadyBird RainDrops Storm \
    TwoWings Wood YellowFlower; do
    cp "$mate/$name.jpg" "$dir/mate_$name.jpg"
done
plasma=$work/x/usr/share/wallpapers
for name in BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite \
    OneStandsOut Path Volna summer_1am; do
    # Each has one photograph in contents/images (the largest size where there are several).
    file=$(ls -S "$plasma/$name/contents/images/"*.jpg | head -n 1)
    cp "$file" "$dir/plasma_$name.jpg"
done
echo "$(ls "$dir" | wc -l) photographs in $dir"
