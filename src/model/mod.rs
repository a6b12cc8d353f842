//! The protocol model (being written).
