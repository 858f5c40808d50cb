// Step 1b: RGB → YIQ in place (the GPU twin of lookalike_core::planes_to_yiq), one thread per
// pixel; Y is also copied to the image's fourth plane.
//
// The CPU evaluates `m0·r + m1·g + m2·b` as two rounded products summed left to right, without
// fused multiply-adds. WGSL lets a compiler contract `a·b + c` into an FMA, which rounds once
// and so can differ in the last bit; `opaque` hides each product's value behind an XOR with
// params.zero (0 at run time, unknown at compile time), which keeps the roundings of the CPU.

fn opaque(x: f32) -> f32 {
    return bitcast<f32>(bitcast<u32>(x) ^ params.zero);
}

fn dot3(m: vec4<f32>, r: f32, g: f32, b: f32) -> f32 {
    return (opaque(m.x * r) + opaque(m.y * g)) + opaque(m.z * b);
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn yiq(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let i = group_index(wg, groups) * WORKGROUP_SIZE + local;
    if i >= params.image_count * AREA {
        return;
    }
    let at = (i / AREA) * PLANES_PER_IMAGE * AREA + i % AREA;
    let r = planes[at];
    let g = planes[at + AREA];
    let b = planes[at + 2u * AREA];
    let y = dot3(params.yiq[0], r, g, b);
    planes[at] = y;
    // Kept as it is for the signature's average and strength; equalize.wgsl changes planes[at].
    planes[at + 3u * AREA] = y;
    planes[at + AREA] = dot3(params.yiq[1], r, g, b);
    planes[at + 2u * AREA] = dot3(params.yiq[2], r, g, b);
}
