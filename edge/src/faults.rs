//! Fault injection for tests, compiled in only with the `faults` cargo feature (never in a production build):
//! the header `x-handoff-fault: ledger, kv-read, kv-write, sign` makes this request's Durable Object call, KV
//! read or write, or token signature fail as if the runtime had failed it. The workerd tests (`tests/edge/faults.test.mjs`) check that
//! every such failure fails closed with the right reason, burns nothing that was not spent, and that the same
//! request succeeds once the fault is gone.

/// The faults to inject into one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// The Durable Object (ledger) call fails.
    pub ledger: bool,
    /// Reading the KV burn record fails.
    pub kv_read: bool,
    /// Writing the KV burn record fails.
    pub kv_write: bool,
    /// Signing a new token fails (the runtime refusing the key).
    pub sign: bool,
}

/// The request header that asks for faults (honoured only with the `faults` feature).
pub const HEADER: &str = "x-handoff-fault";

impl Faults {
    /// Parses the comma-separated fault names of the header `read` gives; without the `faults` feature, always none,
    /// and the header is not even read (two calls into the runtime on every request of a production build).
    pub fn from_header(read: impl FnOnce() -> Option<String>) -> Faults {
        if !cfg!(feature = "faults") {
            return Faults::default();
        }
        let mut faults = Faults::default();
        for name in read().unwrap_or_default().split(',').map(str::trim) {
            match name {
                "ledger" => faults.ledger = true,
                "kv-read" => faults.kv_read = true,
                "kv-write" => faults.kv_write = true,
                "sign" => faults.sign = true,
                _ => {}
            }
        }
        faults
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_faults_build_honours_the_header() {
        let mut read = false;
        let asked = Faults::from_header(|| {
            read = true;
            Some("ledger, kv-write, bogus".to_owned())
        });
        if cfg!(feature = "faults") {
            assert!(asked.ledger && asked.kv_write && !asked.kv_read);
            assert!(read);
        } else {
            assert_eq!(asked, Faults::default(), "a production build ignores the header");
            assert!(!read, "a production build does not read the header");
        }
        assert_eq!(Faults::from_header(|| None), Faults::default());
    }
}
