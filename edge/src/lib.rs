//! Handoff's edge worker (skeleton; the worker itself lands with the edge issue).
#![forbid(unsafe_code)]
