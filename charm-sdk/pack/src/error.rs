//! Errors of the packer. Validation problems are collected, not stopped at, so one run
//! of `charm-pack --check` tells an author everything that is wrong with charmcraft.yaml.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with a charm project, at a place in charmcraft.yaml or Cargo.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: a dotted key path such as `containers.web.resource`, or a file name.
    pub at: String,
    /// What is wrong, and where possible what to write instead.
    pub message: String,
}

impl Problem {
    /// A problem at `at`.
    pub fn new(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            at: at.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Everything validation found, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(at, message));
    }

    /// `Ok` when nothing was found.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Whether any problem's text contains `needle` (for tests and callers that branch).
    pub fn mentions(&self, needle: &str) -> bool {
        self.0.iter().any(|p| p.to_string().contains(needle))
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "charmcraft.yaml is not valid ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Why packing failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A YAML file could not be parsed or written.
    #[error("{path}: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// serde_yaml_ng's message.
        message: String,
    },
    /// `cargo metadata` or `cargo build` failed or said something unexpected.
    #[error("cargo: {0}")]
    Cargo(String),
    /// The project is not valid.
    #[error(transparent)]
    Invalid(#[from] Problems),
    /// Writing the zip failed.
    #[error("writing {path}: {source}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The cause.
        source: zip::result::ZipError,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
