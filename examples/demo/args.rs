//! The command line shared by every server example.

/// Command-line options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--port N` (default 3000; 0 picks a free port).
    pub port: u16,
    /// `--path P` (default `/engine.io/` with `--engineio`, `/socket.io/` otherwise).
    pub path: Option<String>,
    /// `--ping-interval MS`.
    pub ping_interval: Option<u64>,
    /// `--ping-timeout MS`.
    pub ping_timeout: Option<u64>,
    /// `--max-payload BYTES`.
    pub max_payload: Option<usize>,
    /// `--engineio`: a plain Engine.IO echo server instead of Socket.IO.
    pub engineio: bool,
    /// `--connect-timeout MS` (Socket.IO: how long a session may stay without a
    /// namespace).
    pub connect_timeout: Option<u64>,
    /// `--tls-cert PEM`: serve HTTPS/WSS with this certificate chain (needs `--tls-key`).
    pub tls_cert: Option<std::path::PathBuf>,
    /// `--tls-key PEM`: the private key of `--tls-cert`.
    pub tls_key: Option<std::path::PathBuf>,
}

/// The usage line for `program`.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [--engineio] [--port N] [--path P] \
[--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS] \
[--tls-cert PEM --tls-key PEM]"
    )
}

/// Parses the arguments (without the program name); `Err` is the message to print.
pub fn parse(program: &str, args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let usage = usage(program);
    let mut opts = Options {
        port: 3000,
        ..Options::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{usage}"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{arg}: not a number: {v:?}\n{usage}"))
        };
        match arg.as_str() {
            "--engineio" => opts.engineio = true,
            "--port" => {
                let v = value()?;
                opts.port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port: {v:?}\n{usage}"))?;
            }
            "--path" => opts.path = Some(value()?),
            "--ping-interval" => opts.ping_interval = Some(number(value()?)?),
            "--ping-timeout" => opts.ping_timeout = Some(number(value()?)?),
            "--max-payload" => {
                let n = number(value()?)?;
                opts.max_payload =
                    Some(usize::try_from(n).map_err(|_| "--max-payload too large".to_string())?);
            }
            "--connect-timeout" => opts.connect_timeout = Some(number(value()?)?),
            "--tls-cert" => opts.tls_cert = Some(value()?.into()),
            "--tls-key" => opts.tls_key = Some(value()?.into()),
            "-h" | "--help" => return Err(usage),
            other => return Err(format!("unknown argument {other:?}\n{usage}")),
        }
    }
    if opts.tls_cert.is_some() != opts.tls_key.is_some() {
        return Err(format!("--tls-cert and --tls-key go together\n{usage}"));
    }
    Ok(opts)
}
