//! Process entry: `_start` reads Linux's initial stack and calls the program's `main`.
//!
//! Initial stack at `_start` (ESP points at argc; all registers but ESP are unspecified, EDX may
//! hold an atexit pointer which static programs ignore):
//!
//! ```text
//!   [esp]            argc
//!   [esp+4 ..]       argv[0..argc], NULL
//!   then             envp[..], NULL
//!   then             auxv: (type, value) pairs, ending with (AT_NULL = 0, _)
//! ```

use core::ffi::CStr;

core::arch::global_asm!(
    ".section .text._start,\"ax\",@progbits",
    ".globl _start",
    ".type _start,@function",
    "_start:",
    "    xor ebp, ebp",         // outermost frame for backtraces
    "    mov eax, esp",         // eax = &argc
    "    and esp, -16",         // SysV i386 wants 16-byte alignment at the call
    "    sub esp, 12",
    "    push eax",
    "    call {start}",
    "    ud2",
    start = sym rt_start,
);

/// Auxiliary-vector types (`usize`, from the kernel's table in the `abi` crate).
pub use crate::sys::{
    AT_ENTRY, AT_EXECFN, AT_NULL, AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_RANDOM, AT_SYSINFO,
};

/// The process arguments, environment and auxiliary vector, as the kernel laid them out.
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const u8,
    envp: *const *const u8,
    auxv: *const usize,
}

impl Args {
    pub fn len(&self) -> usize {
        self.argc
    }

    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `i` without its NUL.
    pub fn get(&self, i: usize) -> Option<&'static [u8]> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: i < argc, and the kernel put argc valid string pointers at argv.
        Some(unsafe { cstr_bytes(*self.argv.add(i)) })
    }

    /// Argument `i` as a C string (NUL included), for passing back to the kernel.
    pub fn get_cstr(&self, i: usize) -> Option<&'static CStr> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: as in `get`; the strings are NUL-terminated and live for the whole process.
        Some(unsafe { CStr::from_ptr(*self.argv.add(i) as *const core::ffi::c_char) })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static [u8]> + '_ {
        (0..self.argc).filter_map(move |i| self.get(i))
    }

    /// The raw NULL-terminated `envp` array (for passing on to execve).
    pub fn envp_raw(&self) -> *const *const u8 {
        self.envp
    }

    /// The environment strings (`NAME=value`).
    pub fn env(&self) -> impl Iterator<Item = &'static [u8]> {
        let mut p = self.envp;
        core::iter::from_fn(move || {
            // SAFETY: the envp array is NULL-terminated; we stop at the NULL.
            let s = unsafe { *p };
            if s.is_null() {
                return None;
            }
            // SAFETY: p points inside the array, before its NULL.
            p = unsafe { p.add(1) };
            // SAFETY: a valid NUL-terminated string from the kernel.
            Some(unsafe { cstr_bytes(s) })
        })
    }

    /// The value of environment variable `name`.
    pub fn getenv(&self, name: &[u8]) -> Option<&'static [u8]> {
        self.env().find_map(|kv| {
            if kv.len() > name.len() && kv.starts_with(name) && kv[name.len()] == b'=' {
                Some(&kv[name.len() + 1..])
            } else {
                None
            }
        })
    }

    /// The value of auxiliary-vector entry `ty`.
    pub fn auxv(&self, ty: usize) -> Option<usize> {
        let mut p = self.auxv;
        loop {
            // SAFETY: the auxv is a sequence of pairs ending with AT_NULL; we stop there.
            let (t, v) = unsafe { (*p, *p.add(1)) };
            if t == AT_NULL {
                return None;
            }
            if t == ty {
                return Some(v);
            }
            // SAFETY: not at AT_NULL yet, so the next pair exists.
            p = unsafe { p.add(2) };
        }
    }
}

/// # Safety
/// `p` must point at a NUL-terminated string that lives for the rest of the process.
unsafe fn cstr_bytes(p: *const u8) -> &'static [u8] {
    // SAFETY: the caller's contract.
    unsafe { CStr::from_ptr(p as *const core::ffi::c_char) }.to_bytes()
}

extern "Rust" {
    /// Defined by [`entry!`](crate::entry) in the program.
    fn __rt_main(args: Args) -> i32;
}

/// Called by `_start` with the initial stack pointer.
unsafe extern "C" fn rt_start(sp: *const usize) -> ! {
    // SAFETY: `sp` is the initial stack pointer laid out by the kernel as described above; each
    // array is NULL-terminated, so the walks stay inside it.
    let args = unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const u8;
        let envp = argv.add(argc + 1);
        let mut e = envp;
        while !(*e).is_null() {
            e = e.add(1);
        }
        let auxv = e.add(1) as *const usize;
        Args {
            argc,
            argv,
            envp,
            auxv,
        }
    };
    // SAFETY: `__rt_main` is the program's safe `fn(Args) -> i32` wrapped by `entry!`.
    let code = unsafe { __rt_main(args) };
    crate::sys::exit_group(code)
}

/// Declares the program's entry point: `rt::entry!(main);` with `fn main(args: rt::Args) -> i32`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub fn __rt_main(args: $crate::Args) -> i32 {
            let f: fn($crate::Args) -> i32 = $main;
            f(args)
        }
    };
}
