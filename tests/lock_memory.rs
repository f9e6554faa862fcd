//! `engine.lock_memory`: `mlockall(MCL_CURRENT | MCL_FUTURE)` either locks the process (its
//! locked size, `VmLck` in /proc/self/status, is then non-zero) or fails with an error that names
//! RLIMIT_MEMLOCK and the remedy. Its own test binary: the lock lasts for the whole process.

#[test]
fn lock_memory_locks_the_process_or_says_why_not() {
    // The key parses and defaults to off.
    let p: hft::config::EngineSection = toml::from_str("lock_memory = true").unwrap();
    assert!(p.lock_memory);
    assert!(!hft::config::EngineSection::default().lock_memory);
    match hft::runtime::lock_all() {
        Ok(()) => {
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            let locked_kb: u64 = status
                .lines()
                .find_map(|l| l.strip_prefix("VmLck:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .expect("VmLck in /proc/self/status");
            assert!(locked_kb > 0, "mlockall succeeded but nothing is locked");
        }
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("RLIMIT_MEMLOCK"), "{text}");
            assert!(text.contains("engine.lock_memory = false"), "{text}");
        }
    }
}
