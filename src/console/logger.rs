//! The `log` facade on the serial console.
//!
//! Each record is one line: uptime, level, module, message. The level comes from the kernel
//! command line (`log=error|warn|info|debug|trace`, default `info`).

use crate::arch::pit;
use log::{Level, LevelFilter, Log, Metadata, Record};

struct SerialLogger;

static LOGGER: SerialLogger = SerialLogger;

impl Log for SerialLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ms = pit::uptime_ms();
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let module = record.module_path().unwrap_or("?");
        let module = module.strip_prefix("kernel::").unwrap_or(module);
        crate::kprintln!("[{:5}.{:03}] {} {}: {}", ms / 1000, ms % 1000, level, module, record.args());
    }

    fn flush(&self) {}
}

/// Parses a level name; `None` if it is not one.
pub fn parse_level(name: &str) -> Option<LevelFilter> {
    Some(match name {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}

/// Installs the logger with the level named on the command line.
pub fn init(level: Option<&str>) {
    let filter = match level.map(|l| (l, parse_level(l))) {
        None => LevelFilter::Info,
        Some((_, Some(f))) => f,
        Some((bad, None)) => {
            crate::kprintln!("log: unknown level '{bad}' (use error, warn, info, debug, trace); using info");
            LevelFilter::Info
        }
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(filter);
    }
}
