//! The processes under test: started pinned to a core, watched through `/proc`.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where callgrind dumps its counts, when it runs under callgrind.
    pub counts: Option<PathBuf>,
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(4000)
}

impl Server {
    /// Starts `program` with `args` and `env`, pinned to `core` when `taskset` exists,
    /// and waits until `addr` accepts connections.
    pub fn start(
        program: &Path,
        args: &[String],
        env: &[(&str, String)],
        addr: SocketAddr,
        core: Option<usize>,
    ) -> Result<Self, String> {
        let command = match core {
            Some(core) if which("taskset") => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(core.to_string()).arg(program);
                c
            }
            _ => Command::new(program),
        };
        Self::spawn(command, args, env, addr, Duration::from_secs(30), None)
    }

    /// Starts `program` under callgrind, its counts dumped to `out.1`, `out.2`, … when
    /// `callgrind_control` asks; waits up to two minutes for it to listen (it runs tens
    /// of times slower).
    pub fn start_counted(
        program: &Path,
        args: &[String],
        env: &[(&str, String)],
        addr: SocketAddr,
        out: &Path,
    ) -> Result<Self, String> {
        let mut command = Command::new("valgrind");
        command
            .args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(program);
        Self::spawn(
            command,
            args,
            env,
            addr,
            Duration::from_secs(120),
            Some(out.to_owned()),
        )
    }

    /// Spawns `command` with `args` and `env` in a process group of its own and waits up
    /// to `wait` until `addr` accepts connections.
    fn spawn(
        mut command: Command,
        args: &[String],
        env: &[(&str, String)],
        addr: SocketAddr,
        wait: Duration,
        counts: Option<PathBuf>,
    ) -> Result<Self, String> {
        // Its own process group, so that stopping it stops what it started too (the edge
        // worker's node process runs workerd).
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let program = format!("{:?}", command.get_program());
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let server = Self {
            child,
            addr,
            counts,
        };
        let deadline = Instant::now() + wait;
        while TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                return Err(format!("{program} did not listen on {addr}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The process id (of the server itself: `taskset` and valgrind exec it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time used so far (user + system), in microseconds, with its direct children's
    /// (the edge worker's node process runs workerd as a child).
    pub fn cpu_micros(&self) -> u64 {
        cpu_micros(self.pid())
            + children(self.pid())
                .into_iter()
                .map(cpu_micros)
                .sum::<u64>()
    }

    /// Resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        status_kib(self.pid(), "VmRSS:")
    }

    /// The most resident memory so far, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        status_kib(self.pid(), "VmHWM:")
    }
}

impl Drop for Server {
    /// SIGTERM to its process group first, then SIGKILL to the group after a few seconds
    /// (miniflare's workerd, a child of node, goes with it).
    fn drop(&mut self) {
        let group = format!("-{}", self.pid());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// The direct children of `pid` (from every thread's list).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Whether `program` is on PATH.
pub fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The kernel's clock ticks per second (`/proc` counts CPU time in them), asked once.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

fn cpu_micros(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces, inside parentheses).
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ')'.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    ticks * 1_000_000 / clock_ticks_per_second()
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}
