//! Process supervision for the local stack: each service runs in a process group of its own with its output in a
//! log file, is recorded in `.stack/pids` as soon as it starts, counts as started once it answers over HTTP, and
//! is stopped with everything it spawned (a polite signal, then SIGKILL).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::{self, Error, Result};

/// One started process group.
pub struct Proc {
    /// The service's name (`ministack`, `edge`, `site`).
    pub name: String,
    /// Its process group id (the id of the process started first).
    pub pgid: u32,
}

impl Proc {
    /// Whether any live (non-zombie) process is in the group.
    pub fn alive(&self) -> bool {
        group_alive(self.pgid)
    }
}

/// The stack's process groups, kept in step with `<dir>/pids` (one `name pgid` line each, in start order).
pub struct Procs {
    file: PathBuf,
    list: Vec<Proc>,
}

impl Procs {
    /// The groups recorded in `<dir>/pids` (none when the file is missing).
    pub fn load(dir: &Path) -> Self {
        let file = dir.join("pids");
        let text = fs::read_to_string(&file).unwrap_or_default();
        let list = text
            .lines()
            .filter_map(|l| {
                let (name, pgid) = l.split_once(' ')?;
                Some(Proc {
                    name: name.to_owned(),
                    pgid: pgid.trim().parse().ok()?,
                })
            })
            .collect();
        Self { file, list }
    }

    /// The recorded groups, in start order.
    pub fn list(&self) -> &[Proc] {
        &self.list
    }

    /// Whether groups are recorded and every one of them is alive.
    pub fn all_alive(&self) -> bool {
        !self.list.is_empty() && self.list.iter().all(Proc::alive)
    }

    fn save(&self) -> Result<()> {
        let text: String = self
            .list
            .iter()
            .map(|p| format!("{} {}\n", p.name, p.pgid))
            .collect();
        fs::write(&self.file, text)
            .map_err(|e| Error::msg(format!("cannot write {}: {e}", self.file.display())))
    }

    /// Starts `cmd` as service `name` (output to `log`), records it at once (so a failed start is still stopped
    /// by `stack down`), and waits until `GET url` answers 200; the last lines of `log` when it does not within
    /// `within` or dies first.
    pub fn start(
        &mut self,
        name: &str,
        cmd: &mut Command,
        log: &Path,
        url: &str,
        within: Duration,
    ) -> Result<()> {
        let pgid = cmd::spawn_group(name, cmd, log)?;
        self.list.push(Proc {
            name: name.to_owned(),
            pgid,
        });
        self.save()?;
        let deadline = Instant::now() + within;
        loop {
            if http_status(url) == Some(200) {
                return Ok(());
            }
            if !group_alive(pgid) || Instant::now() > deadline {
                return Err(Error::msg(format!(
                    "{name} did not become ready at {url}; last lines of {}:\n{}",
                    log.display(),
                    tail(log, 15)
                )));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops service `name`, if recorded, and forgets it.
    pub fn stop(&mut self, name: &str) -> Result<()> {
        for proc in self.list.iter().filter(|p| p.name == name) {
            stop_group(proc);
        }
        self.list.retain(|p| p.name != name);
        self.save()
    }

    /// Stops every group, the last started first; returns the groups it stopped (those still alive before), or
    /// an error naming the ones that survived SIGKILL.
    pub fn stop_all(&self) -> Result<Vec<&Proc>> {
        let stopped: Vec<&Proc> = self.list.iter().rev().filter(|p| stop_group(p)).collect();
        let survivors: Vec<String> = self
            .list
            .iter()
            .filter(|p| p.alive())
            .map(|p| format!("{} ({})", p.name, p.pgid))
            .collect();
        if survivors.is_empty() {
            Ok(stopped)
        } else {
            Err(Error::msg(format!(
                "still running after SIGKILL: {}",
                survivors.join(", ")
            )))
        }
    }
}

/// Whether any live (non-zombie) process is in the group. Read from /proc: `kill -0` also counts zombies,
/// and an init that never reaps them (as on some VMs) would make every group look alive forever.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp ...`; comm may contain spaces, so split after the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 2 && fields[0] != "Z" && fields[0] != "X" && fields[2] == pgid.to_string()
    })
}

/// Stops a process group: a polite signal, then SIGKILL after 5 s. False when it was not running.
fn stop_group(proc: &Proc) -> bool {
    if !proc.alive() {
        return false;
    }
    // wrangler shuts workerd down cleanly on SIGINT; the others on SIGTERM.
    cmd::signal_group(proc.pgid, if proc.name == "edge" { "-INT" } else { "-TERM" });
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc.alive() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
    }
    if proc.alive() {
        cmd::signal_group(proc.pgid, "-KILL");
        thread::sleep(Duration::from_millis(200));
    }
    true
}

/// `GET url` (plain HTTP on loopback, no proxy); the status code, if anything answered.
fn http_status(url: &str) -> Option<u16> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(1)))
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    agent.get(url).call().ok().map(|r| r.status().as_u16())
}

/// The last `lines` lines of a log file.
fn tail(log: &Path, lines: usize) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let last: Vec<&str> = text.lines().rev().take(lines).collect();
    last.into_iter().rev().collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// The probe reads the status of a real HTTP answer, and finds nothing where nothing listens.
    #[test]
    fn probes_a_loopback_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let n = stream.read(&mut request).unwrap();
            assert!(String::from_utf8_lossy(&request[..n]).starts_with("GET /healthz HTTP/1.1"));
            stream
                .write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .unwrap();
        });
        assert_eq!(
            http_status(&format!("http://127.0.0.1:{port}/healthz")),
            Some(503)
        );
        server.join().unwrap();
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        assert_eq!(http_status(&format!("http://127.0.0.1:{port}/")), None);
    }

    #[test]
    fn tail_keeps_the_last_lines_in_order() {
        let dir = std::env::temp_dir().join(format!("xtask-tail-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let log = dir.join("x.log");
        fs::write(&log, "1\n2\n3\n4\n").unwrap();
        assert_eq!(tail(&log, 2), "3\n4");
        assert_eq!(tail(&dir.join("missing.log"), 2), "");
        fs::remove_dir_all(&dir).unwrap();
    }
}
