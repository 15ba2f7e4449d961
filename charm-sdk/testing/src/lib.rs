//! In-process state-transition tests (being written).
