//! vmalloc: contiguous virtual ranges, guard pages, reuse.

use crate::arch::backtrace::is_mapped;
use crate::mm::vmalloc::{self, KernelStack};
use crate::{check, check_eq, ktest};
use vmcore::addr::PAGE_SIZE;
use vmcore::layout::{VMALLOC_END, VMALLOC_START};

ktest!(fn vmalloc_maps_guards_frees_and_reuses() {
    let (areas0, pages0) = vmalloc::stats();
    let mut a = vmalloc::vmalloc(3 * PAGE_SIZE as usize, "test a").expect("vmalloc a");
    let b = vmalloc::vmalloc(5000, "test b").expect("vmalloc b");
    check_eq!(a.len(), 3 * PAGE_SIZE as usize);
    check_eq!(b.len(), 2 * PAGE_SIZE as usize);
    let sa = a.start().as_u32();
    check_eq!(b.start().as_u32(), a.end().as_u32() + PAGE_SIZE, "b does not follow a's guard page");
    check!(sa >= VMALLOC_START && b.end().as_u32() <= VMALLOC_END, "outside the vmalloc range");
    check!(a.as_slice().iter().all(|&x| x == 0), "vmalloc memory not zeroed");
    a.as_mut_slice().fill(0x5A);
    check!(a.as_slice().iter().all(|&x| x == 0x5A));
    // Guard pages: below a, between a and b, after b.
    check!(!is_mapped(sa - PAGE_SIZE), "no guard below a");
    check!(!is_mapped(a.end().as_u32()), "no guard after a");
    check!(!is_mapped(b.end().as_u32()), "no guard after b");
    let between = vmalloc::guard_owner(a.end().as_u32()).expect("a guard page");
    check_eq!(between.after, Some("test a"));
    check_eq!(between.below, Some("test b"), "b should follow a directly");
    check_eq!(vmalloc::guard_owner(b.end().as_u32()).and_then(|g| g.after), Some("test b"));
    check_eq!(vmalloc::guard_owner(sa + 8), None);
    check_eq!(vmalloc::stats(), (areas0 + 2, pages0 + 5));
    drop(a);
    check!(!is_mapped(sa), "freed area still mapped");
    let c = vmalloc::vmalloc(2 * PAGE_SIZE as usize, "test c").expect("vmalloc c");
    check_eq!(c.start().as_u32(), sa, "the freed range was not reused first-fit");
    drop(b);
    drop(c);
    check_eq!(vmalloc::stats(), (areas0, pages0));
    check!(vmalloc::vmalloc(0, "empty").is_err());
    check!(vmalloc::vmalloc(usize::MAX / 2, "huge").is_err());
    Ok(())
});

/// Recurses with a large frame until the stack runs out.
#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u32) -> u32 {
    let mut buf = [0u8; 512];
    buf[depth as usize % 512] = depth as u8;
    let buf = core::hint::black_box(buf);
    buf[0] as u32 + recurse(depth + 1)
}

ktest!(fault "kernel stack overflow: ESP", fn overflowing_a_vmalloc_stack_hits_its_guard_page() {
    let stack = KernelStack::new(8 * 1024, "test stack").expect("a stack");
    let top = stack.top();
    // SAFETY: deliberately switches to a small vmalloc stack and recurses until the guard page
    // below it faults; the double-fault task reports it. Nothing returns here.
    unsafe {
        core::arch::asm!("mov esp, {top}", "push 0", "call {f}", top = in(reg) top, f = sym recurse_entry, options(noreturn));
    }
});

extern "C" fn recurse_entry() -> ! {
    let n = recurse(0);
    panic!("recursion returned {n}");
}
