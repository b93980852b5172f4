use std::process::ExitCode;

// ssmgen allocates and frees hundreds of thousands of small strings for a large spec
// (plan, template contexts); glibc's allocator spent a third of the run consolidating
// them. mimalloc halves the wall time at 10,000 fleets (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_e` of the mimalloc that libmimalloc-sys
/// 0.1.49 builds (c_src/mimalloc/v3/include/mimalloc.h); the crate declares no constant
/// for it. The test below checks it still names the option whose default is 1000 ms
/// (c_src/mimalloc/v3/src/options.c).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Memory freed while the spec is read and the plan built goes back to the OS at once
    // rather than a second later: otherwise it stays resident under the renders, and at
    // 10,000 fleets peak memory was 193 MiB instead of 134 MiB (BENCHMARKS.md, issue 13).
    // SAFETY: sets a plain integer option; mimalloc reads options at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    ExitCode::from(ssmgen::app::main())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_meant() {
        // SAFETY: reads an integer option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000, "mimalloc's default purge delay is 1000 ms");
    }
}
