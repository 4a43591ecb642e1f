//! Reading pass/fail counts out of test runners' output: libtest (cargo test, wasm-bindgen-test-runner)
//! and `node --test` (TAP `# pass N` or spec `ℹ pass N`).

/// Tests counted in one step's output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed (node's cancelled tests count as failed).
    pub failed: u64,
}

impl Counts {
    /// Adds another step's or suite's counts.
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Sums every result line in `output`.
pub fn parse(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let line = strip_ansi(line);
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result:") {
            counts.add(libtest_line(rest));
        } else if let Some(rest) = line.strip_prefix("# ").or_else(|| line.strip_prefix("ℹ ")) {
            counts.add(node_line(rest));
        }
    }
    counts
}

/// `ok. 3 passed; 1 failed; 0 ignored; ...` (after `test result:`).
fn libtest_line(rest: &str) -> Counts {
    let mut counts = Counts::default();
    for part in rest.split(';') {
        let mut words = part.split_whitespace().rev();
        let (Some(label), Some(number)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = number.parse::<u64>() else { continue };
        match label {
            "passed" => counts.passed += n,
            "failed" => counts.failed += n,
            _ => {}
        }
    }
    counts
}

/// `pass 3`, `fail 1`, `cancelled 0` (after `# ` or `ℹ `); other summary lines are ignored.
fn node_line(rest: &str) -> Counts {
    let mut words = rest.split_whitespace();
    let (Some(label), Some(number), None) = (words.next(), words.next(), words.next()) else {
        return Counts::default();
    };
    let Ok(n) = number.parse::<u64>() else {
        return Counts::default();
    };
    match label {
        "pass" => Counts { passed: n, failed: 0 },
        "fail" | "cancelled" => Counts { passed: 0, failed: n },
        _ => Counts::default(),
    }
}

/// Removes ANSI escape sequences (`ESC [ ... letter`), in case a runner colours its summary.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_result_lines() {
        let out = "running 3 tests\n\
            test a ... ok\n\
            test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\
            \n\
            test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.2s\n";
        assert_eq!(parse(out), Counts { passed: 8, failed: 2 });
    }

    #[test]
    fn reads_wasm_bindgen_test_runner_lines() {
        let out = "Executing bindgen...\n\
            test result: ok. 12 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.05s\n";
        assert_eq!(
            parse(out),
            Counts {
                passed: 12,
                failed: 0
            }
        );
    }

    #[test]
    fn reads_node_tap_and_spec_summaries() {
        let tap = "TAP version 13\n# tests 4\n# suites 0\n# pass 3\n# fail 1\n# cancelled 0\n# skipped 0\n";
        assert_eq!(parse(tap), Counts { passed: 3, failed: 1 });
        let spec = "ℹ tests 2\nℹ pass 2\nℹ fail 0\nℹ cancelled 1\n";
        assert_eq!(parse(spec), Counts { passed: 2, failed: 1 });
    }

    #[test]
    fn ignores_coloured_codes_and_unrelated_lines() {
        let out = "\u{1b}[32mtest result: ok.\u{1b}[0m 4 passed; 0 failed; 0 ignored\n# pass the salt\n";
        assert_eq!(parse(out), Counts { passed: 4, failed: 0 });
        assert_eq!(parse("warning: unused\nerror[E0425]: oops\n"), Counts::default());
    }
}
