//! ProcessBackend (being written).

/// Runs the real hook tools (being written).
#[derive(Debug, Default)]
pub struct ProcessBackend;
