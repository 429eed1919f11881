//! Load generator for any Engine.IO v4 / Socket.IO v5 server over WebSocket.
//!
//! It speaks the wire protocol itself (no Socket.IO library, nothing from our crate):
//! `ws://HOST:PORT/PATH?EIO=4&transport=websocket`, waits for the open packet `0{...}`,
//! sends `40`, waits for `40{...}`, answers every ping `2` with `3`, and ignores every
//! other packet it does not wait for (such as the example server's `auth` event).
//!
//! ```text
//! loadgen echo      --port P [--pid PID] [--conns 100] [--duration 10] [--warmup 1]
//! loadgen idle      --port P [--pid PID] [--conns 10000] [--hold 2] [--per-ip 10000] [--first-ip 2]
//! loadgen broadcast --port P [--pid PID] [--receivers 1000] [--inflight 8] [--duration 10] [--warmup 1]
//! common: [--host 127.0.0.1] [--path /socket.io/] [--concurrency 64] [--threads 1]
//! ```
//!
//! - `echo`: a closed loop per connection: send `42["echo",SEQ,TS]`, wait for
//!   `42["echo-back",SEQ,TS]`, repeat. Latency is measured on the client from send to
//!   receipt. Reports msgs/s, p50/p90/p99/max and the per-connection max/min count.
//! - `idle`: opens `--conns` connections (from 127.0.0.2, 127.0.0.3, … with `--per-ip`
//!   connections each, so the ephemeral ports of one address do not run out), holds
//!   them (from 127.0.0.K on with `--first-ip K`), and reports the server's VmRSS growth per connection.
//! - `broadcast`: `--receivers` connections listen; one more connection sends
//!   `42["broadcast",SEQ,TS]` with at most `--inflight` broadcasts not yet received by
//!   every receiver. The server must answer with `42["broadcast-back",SEQ,TS]` to every
//!   socket of the namespace. Reports deliveries/s (to the receivers; the sender's own
//!   copy is not counted) and send-to-receipt delay percentiles.
//!
//! With `--pid` it reads the server's utime+stime from `/proc/PID/stat` at the start and
//! the end of the measured window (after `--warmup`) and reports server CPU per message
//! (per delivery for broadcast), and its own CPU too, so a saturated load generator is
//! visible. Only loopback addresses are accepted; every mode is bounded in time and
//! exits by itself. The last line of output is `RESULT key=value …` for scripts.

use futures_util::{SinkExt, StreamExt};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<TcpStream>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "usage: loadgen echo|idle|broadcast --port P [--pid PID] [--host 127.0.0.1] \
[--path /socket.io/] [--conns N] [--duration S] [--warmup S] [--hold S] [--per-ip N] [--first-ip K] \
[--receivers N] [--inflight N] [--concurrency N] [--threads N]";

/// How long one connection may take to open and join the namespace.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a reply may take before the connection counts as stalled.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

static EPOCH: OnceLock<Instant> = OnceLock::new();

fn micros_since_epoch(t: Instant) -> u64 {
    t.duration_since(*EPOCH.get().unwrap()).as_micros() as u64
}

#[derive(Clone, Debug)]
struct Opts {
    mode: String,
    host: IpAddr,
    port: u16,
    path: String,
    pid: Option<u32>,
    conns: usize,
    duration: f64,
    warmup: f64,
    hold: f64,
    per_ip: usize,
    first_ip: usize,
    receivers: usize,
    inflight: usize,
    concurrency: usize,
    threads: usize,
}

fn parse_opts() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or(USAGE)?;
    if !matches!(mode.as_str(), "echo" | "idle" | "broadcast") {
        return Err(format!("unknown mode {mode:?}\n{USAGE}"));
    }
    let mut o = Opts {
        conns: if mode == "idle" { 10_000 } else { 100 },
        mode,
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        path: "/socket.io/".into(),
        pid: None,
        duration: 10.0,
        warmup: 1.0,
        hold: 2.0,
        per_ip: 10_000,
        first_ip: 2,
        receivers: 1000,
        inflight: 8,
        concurrency: 64,
        threads: 1,
    };
    while let Some(a) = args.next() {
        let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
        let bad = || format!("{a}: bad value {v:?}");
        match a.as_str() {
            "--host" => o.host = v.parse().map_err(|_| bad())?,
            "--port" => o.port = v.parse().map_err(|_| bad())?,
            "--path" => o.path = v.clone(),
            "--pid" => o.pid = Some(v.parse().map_err(|_| bad())?),
            "--conns" => o.conns = v.parse().map_err(|_| bad())?,
            "--duration" => o.duration = v.parse().map_err(|_| bad())?,
            "--warmup" => o.warmup = v.parse().map_err(|_| bad())?,
            "--hold" => o.hold = v.parse().map_err(|_| bad())?,
            "--first-ip" => o.first_ip = v.parse().map_err(|_| bad())?,
            "--per-ip" => o.per_ip = v.parse().map_err(|_| bad())?,
            "--receivers" => o.receivers = v.parse().map_err(|_| bad())?,
            "--inflight" => o.inflight = v.parse().map_err(|_| bad())?,
            "--concurrency" => o.concurrency = v.parse().map_err(|_| bad())?,
            "--threads" => o.threads = v.parse().map_err(|_| bad())?,
            _ => return Err(format!("unknown argument {a:?}\n{USAGE}")),
        }
    }
    if o.port == 0 {
        return Err(format!("--port is required\n{USAGE}"));
    }
    if !o.host.is_loopback() {
        return Err("only loopback hosts are allowed".into());
    }
    // Bounds: this is a benchmark, not a load-testing tool.
    if o.conns == 0 || o.conns > 60_000 || o.receivers == 0 || o.receivers > 60_000 {
        return Err("--conns / --receivers must be in 1..=60000".into());
    }
    if !(o.duration > 0.0 && o.duration <= 600.0) || !(0.0..=60.0).contains(&o.warmup) {
        return Err("--duration must be in (0, 600], --warmup in [0, 60]".into());
    }
    if !(0.0..=600.0).contains(&o.hold) || o.per_ip == 0 || o.inflight == 0 || o.concurrency == 0 {
        return Err("--hold in [0, 600]; --per-ip, --inflight, --concurrency >= 1".into());
    }
    Ok(o)
}

fn main() {
    EPOCH.get_or_init(Instant::now);
    let opts = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rt = if opts.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(opts.threads)
            .enable_all()
            .build()
    }
    .expect("runtime");
    // A hard bound on the whole run, whatever the server does.
    let budget = Duration::from_secs_f64(opts.warmup + opts.duration + opts.hold + 120.0);
    let result = rt.block_on(async {
        match timeout(budget, run(opts)).await {
            Ok(r) => r,
            Err(_) => Err(format!("gave up after {budget:?}").into()),
        }
    });
    match result {
        Ok(line) => {
            println!("RESULT {line}");
            // Do not wait for the connection tasks to wind down.
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            println!("RESULT error=1");
            std::process::exit(1);
        }
    }
}

async fn run(o: Opts) -> Result<String, BoxError> {
    match o.mode.as_str() {
        "echo" => echo(o).await,
        "idle" => idle(o).await,
        _ => broadcast(o).await,
    }
}

// ---------------------------------------------------------------------------------
// /proc

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// utime + stime of a process, in microseconds.
fn cpu_us(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the command: field 3 (state) is f[0]; utime is field 14, stime field 15.
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 1e6 / clock_ticks())
}

/// Busy time of the whole machine (all cores, everything but idle and iowait), in µs.
fn machine_busy_us() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<f64> = line
        .split_whitespace()
        .take(8)
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // user nice system idle iowait irq softirq steal: steal counts as taken from us.
    let busy: f64 = f.iter().sum::<f64>() - f.get(3)? - f.get(4)?;
    Some(busy * 1e6 / clock_ticks())
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU of the server and of this process over a window.
struct CpuWindow {
    t0: Instant,
    server0: Option<f64>,
    own0: Option<f64>,
    machine0: Option<f64>,
    pid: Option<u32>,
}

struct CpuResult {
    wall_s: f64,
    server_us: Option<f64>,
    own_us: Option<f64>,
    machine_us: Option<f64>,
}

impl CpuWindow {
    fn start(pid: Option<u32>) -> Self {
        CpuWindow {
            t0: Instant::now(),
            server0: pid.and_then(|p| cpu_us(&p.to_string())),
            own0: cpu_us("self"),
            machine0: machine_busy_us(),
            pid,
        }
    }
    fn stop(self) -> CpuResult {
        let wall_s = self.t0.elapsed().as_secs_f64();
        let server1 = self.pid.and_then(|p| cpu_us(&p.to_string()));
        CpuResult {
            wall_s,
            server_us: server1.zip(self.server0).map(|(b, a)| b - a),
            own_us: cpu_us("self").zip(self.own0).map(|(b, a)| b - a),
            machine_us: machine_busy_us()
                .zip(self.machine0)
                .map(|(b, a)| b - a),
        }
    }
}

impl CpuResult {
    fn fields(&self, count: u64, per: &str) -> String {
        let pct = |us: Option<f64>| match us {
            Some(us) => format!("{:.1}", us / (self.wall_s * 1e6) * 100.0),
            None => "na".into(),
        };
        let per_msg = match self.server_us {
            Some(us) if count > 0 => format!("{:.3}", us / count as f64),
            _ => "na".into(),
        };
        // What the rest of the machine took meanwhile (other processes, steal), in % of
        // one core: the noise indicator.
        let others = match (self.machine_us, self.server_us, self.own_us) {
            (Some(m), Some(s), Some(o)) => Some((m - s - o).max(0.0)),
            _ => None,
        };
        format!(
            "server_cpu_us_per_{per}={per_msg} server_cpu_pct={} loadgen_cpu_pct={} other_cpu_pct={}",
            pct(self.server_us),
            pct(self.own_us),
            pct(others)
        )
    }
}

// ---------------------------------------------------------------------------------
// Latency histogram: log-linear, 32 sub-buckets per power of two (about 3 % wide),
// exact below 64 µs.

const BUCKETS: usize = 64 + 26 * 32;

#[derive(Clone)]
struct Hist {
    counts: Vec<u32>,
    max_us: u64,
    n: u64,
}

impl Hist {
    fn new() -> Self {
        Hist {
            counts: vec![0; BUCKETS],
            max_us: 0,
            n: 0,
        }
    }
    fn index(v: u64) -> usize {
        let v = v.min(u32::MAX as u64);
        if v < 64 {
            return v as usize;
        }
        let msb = 63 - v.leading_zeros() as usize; // >= 6
        let shift = msb - 5;
        64 + (shift - 1) * 32 + ((v >> shift) as usize - 32)
    }
    /// The middle of a bucket, in µs.
    fn value(i: usize) -> f64 {
        if i < 64 {
            return i as f64;
        }
        let shift = (i - 64) / 32 + 1;
        let sub = (i - 64) % 32 + 32;
        ((sub << shift) as f64) + ((1u64 << shift) as f64) / 2.0
    }
    fn record(&mut self, us: u64) {
        self.counts[Self::index(us)] += 1;
        self.max_us = self.max_us.max(us);
        self.n += 1;
    }
    fn merge(&mut self, other: &Hist) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += *b;
        }
        self.max_us = self.max_us.max(other.max_us);
        self.n += other.n;
    }
    fn quantile_ms(&self, q: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let rank = ((q * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c as u64;
            if seen >= rank {
                return Self::value(i).min(self.max_us as f64) / 1000.0;
            }
        }
        self.max_us as f64 / 1000.0
    }
    fn fields(&self, prefix: &str) -> String {
        format!(
            "{prefix}p50_ms={:.3} {prefix}p90_ms={:.3} {prefix}p99_ms={:.3} {prefix}max_ms={:.3}",
            self.quantile_ms(0.50),
            self.quantile_ms(0.90),
            self.quantile_ms(0.99),
            self.max_us as f64 / 1000.0
        )
    }
}

// ---------------------------------------------------------------------------------
// Connections

fn ws_config() -> WebSocketConfig {
    // Small buffers on the load generator too: 10k idle connections must fit.
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

fn text(s: impl Into<String>) -> Message {
    Message::text(s.into())
}

/// Opens one connection and joins the main namespace. `src` binds the local address.
async fn connect(o: &Opts, src: Option<Ipv4Addr>) -> Result<Ws, BoxError> {
    let addr = SocketAddr::new(o.host, o.port);
    let sock = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(ip) = src {
        sock.set_reuseaddr(true)?;
        sock.bind(SocketAddr::new(IpAddr::V4(ip), 0))?;
    }
    let stream = sock.connect(addr).await?;
    stream.set_nodelay(true)?;
    let url = format!(
        "ws://{}{}?EIO=4&transport=websocket",
        addr, o.path
    );
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config())).await?;
    // Engine.IO open packet.
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.starts_with('0') => {}
        other => return Err(format!("expected an open packet, got {other:?}").into()),
    }
    ws.send(text("40")).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                if t.as_str() == "2" {
                    ws.send(text("3")).await?;
                } else if t.starts_with("40") {
                    return Ok(ws);
                } else if t.starts_with("44") {
                    return Err(format!("connect refused: {}", t.as_str()).into());
                }
            }
            Some(Ok(_)) => {}
            other => return Err(format!("closed during connect: {other:?}").into()),
        }
    }
}

/// Opens `n` connections, at most `o.concurrency` handshakes at a time, connection `i`
/// from source address `src(i)`.
async fn connect_many(
    o: &Opts,
    n: usize,
    src: impl Fn(usize) -> Option<Ipv4Addr>,
) -> Result<Vec<Ws>, BoxError> {
    let sem = Arc::new(Semaphore::new(o.concurrency));
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let permit = sem.clone().acquire_owned().await?;
        let o = o.clone();
        let ip = src(i);
        handles.push(tokio::spawn(async move {
            let r = timeout(HANDSHAKE_TIMEOUT, connect(&o, ip)).await;
            drop(permit);
            match r {
                Ok(r) => r,
                Err(_) => Err("handshake timed out".into()),
            }
        }));
    }
    let mut out = Vec::with_capacity(n);
    let mut first_err = None;
    for h in handles {
        match h.await? {
            Ok(ws) => out.push(ws),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_err {
        return Err(format!("{} of {n} connections failed; first: {e}", n - out.len()).into());
    }
    Ok(out)
}

/// The number after `prefix` (up to the next `,` or `]`).
fn seq_after(t: &str, prefix: &str) -> Option<u64> {
    let rest = t.strip_prefix(prefix)?;
    let end = rest.find([',', ']'])?;
    rest[..end].parse().ok()
}

/// `SEQ,TS` after `prefix`.
fn seq_ts_after(t: &str, prefix: &str) -> Option<(u64, u64)> {
    let rest = t.strip_prefix(prefix)?;
    let comma = rest.find(',')?;
    let seq = rest[..comma].parse().ok()?;
    let rest = &rest[comma + 1..];
    let end = rest.find([',', ']'])?;
    Some((seq, rest[..end].parse().ok()?))
}

struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    fn new(o: &Opts) -> Self {
        let start = Instant::now() + Duration::from_secs_f64(o.warmup);
        Window {
            start,
            end: start + Duration::from_secs_f64(o.duration),
        }
    }
    fn contains(&self, t: Instant) -> bool {
        t >= self.start && t < self.end
    }
}

// ---------------------------------------------------------------------------------
// echo

async fn echo_conn(mut ws: Ws, w: Arc<Window>) -> Result<(u64, Hist), BoxError> {
    let mut hist = Hist::new();
    let mut count = 0u64;
    let mut seq = 0u64;
    while Instant::now() < w.end {
        seq += 1;
        let sent = Instant::now();
        ws.send(text(format!(
            "42[\"echo\",{seq},{}]",
            micros_since_epoch(sent)
        )))
        .await?;
        loop {
            let msg = timeout(REPLY_TIMEOUT, ws.next())
                .await
                .map_err(|_| format!("no echo within {REPLY_TIMEOUT:?}"))?;
            let t = match msg {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(_)) => continue,
                other => return Err(format!("connection ended: {other:?}").into()),
            };
            if t.as_str() == "2" {
                ws.send(text("3")).await?;
            } else if seq_after(&t, "42[\"echo-back\",") == Some(seq) {
                break;
            }
        }
        let done = Instant::now();
        if w.contains(done) {
            count += 1;
            hist.record(done.duration_since(sent).as_micros() as u64);
        }
    }
    Ok((count, hist))
}

async fn echo(o: Opts) -> Result<String, BoxError> {
    eprintln!("echo: opening {} connections", o.conns);
    let conns = connect_many(&o, o.conns, |_| None).await?;
    let w = Arc::new(Window::new(&o));
    let handles: Vec<_> = conns
        .into_iter()
        .map(|ws| tokio::spawn(echo_conn(ws, w.clone())))
        .collect();
    sleep_until(w.start.into()).await;
    let cpu = CpuWindow::start(o.pid);
    sleep_until(w.end.into()).await;
    let cpu = cpu.stop();
    let mut hist = Hist::new();
    let mut counts = Vec::with_capacity(handles.len());
    let mut errors = 0usize;
    for h in handles {
        match h.await? {
            Ok((c, hh)) => {
                counts.push(c);
                hist.merge(&hh);
            }
            Err(e) => {
                if errors == 0 {
                    eprintln!("echo: a connection failed: {e}");
                }
                errors += 1;
            }
        }
    }
    let total: u64 = counts.iter().sum();
    let max = counts.iter().copied().max().unwrap_or(0);
    let min = counts.iter().copied().min().unwrap_or(0);
    let ratio = if min > 0 {
        format!("{:.2}", max as f64 / min as f64)
    } else {
        "inf".into()
    };
    let rate = total as f64 / cpu.wall_s;
    eprintln!(
        "echo: {} conns, {total} echoes in {:.2} s = {rate:.0} msgs/s; per-conn max/min {max}/{min}",
        o.conns, cpu.wall_s
    );
    Ok(format!(
        "mode=echo conns={} failed={errors} msgs={total} msgs_per_s={rate:.0} {} {} conn_max_min={ratio}",
        o.conns,
        hist.fields(""),
        cpu.fields(total, "msg"),
    ))
}

// ---------------------------------------------------------------------------------
// idle

/// Holds a connection: answers pings, nothing else.
async fn hold(mut ws: Ws) {
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            if t.as_str() == "2" && ws.send(text("3")).await.is_err() {
                return;
            }
        }
    }
}

async fn idle(o: Opts) -> Result<String, BoxError> {
    let pid = o.pid.ok_or("idle needs --pid (the server's)")?;
    let before = rss_kib(pid).ok_or("cannot read the server's VmRSS")?;
    let t0 = Instant::now();
    let (per_ip, first) = (o.per_ip, o.first_ip.max(1));
    let src = move |i: usize| {
        let k = first + i / per_ip;
        (k < 255).then(|| Ipv4Addr::new(127, 0, 0, k as u8))
    };
    if src(o.conns - 1).is_none() {
        return Err("too many connections for --per-ip".into());
    }
    eprintln!("idle: opening {} connections", o.conns);
    let conns = connect_many(&o, o.conns, src).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    let n = conns.len();
    for ws in conns {
        tokio::spawn(hold(ws));
    }
    // Let the server settle (buffers allocated on the first write, pending logs…).
    tokio::time::sleep(Duration::from_secs_f64(o.hold)).await;
    let after = rss_kib(pid).ok_or("cannot read the server's VmRSS")?;
    let per = (after - before) / n as f64;
    eprintln!(
        "idle: {n} connections in {connect_s:.1} s; server VmRSS {before} -> {after} KiB = {per:.2} KiB each"
    );
    Ok(format!(
        "mode=idle conns={n} rss_before_kib={before} rss_after_kib={after} kib_per_conn={per:.2} connect_s={connect_s:.2}"
    ))
}

// ---------------------------------------------------------------------------------
// broadcast

/// Completion counters of the broadcasts in flight, by sequence number modulo `RING`.
const RING: usize = 4096;

struct Bcast {
    w: Window,
    receivers: u32,
    slots: Vec<AtomicU32>,
    permits: Semaphore,
    completed: AtomicUsize,
}

async fn receiver(mut ws: Ws, b: Arc<Bcast>) -> Result<(u64, Hist), BoxError> {
    let mut hist = Hist::new();
    let mut count = 0u64;
    let deadline = sleep_until((b.w.end + Duration::from_millis(50)).into());
    tokio::pin!(deadline);
    loop {
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = &mut deadline => break,
        };
        let t = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(_)) => continue,
            other => return Err(format!("connection ended: {other:?}").into()),
        };
        if t.as_str() == "2" {
            ws.send(text("3")).await?;
            continue;
        }
        let Some((seq, ts)) = seq_ts_after(&t, "42[\"broadcast-back\",") else {
            continue;
        };
        let now = Instant::now();
        if b.w.contains(now) {
            count += 1;
            hist.record(micros_since_epoch(now).saturating_sub(ts));
        }
        let slot = &b.slots[seq as usize % RING];
        if slot.fetch_add(1, Ordering::AcqRel) + 1 == b.receivers {
            slot.store(0, Ordering::Release);
            b.completed.fetch_add(1, Ordering::Relaxed);
            b.permits.add_permits(1);
        }
    }
    Ok((count, hist))
}

async fn sender(mut ws: Ws, b: Arc<Bcast>) -> Result<(u64, u64), BoxError> {
    let mut seq = 0u64;
    let mut sent_in_window = 0u64;
    let deadline = sleep_until(b.w.end.into());
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            biased;
            _ = &mut deadline => break,
            p = b.permits.acquire() => {
                p?.forget();
                seq += 1;
                let now = Instant::now();
                if b.w.contains(now) {
                    sent_in_window += 1;
                }
                ws.send(text(format!("42[\"broadcast\",{seq},{}]", micros_since_epoch(now))))
                    .await?;
            }
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => ws.send(text("3")).await?,
                Some(Ok(_)) => {}
                other => return Err(format!("sender connection ended: {other:?}").into()),
            },
        }
    }
    Ok((seq, sent_in_window))
}

async fn broadcast(o: Opts) -> Result<String, BoxError> {
    eprintln!("broadcast: opening {} receivers and 1 sender", o.receivers);
    let mut conns = connect_many(&o, o.receivers + 1, |_| None).await?;
    let sender_ws = conns.pop().unwrap();
    let b = Arc::new(Bcast {
        w: Window::new(&o),
        receivers: o.receivers as u32,
        slots: (0..RING).map(|_| AtomicU32::new(0)).collect(),
        permits: Semaphore::new(o.inflight),
        completed: AtomicUsize::new(0),
    });
    let recv: Vec<_> = conns
        .into_iter()
        .map(|ws| tokio::spawn(receiver(ws, b.clone())))
        .collect();
    let send = tokio::spawn(sender(sender_ws, b.clone()));
    sleep_until(b.w.start.into()).await;
    let cpu = CpuWindow::start(o.pid);
    sleep_until(b.w.end.into()).await;
    let cpu = cpu.stop();
    let (sent, sent_in_window) = send.await??;
    let mut hist = Hist::new();
    let mut total = 0u64;
    let mut errors = 0usize;
    for h in recv {
        match h.await? {
            Ok((c, hh)) => {
                total += c;
                hist.merge(&hh);
            }
            Err(e) => {
                if errors == 0 {
                    eprintln!("broadcast: a receiver failed: {e}");
                }
                errors += 1;
            }
        }
    }
    let completed = b.completed.load(Ordering::Relaxed);
    let rate = total as f64 / cpu.wall_s;
    eprintln!(
        "broadcast: {sent} sent, {completed} received by all; {total} deliveries in window = {rate:.0}/s"
    );
    Ok(format!(
        "mode=broadcast receivers={} inflight={} failed={errors} broadcasts={sent} broadcasts_in_window={sent_in_window} \
         completed={completed} deliveries={total} deliveries_per_s={rate:.0} {} {}",
        o.receivers,
        o.inflight,
        hist.fields("delay_"),
        cpu.fields(total, "delivery"),
    ))
}
