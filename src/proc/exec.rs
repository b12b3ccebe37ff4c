//! Loading a program: a static i386 ELF (or a `#!` script naming one) found by path lookup becomes file-backed private areas (one
//! per PT_LOAD, the bss tail through the file limit), a growable stack with Linux's start-up
//! layout (argc, argv, envp, auxv), and a brk heap after the highest segment.

use crate::mm::trycopy;
use crate::arch::cpu;
use crate::fs::inode::MAY_EXEC;
use crate::fs::mount::PathRef;
use crate::fs::namei::Walker;
use crate::fs::tmpfs::MappedFile;
use crate::mm::aspace::AddressSpace;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::addr::{Page, VirtAddr, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::exec::{build_stack, plan_head, AuxInput, ExecError, MAX_PHDR_TABLE};
use vmcore::layout::EXEC_STACK_PAGES;
use vmcore::mspace::MapRequest;
use vmcore::vma::{FileObject, VmFlags, VmaName};

/// Pages of stack mapped at exec; the area grows down on demand (up to the stack limit).
pub const STACK_PAGES: u32 = EXEC_STACK_PAGES;
/// Most arguments plus environment strings execve accepts.
pub const MAX_ARGS: usize = 1024;

/// Where a loaded program starts.
pub struct Image {
    /// Entry point.
    pub entry: u32,
    /// Initial stack pointer (at argc).
    pub sp: u32,
}

/// Why [`load`] failed: an errno for `execve` to return, or a fault Linux finds only after
/// the point of no return, which kills the process with SIGSEGV.
#[derive(Debug)]
pub enum LoadError {
    /// Refused: the caller carries on with this errno.
    Refused(Errno),
    /// Found while mapping the new image: the caller is killed.
    Fatal(ExecError),
}

impl From<Errno> for LoadError {
    fn from(e: Errno) -> Self {
        LoadError::Refused(e)
    }
}

impl From<LoadError> for Errno {
    fn from(e: LoadError) -> Errno {
        match e {
            LoadError::Refused(e) => e,
            LoadError::Fatal(e) => e.into(),
        }
    }
}

/// The last component of a path.
pub fn basename(path: &str) -> Result<String, Errno> {
    trycopy::string(path.rsplit('/').next().unwrap_or(path))
}

/// What [`load`] made.
pub struct Loaded {
    /// Where the program starts.
    pub image: Image,
    /// The absolute path of the program run (the interpreter for a script): `/proc/PID/exe`.
    pub exe: Arc<Vec<u8>>,
    /// The credentials the program runs with (its set-id bits applied), to install.
    pub creds: crate::proc::cred::ForExec,
    /// The personality word of the new program (Linux's `per_clear` and `SET_PERSONALITY`).
    pub personality: u32,
}

/// Most `#!` interpreters in a row (Linux's `BINPRM_MAX_RECURSION`): `ELOOP` beyond.
const MAX_INTERP_DEPTH: u32 = 4;
/// How much of a script's first line is read (Linux's `BINPRM_BUF_SIZE`).
const BINPRM_BUF_SIZE: usize = 256;

fn no_mem<T>(r: Result<T, alloc::collections::TryReserveError>) -> Result<T, Errno> {
    r.map_err(|_| Errno::ENOMEM)
}

/// Linux's `load_script`: `#!interp [arg]` in the first 256 bytes. `None` when `head` is not a
/// script; `ENOEXEC` for a line with no interpreter or one cut off by the buffer.
fn parse_script(head: &[u8]) -> Result<Option<(Vec<u8>, Option<Vec<u8>>)>, Errno> {
    if !head.starts_with(b"#!") {
        return Ok(None);
    }
    let buf = &head[2..head.len().min(BINPRM_BUF_SIZE)];
    let line_end = buf.iter().position(|&b| b == b'\n');
    let line = &buf[..line_end.unwrap_or(buf.len())];
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let rest = &line[start..];
    let interp_len = rest.iter().position(|b| blank(b) || *b == 0).unwrap_or(rest.len());
    if interp_len == 0 {
        return Err(Errno::ENOEXEC);
    }
    // A first line longer than the buffer: fine if the interpreter name ended inside it.
    if line_end.is_none() && interp_len == rest.len() && head.len() >= BINPRM_BUF_SIZE {
        return Err(Errno::ENOEXEC);
    }
    let interp = trycopy::to_vec(&rest[..interp_len])?;
    let arg = &rest[interp_len..];
    let arg = &arg[arg.iter().position(|b| !blank(b)).unwrap_or(arg.len())..];
    let arg = &arg[..arg.iter().rposition(|b| !blank(b)).map_or(0, |i| i + 1)];
    let arg = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    let arg = if arg.is_empty() { None } else { Some(trycopy::to_vec(arg)?) };
    Ok(Some((interp, arg)))
}

/// The first `len` bytes of `obj` (fewer at its end), fallibly.
fn read_head(obj: &crate::mm::object::MemObject, len: usize) -> Result<Vec<u8>, Errno> {
    read_exact_at(obj, 0, len).or_else(|_| read_exact_at(obj, 0, obj.size().min(len as u64) as usize))
}

/// Exactly `len` bytes of `obj` at `offset`, fallibly; `EIO` when the file ends first (Linux's
/// `elf_read`).
fn read_exact_at(obj: &crate::mm::object::MemObject, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
    if offset.checked_add(len as u64).is_none_or(|end| end > obj.size()) {
        return Err(Errno::EIO);
    }
    let mut buf = Vec::new();
    no_mem(crate::mm::inject::fallible(|| buf.try_reserve_exact(len)))?;
    buf.resize(len, 0);
    if obj.read_at(offset, &mut buf) != len {
        return Err(Errno::EIO);
    }
    Ok(buf)
}

/// Linux's `PT_INTERP` steps for the `len`-byte path at `offset` of `obj`: `EIO` when the file
/// ends first, `ENOEXEC` without its NUL, the lookup's errno (`open_exec`: `EACCES` for what is
/// not a regular executable file), `EIO` for an interpreter shorter than an ELF header,
/// `ELIBBAD` for one that is not an i386 ELF. This kernel has no dynamic loader: a plausible
/// interpreter still ends in `ENOEXEC` (Linux would run it).
fn check_interpreter(obj: &crate::mm::object::MemObject, offset: u64, len: u32, walker: &mut Walker, start: &PathRef) -> Errno {
    let path = match read_exact_at(obj, offset, len as usize) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let Some((&0, path)) = path.split_last() else { return Errno::ENOEXEC };
    let interp = match walker.walk(start, path, true) {
        Ok(at) => at.inode,
        Err(e) => return e,
    };
    if !interp.is_regular() {
        return Errno::EACCES;
    }
    if let Err(e) = interp.permission(walker.cred(), MAY_EXEC) {
        return e;
    }
    let Some(iobj) = interp.object() else { return Errno::EACCES };
    let head = match read_exact_at(iobj, 0, 52) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let machine = u16::from_le_bytes([head[18], head[19]]);
    if head[..4] != [0x7f, b'E', b'L', b'F'] || !(machine == 3 || machine == 6) {
        return Errno::ELIBBAD;
    }
    Errno::ENOEXEC
}

/// What of the caller's state the new image's layout starts from (exec may change both).
#[derive(Clone, Copy, Debug)]
pub struct LayoutFrom {
    /// The caller's personality word.
    pub personality: u32,
    /// The caller's soft `RLIMIT_STACK` (`u32::MAX` for infinity).
    pub stack_limit: u32,
}

/// Loads the program at `path` (looked up by `walker` from `start`) into the empty address
/// space `aspace`, following `#!` interpreters. The credentials come from the ELF file (a
/// script's own set-id bits count for nothing, as on Linux); the layout from the caller's
/// personality and stack limit (`from`) once exec has adjusted them. On failure the space
/// may hold part of the program; the caller drops it (which frees everything).
pub fn load(aspace: &Arc<AddressSpace>, walker: &mut Walker, start: &PathRef, path: &[u8], args: &[&[u8]], env: &[&[u8]], from: LayoutFrom) -> Result<Loaded, LoadError> {
    let mut path: Vec<u8> = trycopy::to_vec(path)?;
    let mut argv: Vec<Vec<u8>> = Vec::new();
    no_mem(crate::mm::inject::fallible(|| argv.try_reserve(args.len() + 2)))?;
    for a in args {
        argv.push(trycopy::to_vec(a)?);
    }
    let execfn: Vec<u8> = trycopy::to_vec(&path)?;
    let mut depth = 0;
    loop {
        let at = walker.walk(start, &path, true)?;
        let inode = at.inode.clone();
        if !inode.is_regular() {
            return Err(Errno::EACCES.into());
        }
        inode.permission(walker.cred(), MAY_EXEC)?;
        let obj = inode.object().ok_or(Errno::EACCES)?;
        let head = read_head(obj, PAGE_SIZE as usize)?;
        if let Some((interp, arg)) = parse_script(&head)? {
            depth += 1;
            if depth > MAX_INTERP_DEPTH {
                return Err(Errno::ELOOP.into());
            }
            // argv becomes: interpreter, its argument, the script's path, argv[1..].
            let mut next = Vec::new();
            no_mem(crate::mm::inject::fallible(|| next.try_reserve(argv.len() + 2)))?;
            next.push(trycopy::to_vec(&interp)?);
            next.extend(arg);
            next.push(trycopy::to_vec(&path)?);
            next.extend(argv.drain(..).skip(1));
            argv = next;
            path = interp;
            continue;
        }
        let size = obj.size();
        let plan = match plan_head(&head) {
            Err(ExecError::ProgramHeadersPastEnd) if size > head.len() as u64 => {
                let more = read_head(obj, PAGE_SIZE as usize + MAX_PHDR_TABLE)?;
                plan_head(&more)
            }
            other => other,
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(ExecError::Interpreter { offset, len }) => {
                return Err(check_interpreter(obj, offset, len, walker, start).into());
            }
            Err(e) if e.after_point_of_no_return() => return Err(LoadError::Fatal(e)),
            Err(e) => return Err(Errno::from(e).into()),
        };
        let st = inode.stat();
        let creds = crate::proc::cred::for_exec(walker.cred(), vmcore::setid::FileOwner { uid: st.uid, gid: st.gid, mode: st.mode })?;
        let personality = vmcore::setid::exec_personality(from.personality, creds.outcome.per_clear);
        let stack_limit = vmcore::setid::exec_stack_limit(from.stack_limit, creds.outcome.secure);
        let layout = crate::proc::aslr::input(personality, stack_limit);
        let (dir, name) = walker.take_last().ok_or(Errno::EACCES)?;
        let exe = crate::fs::namei::path_in(&dir, &name, walker.root())?;
        let shown = trycopy::lossy_string(&exe)?;
        let object: Arc<dyn FileObject> = MappedFile::new(inode.clone(), shown)?;
        for seg in &plan.segments {
            let req = MapRequest::anonymous(seg.pages, seg.flags).backed_by(seg.backing(object.clone())).fixed(seg.start);
            aspace.map(req)?;
        }
        let refs: Vec<&[u8]> = trycopy::collect(argv.iter().map(Vec::as_slice))?;
        let image = build_image(aspace, &plan, &refs, env, &execfn, layout, &creds.outcome)?;
        let exe = crate::mm::inject::fallible(|| Arc::try_new(exe)).map_err(|_| Errno::ENOMEM)?;
        return Ok(Loaded { image, exe, creds, personality });
    }
}

/// The stack, heap and start-up data of a mapped program, placed (and randomized) as Linux
/// does ([`vmcore::aslr`]); the `mmap` layout is set for the new space. The auxiliary vector's
/// ids and `AT_SECURE` are those of `creds`, the credentials the program runs with.
fn build_image(aspace: &Arc<AddressSpace>, plan: &vmcore::exec::ExecPlan, args: &[&[u8]], env: &[&[u8]], execfn: &[u8], input: vmcore::aslr::LayoutInput, creds: &vmcore::setid::ExecCreds) -> Result<Image, Errno> {
    let at = vmcore::aslr::plan(input, crate::proc::aslr::draws(), plan.brk_start.as_u32());
    let stack_flags = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC | VmFlags::GROWSDOWN;
    let stack_start = Page::new(VirtAddr::new(at.stack_end - STACK_PAGES * PAGE_SIZE));
    aspace.map(MapRequest::anonymous(STACK_PAGES, stack_flags).fixed(stack_start).named(VmaName::Stack))?;
    aspace.init_heap(Page::containing(VirtAddr::new(at.brk_start)))?;
    aspace.edit(|s, _, _| (s.set_placement(at.mmap_base, at.top_down), None));

    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let mut aux = AuxInput::from_plan(plan, random);
    // Linux's ELF_HWCAP on i386: CPUID leaf 1's EDX.
    aux.hwcap = cpu::cpuid(1, 0).3;
    aux.execfn = Some(execfn);
    aux.platform = Some(b"i686");
    let ids = &creds.ids;
    aux.ids = [ids.uid[vmcore::setid::REAL], ids.uid[vmcore::setid::EFFECTIVE], ids.gid[vmcore::setid::REAL], ids.gid[vmcore::setid::EFFECTIVE]];
    aux.secure = creds.secure;
    let image = build_stack(VirtAddr::new(at.stack_top), args, env, &aux).map_err(Errno::from)?;
    aspace.poke(image.sp, &image.bytes)?;
    let brk_start = if at.brk_start == plan.brk_start.align_up(PAGE_SIZE).map_or(0, VirtAddr::as_u32) { plan.brk_start.as_u32() } else { at.brk_start };
    aspace.set_exec_layout(layout(plan, &image, brk_start));
    Ok(Image { entry: plan.entry.as_u32(), sp: image.sp.as_u32() })
}

/// Linux's `mm_struct` addresses of the image: text and data from the executable and the
/// writable segments, brk, the start stack, the argument and environment strings.
fn layout(plan: &vmcore::exec::ExecPlan, image: &vmcore::exec::StackImage, brk_start: u32) -> crate::mm::aspace::ExecLayout {
    let span = |want_exec: bool| {
        plan.segments
            .iter()
            .filter(|s| s.flags.contains(VmFlags::EXEC) == want_exec && (want_exec || s.flags.contains(VmFlags::WRITE)))
            .map(|s| (s.start.start().as_u32(), s.start.start().as_u32() + s.pages * PAGE_SIZE))
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            .unwrap_or((0, 0))
    };
    crate::mm::aspace::ExecLayout {
        code: span(true),
        data: span(false),
        brk_start,
        stack_start: image.sp.as_u32(),
        args: (image.arg_strings.0.as_u32(), image.arg_strings.1.as_u32()),
        env: (image.env_strings.0.as_u32(), image.env_strings.1.as_u32()),
    }
}

/// Most bytes of argument and environment strings together (NULs included) that execve reads:
/// what the start stack can hold (`MAX_STACK_IMAGE`). Counting while reading keeps the kernel
/// heap from holding more than that for one execve.
pub const MAX_ARG_BYTES: usize = vmcore::exec::MAX_STACK_IMAGE;

/// Reads a NULL-terminated array of string pointers from user memory. `budget` is the number
/// of string bytes (NULs included) still allowed: E2BIG beyond, before more is copied.
pub fn read_string_array(ptr: crate::syscall::uptr::UserPtr<u32>, budget: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if ptr.is_null() {
        return Ok(out);
    }
    for i in 0..=MAX_ARGS as u32 {
        let p = ptr.add(i)?.read()?;
        if p == 0 {
            return Ok(out);
        }
        if *budget == 0 {
            return Err(Errno::E2BIG);
        }
        let max = (*budget - 1).min(128 * 1024);
        let s = crate::syscall::uptr::UserPtr::<u8>::new(p).read_cstr(max).map_err(|e| {
            if e == Errno::ENAMETOOLONG { Errno::E2BIG } else { e }
        })?;
        *budget -= s.len() + 1;
        trycopy::push(&mut out, s)?;
    }
    Err(Errno::E2BIG)
}
