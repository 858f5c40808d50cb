// Step 1a: the exact area average to N × N (the GPU twin of lookalike_core::downscale).
//
// One thread per output pixel. It walks the spans of its bin on both axes, sums every source
// row of its footprint exactly in u32 (at most 255 × width < 2^32, as on the CPU), and adds
// weight_y × row_sum into a 64-bit accumulator emulated with two u32 (the 2-D sum can exceed
// 2^32 from about 16.8 megapixels on). The final quotient sum / (width × height × 255) is an
// exact long division, rounded to nearest even: the CPU divides in f64 and then rounds to f32,
// which differs from a direct rounding only when the f64 quotient lands exactly halfway between
// two f32 (possible only for images above about 1 megapixel, with a chance of about 2^-28 per
// value), and then by one unit in the last place.

fn pixel_byte(index: u32) -> u32 {
    return (pixels[index >> 2u] >> ((index & 3u) * 8u)) & 0xffu;
}

// lookalike_core::composite_on_white: round((c·a + 255·(255 − a)) / 255).
fn on_white(c: u32, a: u32) -> u32 {
    return (c * a + 255u * (255u - a) + 127u) / 255u;
}

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// w × v for a span weight w ≤ 128 and any u32 v, as a 64-bit (lo, hi) pair.
fn mul_weight(w: u32, v: u32) -> vec2<u32> {
    let low = (v & 0xffffu) * w;
    let high = (v >> 16u) * w;
    let lo = low + (high << 16u);
    return vec2<u32>(lo, (high >> 16u) + select(0u, 1u, lo < low));
}

fn ge64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return a.y > b.y || (a.y == b.y && a.x >= b.x);
}

fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

fn shl64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if s == 0u {
        return a;
    }
    if s >= 32u {
        return vec2<u32>(0u, a.x << (s - 32u));
    }
    return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
}

fn clz64(a: vec2<u32>) -> u32 {
    if a.y != 0u {
        return countLeadingZeros(a.y);
    }
    return 32u + countLeadingZeros(a.x);
}

// sum / den rounded to the nearest f32 (ties to even), for 0 ≤ sum ≤ den < 2^63.
fn unit_ratio(sum: vec2<u32>, den: vec2<u32>) -> f32 {
    if sum.x == 0u && sum.y == 0u {
        return 0.0;
    }
    // Normalise: r = sum · 2^d with den ≤ r < 2 · den, so the quotient is in [1, 2).
    var d = clz64(sum) - clz64(den);
    var r = shl64(sum, d);
    if !ge64(r, den) {
        r = shl64(r, 1u);
        d += 1u;
    }
    // 24 bits of mantissa and one guard bit, by restoring division.
    var q = 0u;
    for (var i = 0u; i < 25u; i++) {
        q = q << 1u;
        if ge64(r, den) {
            r = sub64(r, den);
            q = q | 1u;
        }
        r = shl64(r, 1u);
    }
    let sticky = r.x != 0u || r.y != 0u;
    var mantissa = q >> 1u;
    if (q & 1u) == 1u && (sticky || (mantissa & 1u) == 1u) {
        mantissa += 1u;
    }
    if mantissa == (1u << 24u) {
        mantissa = 1u << 23u;
        d -= 1u;
    }
    return bitcast<f32>(((127u - d) << 23u) | (mantissa & 0x7fffffu));
}

@compute @workgroup_size(TILE, TILE, 1)
fn downscale(@builtin(global_invocation_id) id: vec3<u32>) {
    let image = id.z;
    if image >= params.image_count || id.x >= N || id.y >= N {
        return;
    }
    let info = images[image];
    let x_begin = spans[info.x_spans + id.x];
    let x_end = spans[info.x_spans + id.x + 1u];
    let y_begin = spans[info.y_spans + id.y];
    let y_end = spans[info.y_spans + id.y + 1u];
    let first_byte = info.pixel_offset * 4u;
    let row_bytes = info.width * info.bpp;
    var acc_r = vec2<u32>(0u, 0u);
    var acc_g = vec2<u32>(0u, 0u);
    var acc_b = vec2<u32>(0u, 0u);
    for (var ys = y_begin; ys < y_end; ys++) {
        let y_span = spans[ys];
        let row_start = first_byte + (y_span >> 8u) * row_bytes;
        var sum = vec3<u32>(0u, 0u, 0u);
        for (var xs = x_begin; xs < x_end; xs++) {
            let x_span = spans[xs];
            let at = row_start + (x_span >> 8u) * info.bpp;
            var rgb = vec3<u32>(pixel_byte(at), pixel_byte(at + 1u), pixel_byte(at + 2u));
            if info.bpp == 4u {
                let a = pixel_byte(at + 3u);
                rgb = vec3<u32>(on_white(rgb.x, a), on_white(rgb.y, a), on_white(rgb.z, a));
            }
            sum += (x_span & 0xffu) * rgb;
        }
        let wy = y_span & 0xffu;
        acc_r = add64(acc_r, mul_weight(wy, sum.x));
        acc_g = add64(acc_g, mul_weight(wy, sum.y));
        acc_b = add64(acc_b, mul_weight(wy, sum.z));
    }
    let den = vec2<u32>(info.den_lo, info.den_hi);
    let out = image * PLANES_PER_IMAGE * AREA + id.y * N + id.x;
    planes[out] = unit_ratio(acc_r, den);
    planes[out + AREA] = unit_ratio(acc_g, den);
    planes[out + 2u * AREA] = unit_ratio(acc_b, den);
}
