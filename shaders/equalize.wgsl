// Step 1c: contrast-limited equalization of each image's Y plane (the GPU twin of
// lookalike_core::equalize), one workgroup of EQ_THREADS threads per image. yiq.wgsl has kept a
// copy of Y as it was in the image's fourth plane.
//
// First (signature format 17) a vignette is undone, in integers as on the CPU
// (lookalike_core's equalize/vignette.rs): each column's and row's sum of the bins' fitting
// logarithms, a darkening bowl per axis where both halves darken (bowl_of), each line's lift
// (lift), and every pixel's bin raised by its column's and row's lift (pixel_bin), which the
// histogram and the final mapping below both read instead of the level's own bin.
//
// Everything but the final scale is integer arithmetic, as on the CPU: the bin of a level is
// ⌊y · 1024⌋ (exact: a power of two), counts are clipped at EQ_CAP, the clipped counts are
// spread over the `used` bins (those holding a pixel), and a used bin of rank r becomes
// twice = (2 · below + count) · used + excess · (2r + 1), in units of 2⁻²⁴
// twice / used · 512 + twice % used · 512 / used (an integer below 2²⁴, exact as an f32),
// times 2⁻²⁴ (exact). Then (signature format 10) a bin far beyond the range the picture mostly
// uses, between the bins where the unclipped cumulative count first exceeds 10 % of AREA and
// first reaches 90 %, is pulled to the median bin's units in 64 integer steps,
// (units · (64 − pull) + middle · pull) / 64, scaled by a strength that needs the darkest and
// lightest 0.7 % (EQ_OUTER_PERMILLE, signature format 12) beyond the range on both sides and
// fades when they lie far beyond a narrow range (a plain ground: its far levels are the
// picture's text). So the result is bit-identical to the CPU.

const EQ_BINS: u32 = 1024u;
// 2 (lookalike_core::EQUALIZE_CLIP) × AREA / EQ_BINS.
const EQ_CAP: u32 = 32u;
const EQ_THREADS: u32 = 256u;
// Bins per thread.
const EQ_PER: u32 = 4u;
// 2⁻²⁴, the value of one unit of the halved mapping.
const EQ_UNIT: f32 = 0x1p-24f;
// lookalike_core::equalize's RANGE_SHARE (percent left out at each end), PULL_FROM and PULL_TO
// (quarters of the range's width beyond it), PULL_STEPS.
const EQ_RANGE_SHARE: u32 = 10u;
const EQ_PULL_FROM: u32 = 4u;
const EQ_PULL_TO: u32 = 8u;
const EQ_PULL_STEPS: u32 = 64u;
// lookalike_core::equalize's OUTER_PERMILLE, BOTH_FROM and BOTH_TO, PLAIN_FROM and PLAIN_TO.
const EQ_OUTER_PERMILLE: u32 = 7u;
const EQ_BOTH_FROM: u32 = 0u;
const EQ_BOTH_TO: u32 = 8u;
const EQ_PLAIN_FROM: u32 = 64u;
const EQ_PLAIN_TO: u32 = 128u;

var<workgroup> counts: array<atomic<u32>, EQ_BINS>;
var<workgroup> mapped: array<f32, EQ_BINS>;
// Each bin's equalized level in units of 2⁻²⁴, before the pull.
var<workgroup> units_of: array<u32, EQ_BINS>;
// The picture's own range and median bin (lookalike_core's OwnRange).
var<workgroup> range_low: u32;
var<workgroup> range_high: u32;
var<workgroup> range_middle: u32;
var<workgroup> pull_strength: u32;
var<workgroup> partial: array<u32, EQ_THREADS>;
// Per thread, then exclusive prefix sums: how many of the bins before the thread's are used.
var<workgroup> partial_used: array<u32, EQ_THREADS>;
var<workgroup> excess_total: atomic<u32>;
var<workgroup> total_used: u32;
// Signature format 17, the vignette undone (lookalike_core's equalize/vignette.rs): each
// column's, then each row's, sum of fitting logarithms; then how far each is raised.
var<workgroup> lines: array<u32, 256>;
// The bowl's strength across and down, n (0: none).
var<workgroup> bowl: array<u32, 2>;

// lookalike_core's vignette BOWL_MEAN, BOWL_LEAST and BOWL_MOST.
const VG_BOWL_MEAN: i32 = 5461i;
const VG_BOWL_LEAST: u32 = 16777216u;
const VG_BOWL_MOST: u32 = 67108864u;

fn fit_log(b: u32) -> u32 {
    return params.logs[b >> 2u][b & 3u] & 0xffffu;
}

fn level_log(b: u32) -> u32 {
    return params.logs[b >> 2u][b & 3u] >> 16u;
}

// The bowl's strength along one axis from its 128 line sums at `start`: n = 2 · min(|before|,
// |after|) where both halves' Σ (U − 5461) · (sum >> 9) are negative, at most VG_BOWL_MOST,
// less VG_BOWL_LEAST; 0 otherwise. Each half's sum stays below 2³¹ in magnitude.
fn bowl_of(start: u32) -> u32 {
    var before = 0i;
    var after = 0i;
    for (var x = 0u; x < 64u; x++) {
        let d = 2i * i32(x) - 127i;
        before += (d * d - VG_BOWL_MEAN) * i32(lines[start + x] >> 9u);
        let e = 2i * i32(x + 64u) - 127i;
        after += (e * e - VG_BOWL_MEAN) * i32(lines[start + x + 64u] >> 9u);
    }
    if before >= 0i || after >= 0i {
        return 0u;
    }
    let n = min(2u * min(u32(-before), u32(-after)), VG_BOWL_MOST);
    return select(0u, n - VG_BOWL_LEAST, n > VG_BOWL_LEAST);
}

// (n · gain) >> 28 without 64 bits: n = hi · 2¹⁶ + lo, and the low 16 bits of lo · gain
// never reach bit 28.
fn lift(n: u32, x: u32) -> u32 {
    let gain = params.gains[x >> 2u][x & 3u];
    return ((n >> 16u) * gain + (((n & 0xffffu) * gain) >> 16u)) >> 12u;
}

// The bin of level bin `b` raised by `raise` units of the level's logarithm: the largest bin
// whose level_log is not above level_log(b) + raise (the CPU's INVERSE table).
fn raised_bin(b: u32, raise: u32) -> u32 {
    if raise == 0u {
        return b;
    }
    let l = level_log(b) + raise;
    var lo = b;
    var hi = EQ_BINS - 1u;
    while lo < hi {
        let mid = (lo + hi + 1u) / 2u;
        if level_log(mid) <= l {
            lo = mid;
        } else {
            hi = mid - 1u;
        }
    }
    return lo;
}

// Pixel p's bin once the vignette is undone: `lines` holds the columns' raises, then the rows'.
fn pixel_bin(y: f32, p: u32) -> u32 {
    return raised_bin(level_bin(y), lines[p % N] + lines[N + p / N]);
}

fn level_bin(y: f32) -> u32 {
    let scaled = y * f32(EQ_BINS);
    if scaled >= f32(EQ_BINS - 1u) {
        return EQ_BINS - 1u;
    }
    if scaled > 0.0 {
        return u32(scaled);
    }
    return 0u;
}

// (quarters − start · width) / ((end − start) · width), clamped to 0–1, in EQ_PULL_STEPS
// steps (lookalike_core::equalize's `ramp`).
fn eq_ramp(quarters: u32, start: u32, end: u32, width: u32) -> u32 {
    let over = quarters - min(quarters, start * width);
    return min(over * EQ_PULL_STEPS / ((end - start) * width), EQ_PULL_STEPS);
}

@compute @workgroup_size(EQ_THREADS, 1, 1)
fn equalize(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
) {
    let image = group_index(wg, groups);
    // Uniform for the whole workgroup, so the barriers below stay in uniform control flow.
    let valid = image < params.image_count;
    let base = image * PLANES_PER_IMAGE * AREA;
    for (var k = 0u; k < EQ_PER; k++) {
        atomicStore(&counts[t * EQ_PER + k], 0u);
    }
    if t == 0u {
        atomicStore(&excess_total, 0u);
    }
    // The vignette: thread t < 128 sums column t, thread 128 + r row r.
    var line_sum = 0u;
    if valid {
        for (var i = 0u; i < N; i++) {
            var p: u32;
            if t < N {
                p = i * N + t;
            } else {
                p = (t - N) * N + i;
            }
            line_sum += fit_log(level_bin(planes[base + p]));
        }
    }
    lines[t] = line_sum;
    workgroupBarrier();
    if t < 2u {
        bowl[t] = bowl_of(t * N);
    }
    workgroupBarrier();
    lines[t] = lift(bowl[t / N], t % N);
    workgroupBarrier();
    if valid {
        for (var p = t; p < AREA; p += EQ_THREADS) {
            atomicAdd(&counts[pixel_bin(planes[base + p], p)], 1u);
        }
    }
    workgroupBarrier();
    var own: array<u32, EQ_PER>;
    var sum = 0u;
    var used = 0u;
    var excess = 0u;
    for (var k = 0u; k < EQ_PER; k++) {
        let count = atomicLoad(&counts[t * EQ_PER + k]);
        let kept = min(count, EQ_CAP);
        own[k] = kept;
        sum += kept;
        used += select(0u, 1u, kept > 0u);
        excess += count - kept;
    }
    partial[t] = sum;
    partial_used[t] = used;
    atomicAdd(&excess_total, excess);
    workgroupBarrier();
    if t == 0u {
        // Exclusive prefix sums of the threads' clipped counts and used bins (256 adds each:
        // cheap next to the 16 384 pixels); the total of used bins in `total_used`.
        var acc = 0u;
        var acc_used = 0u;
        for (var i = 0u; i < EQ_THREADS; i++) {
            let v = partial[i];
            partial[i] = acc;
            acc += v;
            let u = partial_used[i];
            partial_used[i] = acc_used;
            acc_used += u;
        }
        total_used = acc_used;
        // The range the picture mostly uses, from the unclipped counts (still in `counts`), and
        // its outermost levels: the bins where the cumulative count first exceeds the darkest
        // 0.7 %, the lowest 10 % and half, and first reaches 90 % and 99.3 %.
        let darkest_at = AREA * EQ_OUTER_PERMILLE / 1000u;
        let low_at = AREA * EQ_RANGE_SHARE / 100u;
        let high_at = AREA * (100u - EQ_RANGE_SHARE) / 100u;
        let lightest_at = AREA * (1000u - EQ_OUTER_PERMILLE) / 1000u;
        var darkest = EQ_BINS - 1u;
        var low = EQ_BINS - 1u;
        var middle = EQ_BINS - 1u;
        var high = EQ_BINS - 1u;
        var lightest = EQ_BINS - 1u;
        var found_darkest = false;
        var found_low = false;
        var found_middle = false;
        var found_high = false;
        var found_lightest = false;
        var cumulative = 0u;
        for (var b = 0u; b < EQ_BINS; b++) {
            cumulative += atomicLoad(&counts[b]);
            if !found_darkest && cumulative > darkest_at {
                darkest = b;
                found_darkest = true;
            }
            if !found_low && cumulative > low_at {
                low = b;
                found_low = true;
            }
            if !found_middle && cumulative > AREA / 2u {
                middle = b;
                found_middle = true;
            }
            if !found_high && cumulative >= high_at {
                high = b;
                found_high = true;
            }
            if !found_lightest && cumulative >= lightest_at {
                lightest = b;
                found_lightest = true;
            }
        }
        range_low = low;
        range_high = high;
        range_middle = middle;
        let range_width = high - low + 1u;
        let below = low - darkest;
        let above = lightest - high;
        let both = eq_ramp(4u * min(below, above), EQ_BOTH_FROM, EQ_BOTH_TO, range_width);
        let far = 4u * max(below, above);
        let plain = EQ_PULL_STEPS - eq_ramp(far, EQ_PLAIN_FROM, EQ_PLAIN_TO, range_width);
        pull_strength = both * plain / EQ_PULL_STEPS;
    }
    workgroupBarrier();
    let all_excess = atomicLoad(&excess_total);
    let all_used = max(total_used, 1u);
    var below = partial[t];
    var rank = partial_used[t];
    for (var k = 0u; k < EQ_PER; k++) {
        let b = t * EQ_PER + k;
        if own[k] > 0u {
            let twice = (2u * below + own[k]) * all_used + all_excess * (2u * rank + 1u);
            units_of[b] = twice / all_used * 512u + twice % all_used * 512u / all_used;
            below += own[k];
            rank += 1u;
        } else {
            units_of[b] = 0u;
        }
    }
    workgroupBarrier();
    let middle_units = units_of[range_middle];
    let width = range_high - range_low + 1u;
    for (var k = 0u; k < EQ_PER; k++) {
        let b = t * EQ_PER + k;
        var beyond = 0u;
        if b < range_low {
            beyond = range_low - b;
        } else if b > range_high {
            beyond = b - range_high;
        }
        let toward = eq_ramp(4u * beyond, EQ_PULL_FROM, EQ_PULL_TO, width);
        let pull = toward * pull_strength / EQ_PULL_STEPS;
        let pulled = (units_of[b] * (EQ_PULL_STEPS - pull) + middle_units * pull) / EQ_PULL_STEPS;
        mapped[b] = f32(pulled) * EQ_UNIT;
    }
    workgroupBarrier();
    if valid {
        for (var p = t; p < AREA; p += EQ_THREADS) {
            planes[base + p] = mapped[pixel_bin(planes[base + p], p)];
        }
    }
}
