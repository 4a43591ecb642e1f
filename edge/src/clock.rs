//! The runtime's clock. workerd advances it only between I/O (a Spectre mitigation), so a request's compute reads
//! one time; the edge reads it when a request arrives and again for its log lines.

/// Unix milliseconds, in one call into the runtime (workers-rs' `Date::now` makes a `Date`, then asks it).
pub fn now_ms() -> u64 {
    // A clock reading is a whole, positive number of milliseconds, far below 2^53.
    js_sys::Date::now() as u64
}
