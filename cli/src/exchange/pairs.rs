//! Reading the result of `scale/pairs.sql`: rows of `a`, `b` (paths) and `similarity`, as CSV
//! with a header line (what `COPY … TO 'pairs.csv' (HEADER)` writes in DuckDB, or Spark's
//! `header` option) or as Parquet. Other columns are ignored. A Parquet file is told by its
//! `PAR1` magic, not by its name.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::messages;

/// One row of the pairs file.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRow {
    pub a: PathBuf,
    pub b: PathBuf,
    pub similarity: f64,
}

/// Reads `path` (CSV or Parquet). Errors name the file, and the line or row.
pub fn read(path: &Path) -> Result<Vec<PairRow>> {
    let shown = messages::shown(path);
    let cannot = || format!("cannot read the pairs file {shown}");
    let mut magic = Vec::with_capacity(4);
    File::open(path)
        .and_then(|f| f.take(4).read_to_end(&mut magic))
        .with_context(cannot)?;
    if magic == b"PAR1" {
        return read_parquet(path).with_context(|| format!("{shown}: not a pairs table"));
    }
    let bytes = std::fs::read(path).with_context(cannot)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow!("{shown}: neither Parquet nor UTF-8 CSV text"))?;
    read_csv(&text).with_context(|| format!("{shown}: not a pairs table"))
}

fn read_parquet(path: &Path) -> Result<Vec<PairRow>> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)?.build()?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| anyhow!("no column {name:?} (columns a, b, similarity expected)"))
        };
        let (a, b, s) = (column("a")?, column("b")?, column("similarity")?);
        for i in 0..batch.num_rows() {
            let row = rows.len() + 1;
            rows.push(PairRow {
                a: string(&a, i).ok_or_else(|| anyhow!("row {row}: a is empty or not text"))?,
                b: string(&b, i).ok_or_else(|| anyhow!("row {row}: b is empty or not text"))?,
                similarity: number(&s, i)
                    .ok_or_else(|| anyhow!("row {row}: similarity is empty or not a number"))?,
            });
        }
    }
    Ok(rows)
}

fn string(array: &ArrayRef, i: usize) -> Option<PathBuf> {
    if array.is_null(i) {
        return None;
    }
    let text = match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(i),
        DataType::LargeUtf8 => array.as_string::<i64>().value(i),
        DataType::Utf8View => array.as_string_view().value(i),
        _ => return None,
    };
    Some(PathBuf::from(text))
}

fn number(array: &ArrayRef, i: usize) -> Option<f64> {
    if array.is_null(i) {
        return None;
    }
    match array.data_type() {
        DataType::Float64 => Some(array.as_primitive::<Float64Type>().value(i)),
        DataType::Float32 => Some(f64::from(array.as_primitive::<Float32Type>().value(i))),
        _ => None,
    }
}

fn read_csv(text: &str) -> Result<Vec<PairRow>> {
    let records = csv_records(text)?;
    let Some(((_, header), body)) = records.split_first() else {
        bail!("empty (a header line a,b,similarity expected)");
    };
    let place = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| anyhow!("line 1: no column {name:?} (header a,b,similarity expected)"))
    };
    let (a, b, s) = (place("a")?, place("b")?, place("similarity")?);
    body.iter()
        .filter(|(_, fields)| !(fields.len() == 1 && fields[0].is_empty()))
        .map(|(line, fields)| {
            let field = |k: usize| {
                fields.get(k).ok_or_else(|| {
                    anyhow!(
                        "line {line}: {} fields, fewer than the header",
                        fields.len()
                    )
                })
            };
            let similarity = field(s)?;
            Ok(PairRow {
                a: PathBuf::from(field(a)?),
                b: PathBuf::from(field(b)?),
                similarity: similarity.trim().parse().map_err(|_| {
                    anyhow!("line {line}: similarity {similarity:?} is not a number")
                })?,
            })
        })
        .collect()
}

/// RFC 4180 records: fields split by commas, `"…"` quoting with `""` for a quote (a quoted
/// field may hold commas and line breaks). Each record comes with its first line's number.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1, 1);
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        bail!("line {start}: a quoted field is not closed");
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a: &str, b: &str, similarity: f64) -> PairRow {
        PairRow {
            a: a.into(),
            b: b.into(),
            similarity,
        }
    }

    #[test]
    fn csv_with_quotes_commas_and_line_breaks() {
        let text = "similarity,a,b,extra\r\n\
                    97.5,/p/a.jpg,/p/b.jpg,x\r\n\
                    60,\"/p/with, comma.jpg\",\"/p/say \"\"hi\"\".jpg\",\n\
                    55.25,\"/p/two\nlines.jpg\",/p/c.jpg,\n";
        assert_eq!(
            read_csv(text).unwrap(),
            vec![
                row("/p/a.jpg", "/p/b.jpg", 97.5),
                row("/p/with, comma.jpg", "/p/say \"hi\".jpg", 60.0),
                row("/p/two\nlines.jpg", "/p/c.jpg", 55.25),
            ]
        );
    }

    #[test]
    fn csv_mistakes_name_the_line() {
        let missing = read_csv("a,b\n/x,/y\n").unwrap_err().to_string();
        assert!(
            missing.contains("line 1") && missing.contains("similarity"),
            "{missing}"
        );
        let bad = read_csv("a,b,similarity\n/x,/y,60\n/x,/z,high\n")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("line 3") && bad.contains("\"high\""), "{bad}");
        let short = read_csv("a,b,similarity\n/x,/y\n").unwrap_err().to_string();
        assert!(short.contains("line 2"), "{short}");
        let open = read_csv("a,b,similarity\n\"/x,/y,60\n")
            .unwrap_err()
            .to_string();
        assert!(
            open.contains("line 2") && open.contains("not closed"),
            "{open}"
        );
    }
}
