//! The `.charm` zip: deflate, unix modes in the external attributes (Juju unpacks them, and
//! `dispatch` must be executable), files only (no directory entries, like charmcraft's
//! `build_zip`), entries sorted by path and every timestamp 1980-01-01 00:00:00 so the
//! same inputs give the same bytes.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::Error;

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative `/`-separated path inside the charm.
    pub path: String,
    /// The contents.
    pub data: Vec<u8>,
    /// Mode 0755 when set, 0644 otherwise.
    pub executable: bool,
}

impl Entry {
    /// A regular (0644) file.
    pub fn file(path: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            data: data.into(),
            executable: false,
        }
    }

    /// An executable (0755) file.
    pub fn executable(path: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            data: data.into(),
            executable: true,
        }
    }

    /// The unix permission bits written for this entry.
    pub fn mode(&self) -> u32 {
        if self.executable {
            0o755
        } else {
            0o644
        }
    }
}

/// Writes `entries` (sorted by path) to `dest`, through a temporary file renamed into place
/// so a reader never sees half an archive (the temporary file is removed on failure).
pub fn write(dest: &Path, entries: &[Entry]) -> Result<(), Error> {
    let tmp = dest.with_extension("charm.partial");
    let result = write_zip(&tmp, dest, entries).and_then(|()| fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_zip(tmp: &Path, dest: &Path, entries: &[Entry]) -> Result<(), Error> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let zip_err = |source| Error::Zip {
        path: dest.to_path_buf(),
        source,
    };
    let file = File::create(tmp).map_err(|e| Error::io(tmp, e))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    for entry in sorted {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default())
            .unix_permissions(entry.mode());
        zip.start_file(entry.path.as_str(), options).map_err(zip_err)?;
        zip.write_all(&entry.data).map_err(|e| Error::io(tmp, e))?;
    }
    let mut out = zip.finish().map_err(zip_err)?;
    out.flush().map_err(|e| Error::io(tmp, e))
}
