//! `memcpy` and `memmove` as `rep movsd` plus `rep movsb` for the tail, like Linux i386's
//! string functions.
//!
//! `compiler_builtins` (the `mem` feature of build-std) provides them as a generic word loop
//! of about six instructions per 4 bytes; its symbols are weak, so these strong definitions
//! replace them for the whole kernel. The VMA tree shifts a chunk of ~48-byte areas on every
//! insert and removal in the middle of a chunk (docs/benchmarks-mmap.md): a copy of 768 bytes
//! drops from ~1,150 to ~200 guest instructions. The direction flag is clear on every kernel
//! entry (`cld` in the trap stubs and at boot) and after each backward copy here.

/// Copies `n` bytes from `src` to `dest`; the ranges must not overlap.
///
/// # Safety
/// As C's `memcpy`: both ranges valid for `n` bytes, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; a forward copy of non-overlapping ranges.
    unsafe { forward(dest, src, n) };
    dest
}

/// Copies `n` bytes from `src` to `dest`; the ranges may overlap.
///
/// # Safety
/// As C's `memmove`: both ranges valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // `dest` lies below `src` or past the end of its range: no byte is read after the
        // forward copy overwrote it.
        // SAFETY: the caller's contract, and the direction checked above.
        unsafe { forward(dest, src, n) };
    } else {
        // SAFETY: as above; `dest` lies inside `(src, src + n)`, so copy from the top down.
        unsafe { backward(dest, src, n) };
    }
    dest
}

/// `n / 4` dwords then `n % 4` bytes, upwards.
///
/// # Safety
/// Both ranges valid for `n` bytes, and `dest` not inside `(src, src + n)`.
unsafe fn forward(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the ranges are valid (caller); the direction flag is clear. ESI belongs to LLVM:
    // it is swapped in and out around the copy, and `src` is the only operand LLVM places
    // (it may give it ESI itself), so no other operand can sit in ESI.
    unsafe {
        core::arch::asm!(
            "xchg {src}, esi",
            "rep movsd",
            "mov ecx, eax",
            "rep movsb",
            "mov esi, {src}",
            src = inout(reg) src => _,
            in("eax") n & 3,
            inout("edi") dest => _,
            inout("ecx") n >> 2 => _,
            options(nostack, preserves_flags)
        );
    }
}

/// `n % 4` bytes then `n / 4` dwords, downwards from the last byte.
///
/// # Safety
/// Both ranges valid for `n` bytes (`n > 0` or not, both are fine).
unsafe fn backward(dest: *mut u8, src: *const u8, n: usize) {
    if n == 0 {
        return;
    }
    let (d, s) = (dest.wrapping_add(n - 1), src.wrapping_add(n - 1));
    // SAFETY: the ranges are valid (caller); the copy runs with the direction flag set and
    // clears it again before returning. After the tail bytes ESI/EDI point at the last byte
    // not yet copied; 3 lower is the start of the last whole dword.
    unsafe {
        core::arch::asm!(
            "xchg {src}, esi",
            "std",
            "rep movsb",
            "sub esi, 3",
            "sub edi, 3",
            "mov ecx, eax",
            "rep movsd",
            "cld",
            "mov esi, {src}",
            src = inout(reg) s => _,
            in("eax") n >> 2,
            inout("edi") d => _,
            inout("ecx") n & 3 => _,
            options(nostack)
        );
    }
}
