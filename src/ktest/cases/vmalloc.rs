//! vmalloc: contiguous virtual ranges, guard pages, reuse.

use crate::arch::backtrace::is_mapped;
use crate::mm::vmalloc::{self, KernelStack};
use crate::{check, check_eq, ktest};
use vmcore::addr::PAGE_SIZE;
use vmcore::layout::{VMALLOC_END, VMALLOC_START};

ktest!(fn vmalloc_maps_guards_frees_and_reuses() {
    let (areas0, pages0) = vmalloc::stats();
    let free0 = vmalloc::free_pages();
    let mut a = vmalloc::vmalloc(3 * PAGE_SIZE as usize, "test a").expect("vmalloc a");
    let b = vmalloc::vmalloc(5000, "test b").expect("vmalloc b");
    check_eq!(a.len(), 3 * PAGE_SIZE as usize);
    check_eq!(b.len(), 2 * PAGE_SIZE as usize);
    let (sa, sb) = (a.start().as_u32(), b.start().as_u32());
    check!(sa >= VMALLOC_START && b.end().as_u32() <= VMALLOC_END, "outside the vmalloc range");
    // Each takes its pages and the guard page after it (best fit: wherever a hole fits them).
    check_eq!(vmalloc::free_pages(), free0 - (3 + 1) - (2 + 1));
    check!(a.as_slice().iter().all(|&x| x == 0), "vmalloc memory not zeroed");
    a.as_mut_slice().fill(0x5A);
    check!(a.as_slice().iter().all(|&x| x == 0x5A));
    // Guard pages: below and after each.
    for (s, e, name) in [(sa, a.end().as_u32(), "a"), (sb, b.end().as_u32(), "b")] {
        check!(!is_mapped(s - PAGE_SIZE), "no guard below {}", name);
        check!(!is_mapped(e), "no guard after {}", name);
    }
    check_eq!(vmalloc::guard_owner(a.end().as_u32()).and_then(|g| g.after), Some("test a"));
    check_eq!(vmalloc::guard_owner(sb - PAGE_SIZE).and_then(|g| g.below), Some("test b"));
    check_eq!(vmalloc::guard_owner(b.end().as_u32()).and_then(|g| g.after), Some("test b"));
    check_eq!(vmalloc::guard_owner(sa + 8), None);
    check_eq!(vmalloc::stats(), (areas0 + 2, pages0 + 5));
    drop(a);
    check!(!is_mapped(sa), "freed area still mapped");
    check_eq!(vmalloc::free_pages(), free0 - (2 + 1), "a's pages and guard were not given back");
    drop(b);
    check_eq!(vmalloc::stats(), (areas0, pages0));
    check_eq!(vmalloc::free_pages(), free0);
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
