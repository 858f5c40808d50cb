//! The signatures table: one row per image, written as Parquet for a query engine
//! (`scale/pairs.sql` reads it as the table `signatures`).
//!
//! | column | type | what |
//! |---|---|---|
//! | `path` | string | the file's path (a name that is not UTF-8 gets U+FFFD, with a warning) |
//! | `bytes` | int64 | file size |
//! | `modified_ns` | int64 | modification time, ns since the Unix epoch |
//! | `width`, `height` | int64 | the decoded picture's size |
//! | `format` | string | `jpeg`, `png`, … |
//! | `signature_version` | int32 | [`FORMAT_VERSION`] of the signature |
//! | `coefficients` | int32 | `m`, coefficients kept per channel |
//! | `aspect` | float32 | width / height of the content region |
//! | `average_y`, `average_i`, `average_q` | float32 | the average colour (DC terms) |
//! | `strength_y`, `strength_i`, `strength_q` | float32 | per channel, the `m`-th magnitude (0 for a chroma channel that repeats Y) |
//! | `codes` | list of int32 | the `3 m` coefficient codes, Y then I then Q |
//! | `banded` | boolean | whether the picture had a caption band ([`Signature::banded`]) |
//!
//! Every float is the signature's own `f32`, so a row holds the whole signature
//! ([`Signature::from_parts`] rebuilds it). A code is `±(channel × 16384 + position)`, negative for a
//! negative coefficient, with `channel` 0 = Y, 1 = I, 2 = Q and `position = row × 128 + col`
//! (1–16383): one integer per (channel, sign, position), so that a query joins on it, and plain
//! arithmetic (`abs`, `%`, `/`) recovers the parts. (Core's own code,
//! `position | 0x4000` for a negative one, needs bit operations and the channel from the list
//! position, which SQL engines spell differently.)

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use lookalike_core::Signature;
use lookalike_core::signature::{FORMAT_VERSION, NEGATIVE};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::messages;
use crate::store::{Format, ImageFile, Picture, Stamp};

/// How far apart the channels' codes are: one channel's positions are below it.
pub const CHANNEL_STRIDE: i32 = 16384;

/// Rows per record batch (and at most per row group).
const BATCH: usize = 8192;

/// The table code of `code` (core's form) in `channel`: `±(channel × 16384 + position)`.
pub fn table_code(channel: usize, code: u16) -> i32 {
    let position = i32::from(code & !NEGATIVE);
    let value = channel as i32 * CHANNEL_STRIDE + position;
    if code & NEGATIVE != 0 { -value } else { value }
}

/// The inverse of [`table_code`]: `(channel, core code)`, as the SQL reads it; `None` for a value
/// no signature has.
pub fn core_code(value: i32) -> Option<(usize, u16)> {
    let v = value.checked_abs()?;
    let channel = (v / CHANNEL_STRIDE) as usize;
    let position = (v % CHANNEL_STRIDE) as u16;
    (channel < 3 && position != 0).then_some((
        channel,
        if value < 0 {
            position | NEGATIVE
        } else {
            position
        },
    ))
}

fn item_field() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Int32, false))
}

fn schema() -> SchemaRef {
    let float = |name: &str| Field::new(name, DataType::Float32, false);
    let long = |name: &str| Field::new(name, DataType::Int64, false);
    let int = |name: &str| Field::new(name, DataType::Int32, false);
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        long("bytes"),
        long("modified_ns"),
        long("width"),
        long("height"),
        Field::new("format", DataType::Utf8, false),
        int("signature_version"),
        int("coefficients"),
        float("aspect"),
        float("average_y"),
        float("average_i"),
        float("average_q"),
        float("strength_y"),
        float("strength_i"),
        float("strength_q"),
        Field::new("codes", DataType::List(item_field()), false),
        Field::new("banded", DataType::Boolean, false),
    ]))
}

/// Column builders for one batch.
struct Columns {
    path: StringBuilder,
    longs: [Int64Builder; 4],
    format: StringBuilder,
    ints: [Int32Builder; 2],
    floats: [Float32Builder; 7],
    codes: ListBuilder<Int32Builder>,
    banded: BooleanBuilder,
    rows: usize,
}

impl Columns {
    fn new() -> Columns {
        Columns {
            path: StringBuilder::new(),
            longs: Default::default(),
            format: StringBuilder::new(),
            ints: Default::default(),
            floats: Default::default(),
            codes: ListBuilder::new(Int32Builder::new()).with_field(item_field()),
            banded: BooleanBuilder::new(),
            rows: 0,
        }
    }

    fn push(&mut self, file: &ImageFile, signature: &Signature) {
        self.path.append_value(file.path.to_string_lossy());
        let longs = [
            i64::try_from(file.stamp.size).unwrap_or(i64::MAX),
            file.stamp.mtime_ns,
            i64::from(file.picture.width),
            i64::from(file.picture.height),
        ];
        for (builder, value) in self.longs.iter_mut().zip(longs) {
            builder.append_value(value);
        }
        self.format.append_value(file.picture.format.name());
        self.ints[0].append_value(i32::from(FORMAT_VERSION));
        self.ints[1].append_value(i32::from(signature.m()));
        let [ay, ai, aq] = signature.average();
        let [sy, si, sq] = signature.strength();
        let floats = [signature.aspect_ratio(), ay, ai, aq, sy, si, sq];
        for (builder, value) in self.floats.iter_mut().zip(floats) {
            builder.append_value(value);
        }
        for channel in 0..3 {
            for &code in signature.codes(channel) {
                self.codes.values().append_value(table_code(channel, code));
            }
        }
        self.codes.append(true);
        self.banded.append_value(signature.banded());
        self.rows += 1;
    }

    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> = vec![Arc::new(self.path.finish())];
        columns.extend(
            self.longs
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.push(Arc::new(self.format.finish()));
        columns.extend(
            self.ints
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.extend(
            self.floats
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.push(Arc::new(self.codes.finish()));
        columns.push(Arc::new(self.banded.finish()));
        self.rows = 0;
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

/// Writes the signatures table as Parquet (Snappy-compressed), batch by batch.
pub struct ParquetWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    columns: Columns,
    /// Where it goes, for error messages.
    name: String,
    rows: u64,
}

impl<W: Write + Send> ParquetWriter<W> {
    /// A writer into `out`; `name` (the file) is what errors mention.
    pub fn new(out: W, name: &Path) -> Result<Self> {
        let schema = schema();
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(1024 * 1024))
            .build();
        let name = messages::shown(name);
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))
            .with_context(|| format!("cannot start the Parquet file {name}"))?;
        Ok(ParquetWriter {
            writer,
            schema,
            columns: Columns::new(),
            name,
            rows: 0,
        })
    }

    /// Adds one image.
    pub fn push(&mut self, file: &ImageFile, signature: &Signature) -> Result<()> {
        if file.path.to_str().is_none() {
            messages::warning(format!(
                "{}: the name is not UTF-8; the Parquet row has U+FFFD in its place, so \
                 `db import-pairs` will not find this file by that name",
                messages::shown(&file.path)
            ));
        }
        self.columns.push(file, signature);
        self.rows += 1;
        if self.columns.rows >= BATCH {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<()> {
        let batch = self.columns.finish(&self.schema)?;
        self.writer
            .write(&batch)
            .with_context(|| format!("cannot write the Parquet file {}", self.name))
    }

    /// Writes what is left and the footer; returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        if self.columns.rows > 0 {
            self.flush_batch()?;
        }
        self.writer
            .close()
            .with_context(|| format!("cannot finish the Parquet file {}", self.name))?;
        Ok(self.rows)
    }
}

/// Reads a signatures table back (as written by [`ParquetWriter`]): every row's file facts and
/// signature. Errors name the file and the row.
pub fn read(path: &Path) -> Result<Vec<(ImageFile, Signature)>> {
    let shown = messages::shown(path);
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {shown}"))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .with_context(|| format!("{shown}: not a Parquet file"))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.with_context(|| format!("{shown}: damaged Parquet data"))?;
        let first = rows.len();
        read_batch(&batch, &mut rows).with_context(|| {
            format!(
                "{shown}: not a lookalike signatures table (rows from {})",
                first + 1
            )
        })?;
    }
    Ok(rows)
}

fn read_batch(batch: &RecordBatch, rows: &mut Vec<(ImageFile, Signature)>) -> Result<()> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Int32Type, Int64Type};
    let column = |name: &str| {
        let c = batch
            .column_by_name(name)
            .ok_or_else(|| anyhow::anyhow!("no column {name:?}"))?;
        anyhow::ensure!(c.null_count() == 0, "column {name:?} has empty cells");
        Ok(c)
    };
    let text = |name: &str| -> Result<_> {
        column(name)?
            .as_string_opt::<i32>()
            .ok_or_else(|| anyhow::anyhow!("column {name:?} is not text"))
    };
    let long = |name: &str| -> Result<_> {
        column(name)?
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| anyhow::anyhow!("column {name:?} is not int64"))
    };
    let float = |name: &str| -> Result<_> {
        column(name)?
            .as_primitive_opt::<Float32Type>()
            .ok_or_else(|| anyhow::anyhow!("column {name:?} is not float32"))
    };
    let (path, format) = (text("path")?, text("format")?);
    let [size, mtime, width, height] = ["bytes", "modified_ns", "width", "height"].map(long);
    let (size, mtime, width, height) = (size?, mtime?, width?, height?);
    let floats = [
        "aspect",
        "average_y",
        "average_i",
        "average_q",
        "strength_y",
        "strength_i",
        "strength_q",
    ]
    .map(float);
    let mut f = Vec::with_capacity(7);
    for c in floats {
        f.push(c?);
    }
    let codes = column("codes")?
        .as_list_opt::<i32>()
        .ok_or_else(|| anyhow::anyhow!("column \"codes\" is not a list"))?;
    // A table written before signature format 12 has no "banded" column (and is refused by
    // its format anyway); one without it holds no banded picture.
    let banded = match batch.column_by_name("banded") {
        Some(_) => Some(
            column("banded")?
                .as_boolean_opt()
                .ok_or_else(|| anyhow::anyhow!("column \"banded\" is not boolean"))?,
        ),
        None => None,
    };
    for row in 0..batch.num_rows() {
        let place = || format!("row {} ({})", rows.len() + 1, path.value(row));
        let list = codes.value(row);
        let list = list
            .as_primitive_opt::<Int32Type>()
            .ok_or_else(|| anyhow::anyhow!("{}: codes are not int32", place()))?;
        let mut by_channel: [Vec<u16>; 3] = Default::default();
        for &v in list.values() {
            let (channel, code) =
                core_code(v).ok_or_else(|| anyhow::anyhow!("{}: bad code {v}", place()))?;
            by_channel[channel].push(code);
        }
        let g = |k: usize| f[k].value(row);
        let signature = Signature::from_parts(
            g(0),
            [g(1), g(2), g(3)],
            [g(4), g(5), g(6)],
            [&by_channel[0], &by_channel[1], &by_channel[2]],
        )
        .with_context(place)?
        .with_band(banded.is_some_and(|b| b.value(row)));
        let dimension =
            |v: i64| u32::try_from(v).map_err(|_| anyhow::anyhow!("{}: dimension {v}", place()));
        let file = ImageFile {
            path: PathBuf::from(path.value(row)),
            stamp: Stamp {
                size: u64::try_from(size.value(row)).unwrap_or(0),
                mtime_ns: mtime.value(row),
            },
            picture: Picture {
                width: dimension(width.value(row))?,
                height: dimension(height.value(row))?,
                format: Format::from_name(format.value(row)),
            },
        };
        rows.push((file, signature));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Int32Type, Int64Type};
    use lookalike_core::{PixelLayout, Pixels};

    fn signature(seed: u32) -> Signature {
        let data: Vec<u8> = (0..96 * 64)
            .flat_map(|i| {
                let (x, y) = (i % 96, i / 96);
                [
                    ((x * seed + y * 3) % 256) as u8,
                    ((y * 5 + seed) % 256) as u8,
                    ((x ^ y) * seed % 256) as u8,
                ]
            })
            .collect();
        Signature::compute(&Pixels::new(96, 64, PixelLayout::Rgb8, &data).unwrap())
    }

    #[test]
    fn table_codes_carry_channel_sign_and_position() {
        assert_eq!(table_code(0, 5), 5);
        assert_eq!(table_code(0, 5 | NEGATIVE), -5);
        assert_eq!(table_code(2, 16383 | NEGATIVE), -(2 * 16384 + 16383));
        for bad in [0, 16384, -16384, 3 * 16384 + 1, i32::MIN] {
            assert_eq!(core_code(bad), None, "{bad}");
        }
        for channel in 0..3 {
            for code in [1u16, 129, 16383, 1 | NEGATIVE, 16383 | NEGATIVE] {
                assert_eq!(core_code(table_code(channel, code)), Some((channel, code)));
            }
        }
    }

    #[test]
    fn a_row_holds_the_whole_signature() {
        let signatures = [signature(7), signature(11)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.parquet");
        let out = std::fs::File::create(&path).unwrap();
        let mut writer = ParquetWriter::new(out, &path).unwrap();
        for (i, s) in signatures.iter().enumerate() {
            let file = ImageFile {
                path: format!("/p/{i}.png").into(),
                stamp: Stamp {
                    size: 100 + i as u64,
                    mtime_ns: -5,
                },
                picture: Picture {
                    width: 96,
                    height: 64,
                    format: Format::Png,
                },
            };
            writer.push(&file, s).unwrap();
        }
        assert_eq!(writer.finish().unwrap(), 2);
        let batches: Vec<RecordBatch> =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
                .unwrap()
                .build()
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.len(), 2);
        for ((file, s), i) in back.iter().zip(0..) {
            assert_eq!(file.path, Path::new(&format!("/p/{i}.png")));
            assert_eq!(file.stamp.size, 100 + i as u64);
            assert_eq!(file.picture.format, Format::Png);
            assert_eq!(s.to_bytes(), signatures[i].to_bytes());
        }
        let batch = &batches[0];
        assert_eq!(batch.num_rows(), 2);
        let column = |name: &str| batch.column_by_name(name).unwrap();
        assert_eq!(column("path").as_string::<i32>().value(1), "/p/1.png");
        assert_eq!(column("bytes").as_primitive::<Int64Type>().value(1), 101);
        assert_eq!(
            column("modified_ns").as_primitive::<Int64Type>().value(0),
            -5
        );
        assert_eq!(column("format").as_string::<i32>().value(0), "png");
        for (row, s) in signatures.iter().enumerate() {
            let float = |name: &str| column(name).as_primitive::<Float32Type>().value(row);
            let codes = column("codes").as_list::<i32>().value(row);
            let codes: Vec<(usize, u16)> = codes
                .as_primitive::<Int32Type>()
                .values()
                .iter()
                .map(|&v| core_code(v).unwrap())
                .collect();
            let by_channel: [Vec<u16>; 3] = core::array::from_fn(|c| {
                codes
                    .iter()
                    .filter(|(channel, _)| *channel == c)
                    .map(|&(_, code)| code)
                    .collect()
            });
            let rebuilt = Signature::from_parts(
                float("aspect"),
                [float("average_y"), float("average_i"), float("average_q")],
                [
                    float("strength_y"),
                    float("strength_i"),
                    float("strength_q"),
                ],
                [&by_channel[0], &by_channel[1], &by_channel[2]],
            )
            .unwrap();
            assert_eq!(rebuilt.to_bytes(), s.to_bytes());
        }
    }
}
