//! The WGSL kernels of `shaders/`, each with `shaders/common.wgsl` prepended.
//!
//! naga's line numbers in an error message refer to the combined text: subtract the length of
//! `common.wgsl` for a line of the kernel file.

/// `shaders/downscale.wgsl`: the area average to 128 × 128 (entry point `downscale`).
pub const DOWNSCALE: &str = concat!(
    include_str!("../../shaders/common.wgsl"),
    include_str!("../../shaders/downscale.wgsl")
);

/// `shaders/yiq.wgsl`: RGB → YIQ in place (entry point `yiq`).
pub const YIQ: &str = concat!(
    include_str!("../../shaders/common.wgsl"),
    include_str!("../../shaders/yiq.wgsl")
);

/// `shaders/equalize.wgsl`: contrast-limited equalization of Y (entry point `equalize`).
pub const EQUALIZE: &str = concat!(
    include_str!("../../shaders/common.wgsl"),
    include_str!("../../shaders/equalize.wgsl")
);

/// `shaders/haar.wgsl`: the Haar decomposition (entry points `rows`, then `columns`).
pub const HAAR: &str = concat!(
    include_str!("../../shaders/common.wgsl"),
    include_str!("../../shaders/haar.wgsl")
);

/// Every shipped shader: `(file name, source, entry points)`.
pub const ALL: &[(&str, &str, &[&str])] = &[
    ("downscale.wgsl", DOWNSCALE, &["downscale"]),
    ("yiq.wgsl", YIQ, &["yiq"]),
    ("equalize.wgsl", EQUALIZE, &["equalize"]),
    ("haar.wgsl", HAAR, &["rows", "columns"]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ImageInfo, Params};
    use naga::valid::{Capabilities, ValidationFlags, Validator};

    fn parse(name: &str, source: &str) -> naga::Module {
        naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|e| panic!("{name}:\n{}", e.emit_to_string(source)))
    }

    #[test]
    fn every_shipped_shader_parses_and_validates() {
        assert!(!ALL.is_empty());
        // Every .wgsl file in shaders/ is shipped (common.wgsl inside each kernel).
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shaders");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("shaders/ exists")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".wgsl") && n != "common.wgsl")
            .collect();
        on_disk.sort();
        let mut shipped: Vec<String> = ALL.iter().map(|(n, _, _)| n.to_string()).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped);

        for (name, source, entry_points) in ALL {
            let module = parse(name, source);
            // Downlevel-safe: no optional capabilities.
            Validator::new(ValidationFlags::all(), Capabilities::empty())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{name}:\n{}", e.emit_to_string(source)));
            let found: Vec<&str> = module
                .entry_points
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            assert_eq!(&found, entry_points, "{name}");
            for e in &module.entry_points {
                let [x, y, z] = e.workgroup_size;
                assert!(x * y * z <= 256, "{name}::{}: {x}×{y}×{z}", e.name);
            }
        }
    }

    /// `(name, offset)` of each member of WGSL struct `name`, and its size.
    fn wgsl_layout(source: &str, name: &str) -> (Vec<(String, u32)>, u32) {
        let module = parse(name, source);
        let mut layouter = naga::proc::Layouter::default();
        layouter.update(module.to_ctx()).unwrap();
        let (handle, ty) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("struct {name} in common.wgsl"));
        let naga::TypeInner::Struct { members, span } = &ty.inner else {
            panic!("{name} is a struct")
        };
        assert_eq!(*span, layouter[handle].size);
        let members = members
            .iter()
            .map(|m| (m.name.clone().unwrap(), m.offset))
            .collect();
        (members, *span)
    }

    #[test]
    fn params_matches_the_wgsl_layout() {
        let (members, size) = wgsl_layout(HAAR, "Params");
        assert_eq!(size as usize, size_of::<Params>());
        let expected = [
            ("image_count", core::mem::offset_of!(Params, image_count)),
            ("zero", core::mem::offset_of!(Params, zero)),
            ("_pad0", core::mem::offset_of!(Params, _pad0)),
            ("_pad1", core::mem::offset_of!(Params, _pad1)),
            ("yiq", core::mem::offset_of!(Params, yiq)),
            (
                "frac_1_sqrt_2",
                core::mem::offset_of!(Params, frac_1_sqrt_2),
            ),
            ("prescale", core::mem::offset_of!(Params, prescale)),
            ("_pad2", core::mem::offset_of!(Params, _pad2)),
            ("_pad3", core::mem::offset_of!(Params, _pad3)),
            ("logs", core::mem::offset_of!(Params, logs)),
            ("gains", core::mem::offset_of!(Params, gains)),
        ];
        let expected: Vec<(String, u32)> = expected
            .iter()
            .map(|(n, o)| (n.to_string(), *o as u32))
            .collect();
        assert_eq!(members, expected);
    }

    #[test]
    fn image_info_matches_the_wgsl_layout() {
        let (members, size) = wgsl_layout(DOWNSCALE, "ImageInfo");
        assert_eq!(size as usize, size_of::<ImageInfo>());
        let expected = [
            ("width", core::mem::offset_of!(ImageInfo, width)),
            ("height", core::mem::offset_of!(ImageInfo, height)),
            ("bpp", core::mem::offset_of!(ImageInfo, bpp)),
            (
                "pixel_offset",
                core::mem::offset_of!(ImageInfo, pixel_offset),
            ),
            ("x_spans", core::mem::offset_of!(ImageInfo, x_spans)),
            ("y_spans", core::mem::offset_of!(ImageInfo, y_spans)),
            ("den_lo", core::mem::offset_of!(ImageInfo, den_lo)),
            ("den_hi", core::mem::offset_of!(ImageInfo, den_hi)),
        ];
        let expected: Vec<(String, u32)> = expected
            .iter()
            .map(|(n, o)| (n.to_string(), *o as u32))
            .collect();
        assert_eq!(members, expected);
    }

    /// The value of a `u32` constant declared with a literal.
    fn u32_const(module: &naga::Module, name: &str) -> u32 {
        let (_, c) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("const {name}"));
        match module.global_expressions[c.init] {
            naga::Expression::Literal(naga::Literal::U32(v)) => v,
            ref other => panic!("{name} = {other:?}"),
        }
    }

    #[test]
    fn wgsl_constants_match_the_rust_ones() {
        use crate::params::{LINES, N, TILE, WORKGROUP_SIZE};
        let module = parse("common.wgsl", include_str!("../../shaders/common.wgsl"));
        let value = |name: &str| u32_const(&module, name);
        assert_eq!(value("N"), N);
        assert_eq!(value("AREA"), N * N);
        assert_eq!(value("WORKGROUP_SIZE"), WORKGROUP_SIZE);
        assert_eq!(value("TILE"), TILE);
        assert_eq!(value("LINES"), LINES);
        assert_eq!(value("HALF"), N / 2);
        assert_eq!(
            value("PLANES_PER_IMAGE") as usize,
            crate::plan::PLANES_PER_IMAGE
        );
    }

    #[test]
    fn the_equalize_kernel_uses_the_cores_bins_clip_and_pull() {
        let module = parse("equalize.wgsl", EQUALIZE);
        let value = |name: &str| u32_const(&module, name);
        let bins = lookalike_core::EQUALIZE_BINS;
        assert_eq!(value("EQ_BINS") as usize, bins);
        assert_eq!(
            value("EQ_CAP") as usize,
            lookalike_core::EQUALIZE_CLIP * lookalike_core::AREA / bins
        );
        assert_eq!(value("EQ_THREADS") * value("EQ_PER"), value("EQ_BINS"));
        assert_eq!(
            value("EQ_RANGE_SHARE"),
            lookalike_core::EQUALIZE_RANGE_SHARE
        );
        assert_eq!(value("EQ_PULL_FROM"), lookalike_core::EQUALIZE_PULL_FROM);
        assert_eq!(value("EQ_PULL_TO"), lookalike_core::EQUALIZE_PULL_TO);
        assert_eq!(value("EQ_PULL_STEPS"), lookalike_core::EQUALIZE_PULL_STEPS);
        assert_eq!(
            value("EQ_OUTER_PERMILLE"),
            lookalike_core::EQUALIZE_OUTER_PERMILLE
        );
        assert_eq!(value("EQ_BOTH_FROM"), lookalike_core::EQUALIZE_BOTH_FROM);
        assert_eq!(value("EQ_BOTH_TO"), lookalike_core::EQUALIZE_BOTH_TO);
        assert_eq!(value("EQ_PLAIN_FROM"), lookalike_core::EQUALIZE_PLAIN_FROM);
        assert_eq!(value("EQ_PLAIN_TO"), lookalike_core::EQUALIZE_PLAIN_TO);
        assert_eq!(
            u64::from(value("VG_BOWL_LEAST")),
            lookalike_core::VIGNETTE_BOWL_LEAST
        );
        assert_eq!(
            u64::from(value("VG_BOWL_MOST")),
            lookalike_core::VIGNETTE_BOWL_MOST
        );
        assert!(EQUALIZE.contains(&format!(
            "const VG_BOWL_MEAN: i32 = {}i;",
            lookalike_core::VIGNETTE_BOWL_MEAN
        )));
    }
}
