// Step 2: the standard 2-D Haar decomposition (the GPU twin of lookalike_core::decompose) of all
// four planes of each image:
// entry point `rows` decomposes every row fully (after the 1/128 prescale), then entry point
// `columns`, dispatched after it, every column.
//
// A workgroup takes LINES lines; each line gets HALF = N / 2 threads and 2 × N floats of workgroup
// memory (the averages of the current level, ping-ponged). At level h every thread i < h turns
// the pair (a, b) = (s[2i], s[2i + 1]) into the average (a + b)·(1/√2), kept for the next level,
// and the detail (a − b)·(1/√2), which is final and written straight to `planes[h + i]`. The
// operations and their order are the CPU's, and an add followed by a multiply cannot be fused,
// so the result is bit-identical to the CPU for the same input.

var<workgroup> averages: array<f32, 1024>; // 2 × LINES × N

fn decompose_line(wg: vec3<u32>, groups: vec3<u32>, local: vec3<u32>, along_rows: bool) {
    let line = group_index(wg, groups) * LINES + local.y;
    let valid = line < params.image_count * PLANES_PER_IMAGE * N;
    let plane = line / N;
    let k = line % N;
    var base = plane * AREA + k;
    var stride = N;
    if along_rows {
        base = plane * AREA + k * N;
        stride = 1u;
    }
    let t = local.x;
    let own = local.y * N;
    if valid {
        var a = planes[base + 2u * t * stride];
        var b = planes[base + (2u * t + 1u) * stride];
        if along_rows {
            a = a * params.prescale;
            b = b * params.prescale;
        }
        averages[own + 2u * t] = a;
        averages[own + 2u * t + 1u] = b;
    }
    workgroupBarrier();
    let c = params.frac_1_sqrt_2;
    var src = 0u;
    for (var h = N / 2u; h >= 1u; h = h / 2u) {
        let dst = LINES * N - src;
        if valid && t < h {
            let a = averages[src + own + 2u * t];
            let b = averages[src + own + 2u * t + 1u];
            averages[dst + own + t] = (a + b) * c;
            planes[base + (h + t) * stride] = (a - b) * c;
        }
        workgroupBarrier();
        src = dst;
    }
    if valid && t == 0u {
        planes[base] = averages[src + own];
    }
}

@compute @workgroup_size(HALF, LINES, 1)
fn rows(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    decompose_line(wg, groups, local, true);
}

@compute @workgroup_size(HALF, LINES, 1)
fn columns(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    decompose_line(wg, groups, local, false);
}
