//! Juju semantics as pure code (being written).
