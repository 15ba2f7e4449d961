//! Pebble client (being written).
