#!/bin/sh
# The accuracy check from outside (issue 17): copies made with ffmpeg, not with the harness's
# code, scanned by the release binary as a user would scan them, and counted per kind of copy.
#
#   tests/fetch-accuracy-photos.sh        # once, optional: 21 more photographs
#   tests/outside-check.sh [OUT.md]       # default: docs/outside-check.md
#
#   tests/fetch-holdout-photos.sh         # the 24 held out, into target/holdout-photos
#   LOOKALIKE_ACCURACY_PHOTOS=target/accuracy-photos:target/holdout-photos \
#       tests/outside-check.sh docs/outside-check-holdout.md
#
# Originals: tests/photos and target/accuracy-photos (or the folders of
# $LOOKALIKE_ACCURACY_PHOTOS, joined by ':'). Each gets
# every copy below; one `lookalike scan --all --json` per sensitivity (10, the default, 50) then
# reports pairs. A copy counts as found when it is paired with its own original directly (not only
# through its group). A false pair is any reported pair of files made from different
# originals: the same text, caption, bars or haze on two different photographs are among them.
# Needs ffmpeg (with drawtext) and python3; takes a few minutes, most of it ffmpeg.
set -eu
out=${1:-docs/outside-check.md}
extra=${LOOKALIKE_ACCURACY_PHOTOS:-target/accuracy-photos}
cargo build --release --quiet -p lookalike
bin=$(pwd)/target/release/lookalike
# The default sensitivity, as `scan --help` states it (the default column is scanned without
# --sensitivity, so it is the default whatever this finds).
default=$("$bin" scan --help | sed -n 's/.*The default, \([0-9][0-9]*\).*/\1/p' | head -n 1)
[ -n "$default" ] || { echo "cannot read the default sensitivity from scan --help" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lib=$work/lib

# name|filter|quality (ffmpeg -q:v, 2 best to 31 worst)|required (1) or reported only (0).
# LOOKALIKE_OUTSIDE_EDITS=FILE measures the kinds listed in FILE instead, in this form (e.g.
# tests/outside-check-more.edits: copies the issue does not list).
# LOOKALIKE_OUTSIDE_SCAN_ARGS="--all-turns" (say) is added to every scan's options (not
# --sensitivity, which the script sets; with --whole the default column is sensitivity 25).
cat >"$work/edits" <<'LIST'
resize 50 %|scale=iw/2:-2|3|1
resize 30 %|scale=iw*0.3:-2|3|1
JPEG q25|null|25|1
brightness +15 %|eq=brightness=0.15|3|1
contrast +40 %|eq=contrast=1.4|3|1
gray|format=gray|3|1
sepia|colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131|3|1
hue +30°|hue=h=30|3|1
blur|boxblur=2|3|1
noise|noise=alls=20:allf=t+u:all_seed=SEED|3|1
text over the picture|drawtext=text='LOOK AT THIS':fontcolor=white:borderw=3:bordercolor=black:fontsize=h/8:x=(w-tw)/2:y=(h-th)/2|3|1
caption band|drawbox=x=0:y=ih*0.85:w=iw:h=ih*0.15:color=black@1:t=fill,drawtext=text='Summer 2024':fontcolor=white:fontsize=h/14:x=(w-tw)/2:y=h*0.88|3|1
logo|drawbox=x=iw*0.78:y=ih*0.82:w=iw*0.18:h=ih*0.12:color=white@0.6:t=fill,drawtext=text='LOGO':fontcolor=black@0.7:fontsize=h/16:x=w*0.81:y=h*0.85|3|1
letterbox, black|pad=trunc((iw+1)/2)*2:trunc(ih*1.33/2)*2:(ow-iw)/2:(oh-ih)/2:black|3|1
pillarbox, gray|pad=trunc(iw*1.3/2)*2:trunc((ih+1)/2)*2:(ow-iw)/2:(oh-ih)/2:gray|3|1
letterbox, subtitle in the bar|pad=trunc((iw+1)/2)*2:trunc(ih*1.33/2)*2:(ow-iw)/2:(oh-ih)/2:black,drawtext=text='I told you this would happen':fontcolor=white:fontsize=h/22:x=(w-tw)/2:y=h-h*0.09|3|1
white frame, deeper at the bottom|pad=trunc(iw*1.1/2)*2:trunc(ih*1.25/2)*2:iw*0.05:ih*0.05:white|3|1
black bars on all four sides|pad=trunc(iw*1.3/2)*2:trunc(ih*1.2/2)*2:(ow-iw)/2:(oh-ih)/2:black|3|1
mirror|hflip|3|1
rotate 90°|transpose=1|3|1
rotate 180°|hflip,vflip|3|1
crop 5 %|crop=iw*0.95:ih*0.95|3|1
crop 10 %|crop=iw*0.9:ih*0.9|3|1
crop 10 % from the left|crop=iw*0.9:ih:iw*0.1:0|3|1
corner crop 10 %, top left kept|crop=iw*0.9:ih*0.9:0:0|3|1
crop 5 % from the top|crop=iw:ih*0.95:0:ih*0.05|3|1
crop 15 % from the right|crop=iw*0.85:ih:0:0|3|1
corner crop 6 %, bottom right kept|crop=iw*0.94:ih*0.94:iw*0.06:ih*0.06|3|1
corner crop 12 %, top right kept|crop=iw*0.88:ih*0.88:iw*0.12:0|3|1
mirror + crop 5 %|hflip,crop=iw*0.95:ih*0.95|3|1
crop 6 % + caption + JPEG q25|crop=iw*0.94:ih*0.94,drawbox=x=0:y=ih*0.85:w=iw:h=ih*0.15:color=black@1:t=fill,drawtext=text='Summer 2024':fontcolor=white:fontsize=h/14:x=(w-tw)/2:y=h*0.88|25|1
hazy (30 % contrast and saturation)|eq=contrast=0.3:saturation=0.3|3|1
crop 20 %|crop=iw*0.8:ih*0.8|3|0
hazy + text|eq=contrast=0.3:saturation=0.3,drawtext=text='LOOK AT THIS':fontcolor=white:borderw=3:bordercolor=black:fontsize=h/8:x=(w-tw)/2:y=(h-th)/2|3|0
faded to 10 % contrast|eq=contrast=0.1|3|0
faded to 6 % contrast|eq=contrast=0.06|3|0
LIST
if [ -n "${LOOKALIKE_OUTSIDE_EDITS:-}" ]; then
    cp "$LOOKALIKE_OUTSIDE_EDITS" "$work/edits"
fi

mkdir -p "$lib/original"
ls tests/photos/*.jpg >"$work/originals"
rest=$extra
while [ -n "$rest" ]; do
    folder=${rest%%:*}
    case $rest in *:*) rest=${rest#*:} ;; *) rest= ;; esac
    for f in "$folder"/*; do
        [ -f "$f" ] && echo "$f"
    done >>"$work/originals"
done
seed=0
while IFS= read -r f; do
    name=$(basename "${f%.*}")
    echo "$name.jpg|$(dirname "$f")" >>"$work/sources"
    seed=$((seed + 1))
    ffmpeg -nostdin -loglevel error -y -i "$f" -q:v 2 "$lib/original/$name.jpg"
    k=0
    while IFS='|' read -r label filter quality required; do
        k=$((k + 1))
        mkdir -p "$lib/$k"
        echo "$label|$required" >"$work/$k.label"
        filter=$(echo "$filter" | sed "s/SEED/$seed/")
        ffmpeg -nostdin -loglevel error -y -i "$f" -vf "$filter" -q:v "$quality" \
            "$lib/$k/$name.jpg" || echo "ffmpeg failed: $label on $f" >&2
    done <"$work/edits"
done <"$work/originals"
for s in 10 default 50; do
    if [ "$s" = default ]; then set --; else set -- --sensitivity "$s"; fi
    # The options are split into words on purpose, and not globbed (set -f).
    set -f
    # shellcheck disable=SC2086
    "$bin" --db "$work/db" scan "$lib" --all --json --quiet "$@" \
        ${LOOKALIKE_OUTSIDE_SCAN_ARGS:-} >"$work/pairs-$s.json"
    set +f
done
cp "$work/pairs-default.json" "$work/pairs-$default.json"
python3 - "$lib" "$work" "$out" "$default" <<'EOF'
import json, os, sys
lib, work, out, default = sys.argv[1:4] + [int(sys.argv[4])]
levels = (10, default, 50)
kinds = sorted((int(d) for d in os.listdir(lib) if d.isdigit()))
label = {k: open(f"{work}/{k}.label").read().strip().rsplit("|", 1) for k in kinds}
found = {s: set() for s in levels}
false = {s: [] for s in levels}
# At the default: the copies whose pair with their original says "cropped" or "wider".
cropped = set()
for s in levels:
    for line in open(f"{work}/pairs-{s}.json"):
        p = json.loads(line)
        (ka, na), (kb, nb) = (p[w]["path"].split("/")[-2:] for w in ("keep", "remove"))
        if na != nb:
            false[s].append((p["similarity"], f"{ka}/{na}", f"{kb}/{nb}"))
        elif ka == "original" or kb == "original":
            copy = (kb if ka == "original" else ka, na)
            found[s].add(copy)
            if s == default and p.get("crop"):
                cropped.add(copy)
names = lambda k: sorted(os.listdir(f"{lib}/{k}"))
originals = len(os.listdir(f"{lib}/original"))
def name(path):
    kind, file = path.split("/")
    return f"{file[:-4]} ({label[int(kind)][0] if kind.isdigit() else 'original'})"
# Where each original came from (tests/photos, or a fetched folder: the held-out ones apart).
source = dict(line.strip().split("|") for line in open(f"{work}/sources"))
by_source = {}
rows, req = [], {s: [0, 0] for s in levels}
for k in kinds:
    text, required = label[k]
    copies = names(k)
    cells = []
    for s in levels:
        n = sum((str(k), c) in found[s] for c in copies)
        cells.append(f"{n} of {len(copies)}")
        if required == "1":
            req[s][0] += n
            req[s][1] += len(copies)
    if required == "1":
        for c in copies:
            counts = by_source.setdefault(source[c], [0, 0])
            counts[0] += (str(k), c) in found[default]
            counts[1] += 1
    missed = [c[:-4] for c in copies if (str(k), c) not in found[default]]
    labelled = sum((str(k), c) in cropped for c in copies)
    rows.append(f"| {text}{'' if required == '1' else ' *(reported only)*'} | "
                + " | ".join(cells) + f" | {labelled} | {', '.join(missed) or '–'} |")
# The settings this was measured with (photographs, kinds of copy, scan options).
settings = [f"`{k}={os.environ[k]}`"
            for k in ("LOOKALIKE_ACCURACY_PHOTOS", "LOOKALIKE_OUTSIDE_EDITS",
                      "LOOKALIKE_OUTSIDE_SCAN_ARGS")
            if os.environ.get(k)]
md = [
    "# Accuracy from outside",
    "",
    "Written by `tests/outside-check.sh`"
    + (" with " + " and ".join(settings) if settings else "")
    + " (run `tests/fetch-accuracy-photos.sh` first for the full "
    "set; `docs/accuracy-photos.md` says which photographs are held out). Do not edit by hand. Copies made with ffmpeg, not with the harness's code "
    "([accuracy.md](accuracy.md)); each sensitivity is one `lookalike scan --all --json` of all "
    "the files, as a user runs it. A copy is found when it is paired with its own original "
    "directly. A false pair is any pair of files made from different originals.",
    "",
    f"- **{originals} originals**, {len(kinds)} kinds of copy of each: "
    f"{sum(len(names(k)) for k in kinds) + originals} files.",
    "",
    "| sensitivity | required copies found | false pairs |",
    "|---|---|---|",
]
for s in levels:
    n, t = req[s]
    md.append(f"| {s}{' (default)' if s == default else ''} | {n} of {t} ({100 * n / max(t, 1):.1f} %) | {len(false[s])} |")
if len(by_source) > 1:
    md += ["", "At the default, by where the originals came from:", "",
           "| photographs | required copies found |", "|---|---|"]
    for folder in dict.fromkeys(source.values()):
        n, t = by_source.get(folder, (0, 0))
        md.append(f"| {folder} | {n} of {t} ({100 * n / max(t, 1):.1f} %) |")
md += ["", "## Per kind of copy", "",
       f"Labelled cropped: of the copies found at {default}, those whose pair with their original "
       "says `\"crop\":\"cropped\"` or `\"wider\"` (matched through a cropped probe).", "",
       f"| copy | s 10 | s {default} | s 50 | labelled cropped | not found at {default} |",
       "|---|---|---|---|---|---|"] + rows
md += ["", "## False pairs at the default", ""]
if false[default]:
    md += ["| similarity | one | other |", "|---|---|---|"]
    md += [f"| {s:.1f} | {name(a)} | {name(b)} |" for s, a, b in sorted(false[default], reverse=True)]
else:
    md.append("None.")
open(out, "w").write("\n".join(md) + "\n")
print("\n".join(md))
EOF
