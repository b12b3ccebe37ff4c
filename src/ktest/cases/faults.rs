//! Cases that must fault: each is booted as its own test kernel and the host checks the report.

use crate::ktest;

ktest!(fault "#DE Divide Error (vector 0) in kernel mode", fn divide_error_is_reported() {
    // SAFETY: deliberately divides by zero to raise #DE; the kernel reports and stops.
    unsafe {
        core::arch::asm!("xor edx, edx", "xor ecx, ecx", "mov eax, 1", "div ecx", out("eax") _, out("ecx") _, out("edx") _);
    }
    Ok(())
});
