//! The current process's CPU time and resident memory, read from `/proc/self`.

/// Clock ticks per second of `/proc/self/stat` (USER_HZ, 100 on Linux's mainstream targets).
const TICKS_PER_SECOND: u64 = 100;

/// CPU time (user + system) of every thread of this process so far, in milliseconds; resolution
/// 10 ms. `None` off Linux.
pub fn cpu_millis() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name: state is field 3, utime field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * 1000 / TICKS_PER_SECOND)
}

/// Resident set size in KiB. `None` off Linux.
pub fn rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
