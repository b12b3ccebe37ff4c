//! The x87/SSE register state as Linux i386 lays it out, without the hardware: the initial
//! images (Linux's `fpstate_init_fxstate`/`fpstate_init_fstate`), the SIGFPE `si_code` of a
//! floating-point exception (Linux's `fpu__exception_code`), and the conversion between the
//! CPU's FXSAVE image and the `struct _fpstate_32` a signal frame carries (Linux's
//! `convert_from_fxsr`/`convert_to_fxsr` and `__fpu_restore_sig`'s MXCSR sanitising).
//!
//! The kernel's `arch::fpu` executes FXSAVE/FXRSTOR (FSAVE/FRSTOR without FXSR) and hands the
//! byte images to these functions.
//!
//! Layouts (Intel SDM vol. 1, 10.5.1 and 8.1.10; Linux `asm/fpu/types.h`, `uapi/asm/sigcontext.h`):
//!
//! ```text
//! FXSAVE (512 bytes)                       FSAVE, 32-bit (108) = user_i387_ia32_struct
//!   0 FCW u16   2 FSW u16                    0 FCW u32   4 FSW u32   8 FTW u32 (full tags)
//!   4 FTW u8 (abridged: 1 bit/register)     12 FIP u32  16 FCS u16 | FOP << 16
//!   6 FOP u16   8 FIP u32  12 FCS u32       20 FOO u32  24 FOS u32
//!  16 FOO u32  20 FOS u32                   28 ST0..ST7, 10 bytes each
//!  24 MXCSR u32  28 MXCSR_MASK u32
//!  32 ST0..ST7, 16 bytes each (10 used)    _fpstate_32 (624 bytes with FXSR):
//! 160 XMM0..XMM7, 16 bytes each              0 the FSAVE-format environment and registers
//! 464 48 bytes for software (sw_reserved)  108 status u16 (FSW)  110 magic u16 (0: FXSR data)
//!                                          112 the FXSAVE image
//! ```

use abi::signal::{FPE_FLTDIV, FPE_FLTINV, FPE_FLTOVF, FPE_FLTRES, FPE_FLTUND, FPE_INTDIV};

/// Bytes of an FXSAVE image.
pub const FXSAVE_SIZE: usize = 512;
/// Bytes of an FSAVE image in 32-bit protected mode.
pub const FSAVE_SIZE: usize = 108;
/// Bytes of Linux's `struct fregs_state`: the FSAVE image plus `status` (and `magic`). It is
/// the legacy header of `_fpstate_32`, and the whole of it on a CPU without FXSR.
pub const LEGACY_SIZE: usize = 112;
/// Bytes of `struct _fpstate_32` on a CPU with FXSR (and no XSAVE): header, FXSAVE image.
pub const FPSTATE_FX_SIZE: usize = LEGACY_SIZE + FXSAVE_SIZE;

/// The x87 control word after FNINIT: every exception masked, 64-bit precision, round to nearest.
pub const FCW_DEFAULT: u16 = 0x037f;
/// MXCSR at reset and for a new process: every exception masked, round to nearest.
pub const MXCSR_DEFAULT: u32 = 0x1f80;
/// The MXCSR mask to assume when FXSAVE reports 0 (processors before MXCSR_MASK): DAZ
/// (bit 6) unsupported (Intel SDM vol. 1, 11.6.6).
pub const MXCSR_MASK_DEFAULT: u32 = 0xffbf;
/// `_fpstate_32.magic` when an FXSAVE image follows the header (`X86_FXSR_MAGIC`).
pub const FXSR_MAGIC: u16 = 0x0000;
/// `_fpx_sw_bytes.magic1` (`FP_XSTATE_MAGIC1`), written in the image's software bytes.
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
/// `FP_XSTATE_MAGIC2_SIZE`: counted in `_fpx_sw_bytes.extended_size`.
const FP_XSTATE_MAGIC2_SIZE: u32 = 4;

/// Offsets in the FXSAVE image.
mod fx {
    pub const CWD: usize = 0;
    pub const SWD: usize = 2;
    pub const TWD: usize = 4;
    pub const FOP: usize = 6;
    pub const FIP: usize = 8;
    pub const FCS: usize = 12;
    pub const FOO: usize = 16;
    pub const FOS: usize = 20;
    pub const MXCSR: usize = 24;
    pub const MXCSR_MASK: usize = 28;
    pub const ST: usize = 32;
    pub const SW_RESERVED: usize = 464;
}

/// Offsets in the FSAVE image (`user_i387_ia32_struct`, `struct fregs_state`).
mod fs {
    pub const CWD: usize = 0;
    pub const SWD: usize = 4;
    pub const TWD: usize = 8;
    pub const FIP: usize = 12;
    pub const FCS: usize = 16;
    pub const FOO: usize = 20;
    pub const FOS: usize = 24;
    pub const ST: usize = 28;
    pub const STATUS: usize = 108;
    pub const MAGIC: usize = 110;
}

fn get16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn get32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Fills `img` with the state a new process starts with on a CPU with FXSR: FCW 0x037F,
/// MXCSR 0x1F80, every register empty and zero (Linux's `fpstate_init_fxstate`).
pub fn init_fxsave(img: &mut [u8; FXSAVE_SIZE]) {
    img.fill(0);
    put16(img, fx::CWD, FCW_DEFAULT);
    put32(img, fx::MXCSR, MXCSR_DEFAULT);
}

/// Fills `img` with the initial state in FSAVE format (Linux's `fpstate_init_fstate`).
pub fn init_fsave(img: &mut [u8; FSAVE_SIZE]) {
    img.fill(0);
    put32(img, fs::CWD, 0xffff_0000 | FCW_DEFAULT as u32);
    put32(img, fs::SWD, 0xffff_0000);
    put32(img, fs::TWD, 0xffff_ffff);
    put32(img, fs::FOS, 0xffff_0000);
}

/// The x87 control word of an FXSAVE image.
pub fn fx_cwd(img: &[u8; FXSAVE_SIZE]) -> u16 {
    get16(img, fx::CWD)
}

/// The x87 status word of an FXSAVE image.
pub fn fx_swd(img: &[u8; FXSAVE_SIZE]) -> u16 {
    get16(img, fx::SWD)
}

/// MXCSR of an FXSAVE image.
pub fn fx_mxcsr(img: &[u8; FXSAVE_SIZE]) -> u32 {
    get32(img, fx::MXCSR)
}

/// The MXCSR bits this CPU supports, from an FXSAVE image it wrote (0 there means the
/// default mask).
pub fn fx_mxcsr_mask(img: &[u8; FXSAVE_SIZE]) -> u32 {
    match get32(img, fx::MXCSR_MASK) {
        0 => MXCSR_MASK_DEFAULT,
        m => m,
    }
}

/// The x87 control word of an FSAVE image.
pub fn fsave_cwd(img: &[u8; FSAVE_SIZE]) -> u16 {
    get32(img, fs::CWD) as u16
}

/// The x87 status word of an FSAVE image.
pub fn fsave_swd(img: &[u8; FSAVE_SIZE]) -> u16 {
    get32(img, fs::SWD) as u16
}

/// The `si_code` of a SIGFPE (asm-generic/siginfo.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum FpeCode {
    /// Integer divide by zero (#DE).
    IntDiv = FPE_INTDIV,
    /// Floating-point divide by zero.
    FltDiv = FPE_FLTDIV,
    /// Floating-point overflow.
    FltOvf = FPE_FLTOVF,
    /// Floating-point underflow or denormal operand.
    FltUnd = FPE_FLTUND,
    /// Floating-point inexact result.
    FltRes = FPE_FLTRES,
    /// Invalid floating-point operation (x87 stack faults included).
    FltInv = FPE_FLTINV,
}

impl FpeCode {
    /// The value for `siginfo.si_code`.
    pub const fn si_code(self) -> i32 {
        self as i32
    }

    /// The constant's name, `"FPE_FLTDIV"`.
    pub const fn name(self) -> &'static str {
        match self {
            FpeCode::IntDiv => "FPE_INTDIV",
            FpeCode::FltDiv => "FPE_FLTDIV",
            FpeCode::FltOvf => "FPE_FLTOVF",
            FpeCode::FltUnd => "FPE_FLTUND",
            FpeCode::FltRes => "FPE_FLTRES",
            FpeCode::FltInv => "FPE_FLTINV",
        }
    }
}

/// Which floating-point exception was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpException {
    /// #MF (vector 16): an unmasked x87 exception, found in FSW and masked by FCW.
    X87 {
        /// The control word.
        cwd: u16,
        /// The status word.
        swd: u16,
    },
    /// #XM (vector 19): an unmasked SSE exception, found in MXCSR (flags in bits 0..5, masks
    /// in bits 7..12).
    Simd {
        /// MXCSR.
        mxcsr: u32,
    },
}

/// The `si_code` Linux gives a floating-point exception (`fpu__exception_code`): the first of
/// invalid, divide by zero, overflow, underflow/denormal, precision among the raised flags
/// that are not masked. `None` when no unmasked flag is raised: a spurious exception, after
/// which Linux returns to the program without a signal.
pub fn exception_code(e: FpException) -> Option<FpeCode> {
    let err = match e {
        FpException::X87 { cwd, swd } => swd & !cwd,
        FpException::Simd { mxcsr } => (!(mxcsr >> 7) & mxcsr) as u16,
    };
    if err & 0x001 != 0 {
        Some(FpeCode::FltInv)
    } else if err & 0x004 != 0 {
        Some(FpeCode::FltDiv)
    } else if err & 0x008 != 0 {
        Some(FpeCode::FltOvf)
    } else if err & 0x012 != 0 {
        Some(FpeCode::FltUnd)
    } else if err & 0x020 != 0 {
        Some(FpeCode::FltRes)
    } else {
        None
    }
}

/// The full x87 tag word (2 bits per physical register: 0 valid, 1 zero, 2 special, 3 empty)
/// from an FXSAVE image's abridged one and its registers (Linux's `twd_fxsr_to_i387`; the
/// upper 16 bits are set, as Linux returns them).
pub fn twd_fxsr_to_i387(img: &[u8; FXSAVE_SIZE]) -> u32 {
    let top = (get16(img, fx::SWD) >> 11) & 7;
    let abridged = img[fx::TWD];
    let mut ret = 0xffff_0000u32;
    for i in 0..8u16 {
        let tag = if abridged & (1 << i) != 0 {
            // Physical register i is ST((i - top) mod 8) in the image.
            let st = fx::ST + (((i + 8 - top) & 7) as usize) * 16;
            let exponent = get16(img, st + 8) & 0x7fff;
            let significand_zero = img[st..st + 8].iter().all(|&b| b == 0);
            let integer_bit = img[st + 7] & 0x80 != 0;
            match exponent {
                0x7fff => 2,
                0 if significand_zero => 1,
                0 => 2,
                _ if integer_bit => 0,
                _ => 2,
            }
        } else {
            3
        };
        ret |= tag << (2 * i);
    }
    ret
}

/// The abridged tag byte (1 = not empty) from a full tag word (Linux's `twd_i387_to_fxsr`).
pub fn twd_i387_to_fxsr(twd: u16) -> u16 {
    let mut tmp = !(twd as u32);
    tmp = (tmp | (tmp >> 1)) & 0x5555;
    tmp = (tmp | (tmp >> 1)) & 0x3333;
    tmp = (tmp | (tmp >> 2)) & 0x0f0f;
    tmp = (tmp | (tmp >> 4)) & 0x00ff;
    tmp as u16
}

/// Writes the `_fpstate_32` of a signal frame from an FXSAVE image, as Linux i386 does with
/// FXSR and without XSAVE: the FSAVE-format header converted from the image
/// (`convert_from_fxsr`), `status` = FSW, `magic` = 0, then the image itself, with the
/// software bytes (`_fpx_sw_bytes`) filled in by `save_xstate_epilog`.
pub fn fxsave_to_fpstate(img: &[u8; FXSAVE_SIZE], out: &mut [u8; FPSTATE_FX_SIZE]) {
    let (head, image) = out.split_at_mut(LEGACY_SIZE);
    put32(head, fs::CWD, 0xffff_0000 | get16(img, fx::CWD) as u32);
    put32(head, fs::SWD, 0xffff_0000 | get16(img, fx::SWD) as u32);
    put32(head, fs::TWD, twd_fxsr_to_i387(img));
    put32(head, fs::FIP, get32(img, fx::FIP));
    put32(head, fs::FCS, get16(img, fx::FCS) as u32 | (get16(img, fx::FOP) as u32) << 16);
    put32(head, fs::FOO, get32(img, fx::FOO));
    put32(head, fs::FOS, get32(img, fx::FOS));
    for i in 0..8 {
        head[fs::ST + 10 * i..fs::ST + 10 * i + 10].copy_from_slice(&img[fx::ST + 16 * i..fx::ST + 16 * i + 10]);
    }
    put16(head, fs::STATUS, get16(img, fx::SWD));
    put16(head, fs::MAGIC, FXSR_MAGIC);
    image.copy_from_slice(img);
    // struct _fpx_sw_bytes { magic1, extended_size, xfeatures (u64), xstate_size, padding[7] }:
    // Linux writes it on every FXSR CPU; without XSAVE its xfeatures are 0 and no magic2 follows.
    let sw = &mut image[fx::SW_RESERVED..];
    sw.fill(0);
    put32(sw, 0, FP_XSTATE_MAGIC1);
    put32(sw, 4, FXSAVE_SIZE as u32 + FP_XSTATE_MAGIC2_SIZE + LEGACY_SIZE as u32);
    put32(sw, 16, FXSAVE_SIZE as u32);
}

/// The FXSAVE image to load from a signal frame's `_fpstate_32`, as Linux i386's
/// `__fpu_restore_sig` builds it: the frame's image with MXCSR masked by the CPU's
/// `mxcsr_mask` (FXRSTOR of a reserved bit would #GP), then the legacy header folded in —
/// its control, status and tag words, pointers and registers win over the image's
/// (`convert_to_fxsr`).
pub fn fpstate_to_fxsave(frame: &[u8; FPSTATE_FX_SIZE], mxcsr_mask: u32, img: &mut [u8; FXSAVE_SIZE]) {
    let (head, image) = frame.split_at(LEGACY_SIZE);
    img.copy_from_slice(image);
    let mxcsr = get32(img, fx::MXCSR) & mxcsr_mask;
    put32(img, fx::MXCSR, mxcsr);
    put16(img, fx::CWD, get32(head, fs::CWD) as u16);
    put16(img, fx::SWD, get32(head, fs::SWD) as u16);
    put16(img, fx::TWD, twd_i387_to_fxsr(get32(head, fs::TWD) as u16));
    let fcs = get32(head, fs::FCS);
    put16(img, fx::FOP, (fcs >> 16) as u16);
    put32(img, fx::FIP, get32(head, fs::FIP));
    put32(img, fx::FCS, fcs & 0xffff);
    put32(img, fx::FOO, get32(head, fs::FOO));
    put32(img, fx::FOS, get32(head, fs::FOS));
    for i in 0..8 {
        img[fx::ST + 16 * i..fx::ST + 16 * i + 10].copy_from_slice(&head[fs::ST + 10 * i..fs::ST + 10 * i + 10]);
    }
}

/// Writes the `_fpstate_32` of a signal frame on a CPU without FXSR (`struct fregs_state`):
/// the FSAVE image, then `status` (a 32-bit field over `status` and `magic`) = the image's
/// FSW doubleword, as Linux's `save_fsave_header` copies it.
pub fn fsave_to_fpstate(img: &[u8; FSAVE_SIZE], out: &mut [u8; LEGACY_SIZE]) {
    out[..FSAVE_SIZE].copy_from_slice(img);
    put32(out, fs::STATUS, get32(img, fs::SWD));
}

/// The FSAVE image to load from a signal frame on a CPU without FXSR: its first 108 bytes
/// (Linux restores `struct fregs_state` with FRSTOR as it is).
pub fn fpstate_to_fsave(frame: &[u8; LEGACY_SIZE], img: &mut [u8; FSAVE_SIZE]) {
    img.copy_from_slice(&frame[..FSAVE_SIZE]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ONE: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]; // 1.0
    const NAN: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x7f];
    const DENORMAL: [u8; 10] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const UNNORMAL: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0x40, 0xff, 0x3f];

    #[test]
    fn initial_images_are_linuxs() {
        let mut f = [0xaau8; FXSAVE_SIZE];
        init_fxsave(&mut f);
        assert_eq!(fx_cwd(&f), 0x037f);
        assert_eq!(fx_swd(&f), 0);
        assert_eq!(fx_mxcsr(&f), 0x1f80);
        assert!(f.iter().enumerate().all(|(i, &b)| b == 0 || i < 2 || (24..26).contains(&i)));
        let mut s = [0xaau8; FSAVE_SIZE];
        init_fsave(&mut s);
        assert_eq!(get32(&s, 0), 0xffff_037f);
        assert_eq!(get32(&s, 4), 0xffff_0000);
        assert_eq!(get32(&s, 8), 0xffff_ffff);
        assert_eq!(get32(&s, 24), 0xffff_0000);
        assert_eq!(fsave_cwd(&s), 0x037f);
        assert_eq!(fsave_swd(&s), 0);
        assert!(s[28..].iter().all(|&b| b == 0));
    }

    #[test]
    fn x87_exception_codes() {
        let x87 = |cwd, swd| exception_code(FpException::X87 { cwd, swd });
        // Masked flags give no signal (spurious); unmasked ones in Linux's priority order.
        assert_eq!(x87(0x037f, 0x0004), None);
        assert_eq!(x87(0x037b, 0x0084), Some(FpeCode::FltDiv)); // ZM clear, ZE + ES
        assert_eq!(x87(0x0372, 0x00a5), Some(FpeCode::FltInv)); // IE first
        assert_eq!(x87(0x0377, 0x0028), Some(FpeCode::FltOvf));
        assert_eq!(x87(0x036f, 0x0010), Some(FpeCode::FltUnd)); // UE
        assert_eq!(x87(0x037d, 0x0002), Some(FpeCode::FltUnd)); // DE (denormal)
        assert_eq!(x87(0x035f, 0x0020), Some(FpeCode::FltRes));
        assert_eq!(x87(0x037e, 0x0241), Some(FpeCode::FltInv)); // stack overflow (SF, C1)
        assert_eq!(x87(0x0000, 0x0000), None);
    }

    #[test]
    fn simd_exception_codes() {
        let simd = |mxcsr| exception_code(FpException::Simd { mxcsr });
        assert_eq!(simd(0x1f80), None);
        assert_eq!(simd(0x1f84), None); // ZE raised but masked
        assert_eq!(simd(0x1d84), Some(FpeCode::FltDiv)); // ZM clear
        assert_eq!(simd(0x1d80), None);
        assert_eq!(simd(0x1e01), Some(FpeCode::FltInv));
        assert_eq!(simd(0x1b88), Some(FpeCode::FltOvf));
        assert_eq!(simd(0x1790), Some(FpeCode::FltUnd));
        assert_eq!(simd(0x1e82), Some(FpeCode::FltUnd)); // DE
        assert_eq!(simd(0x0fa0), Some(FpeCode::FltRes));
        assert_eq!(simd(0x3f), Some(FpeCode::FltInv)); // every mask clear
        assert_eq!(FpeCode::FltDiv.si_code(), 3);
        assert_eq!(FpeCode::FltDiv.name(), "FPE_FLTDIV");
        assert_eq!(FpeCode::IntDiv.si_code(), 1);
    }

    /// An image with TOP = `top` and ST(i) = `regs[i]` (None: empty).
    fn image(top: u16, regs: [Option<[u8; 10]>; 8]) -> [u8; FXSAVE_SIZE] {
        let mut f = [0u8; FXSAVE_SIZE];
        init_fxsave(&mut f);
        put16(&mut f, fx::SWD, top << 11);
        for (i, r) in regs.iter().enumerate() {
            if let Some(r) = r {
                f[fx::ST + 16 * i..fx::ST + 16 * i + 10].copy_from_slice(r);
                f[fx::TWD] |= 1 << ((i as u16 + top) & 7);
            }
        }
        f
    }

    #[test]
    fn tag_word_classifies_registers() {
        let mut f = [0u8; FXSAVE_SIZE];
        init_fxsave(&mut f);
        assert_eq!(twd_fxsr_to_i387(&f), 0xffff_ffff);
        // After fld1 on an empty stack TOP is 7 and ST(0) is physical register 7.
        let f = image(7, [Some(ONE), None, None, None, None, None, None, None]);
        assert_eq!(twd_fxsr_to_i387(&f), 0xffff_3fff);
        let f = image(5, [Some(ONE), Some([0; 10]), Some(NAN), None, None, None, None, None]);
        // Physical 5 = ST0 valid (0), 6 = ST1 zero (1), 7 = ST2 special (2).
        assert_eq!(twd_fxsr_to_i387(&f), 0xffff_0000 | 0x03ff | (1 << 12) | (2 << 14)); // physical 5: 0 (valid)
        let f = image(0, [Some(DENORMAL), Some(UNNORMAL), None, None, None, None, None, None]);
        assert_eq!(twd_fxsr_to_i387(&f), 0xffff_fff0 | 2 | (2 << 2));
        assert_eq!(twd_i387_to_fxsr(0xffff), 0);
        assert_eq!(twd_i387_to_fxsr(0x3fff), 0x80);
        assert_eq!(twd_i387_to_fxsr(0x0000), 0xff);
        assert_eq!(twd_i387_to_fxsr(0xfff6), 0x03);
    }

    #[test]
    fn signal_frame_layout() {
        let mut f = image(7, [Some(ONE), None, None, None, None, None, None, None]);
        put16(&mut f, fx::CWD, 0x027f);
        put16(&mut f, fx::SWD, 0x3884);
        put16(&mut f, fx::FOP, 0x05e9);
        put32(&mut f, fx::FIP, 0x0804_9000);
        put32(&mut f, fx::FCS, 0x0073);
        put32(&mut f, fx::FOO, 0x0805_0000);
        put32(&mut f, fx::FOS, 0x007b);
        put32(&mut f, fx::MXCSR, 0x1d84);
        put32(&mut f, fx::MXCSR_MASK, 0xffff);
        let mut out = [0x55u8; FPSTATE_FX_SIZE];
        fxsave_to_fpstate(&f, &mut out);
        assert_eq!(get32(&out, 0), 0xffff_027f);
        assert_eq!(get32(&out, 4), 0xffff_3884);
        assert_eq!(get32(&out, 8), 0xffff_3fff);
        assert_eq!(get32(&out, 12), 0x0804_9000);
        assert_eq!(get32(&out, 16), 0x05e9_0073);
        assert_eq!(get32(&out, 20), 0x0805_0000);
        assert_eq!(get32(&out, 24), 0x007b);
        assert_eq!(&out[28..38], &ONE);
        assert_eq!(get16(&out, 0x6c), 0x3884);
        assert_eq!(get16(&out, 0x6e), 0x0000);
        assert_eq!(&out[112..112 + 464], &f[..464]);
        assert_eq!(get32(&out, 112 + 24), 0x1d84);
        assert_eq!(get32(&out, 112 + 464), 0x4650_5853);
        assert_eq!(get32(&out, 112 + 468), 628);
        assert_eq!(get32(&out, 112 + 480), 512);
        // Reserved MXCSR bits are masked off on the way back.
        put32(&mut out, 112 + 24, 0xffff_1d84);
        let mut back = [0u8; FXSAVE_SIZE];
        fpstate_to_fxsave(&out, 0xffbf, &mut back);
        assert_eq!(fx_mxcsr(&back), 0x1d84 & 0xffbf);
        // The legacy header wins over the image.
        put32(&mut out, 0, 0x037f);
        put32(&mut out, 112, 0x1234_0000);
        fpstate_to_fxsave(&out, 0xffff, &mut back);
        assert_eq!(fx_cwd(&back), 0x037f);
        assert_eq!(back[fx::TWD], 0x80);
    }

    /// The frame Linux 6.1-686 wrote (QEMU's default CPU: FXSR, no XSAVE) for a SIGUSR1
    /// raised with FCW 0x027F, MXCSR 0x1D80 and 1.0 loaded (a glibc program dumping
    /// `uc_mcontext.fpregs`): the header and the software bytes, byte for byte.
    #[test]
    fn signal_frame_matches_linux() {
        let mut f = image(7, [Some(ONE), None, None, None, None, None, None, None]);
        put16(&mut f, fx::CWD, 0x027f);
        put32(&mut f, fx::MXCSR, 0x1d80);
        put32(&mut f, fx::MXCSR_MASK, 0xffff);
        let mut out = [0u8; FPSTATE_FX_SIZE];
        fxsave_to_fpstate(&f, &mut out);
        let mut head = [0u8; LEGACY_SIZE];
        head[..12].copy_from_slice(&[0x7f, 0x02, 0xff, 0xff, 0x00, 0x38, 0xff, 0xff, 0xff, 0x3f, 0xff, 0xff]);
        head[28..38].copy_from_slice(&ONE);
        head[0x6c..0x70].copy_from_slice(&[0x00, 0x38, 0x00, 0x00]);
        assert_eq!(&out[..LEGACY_SIZE], &head[..]);
        assert_eq!(&out[112..120], &[0x7f, 0x02, 0x00, 0x38, 0x80, 0x00, 0x00, 0x00]);
        assert_eq!(&out[112 + 24..112 + 32], &[0x80, 0x1d, 0, 0, 0xff, 0xff, 0, 0]);
        let sw: [u8; 24] = [0x53, 0x58, 0x50, 0x46, 0x74, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0, 0, 0, 0, 0, 0];
        assert_eq!(&out[112 + 464..112 + 488], &sw);
        assert!(out[112 + 488..].iter().all(|&b| b == 0));
    }

    #[test]
    fn fsave_frame_keeps_the_image() {
        let mut s = [0u8; FSAVE_SIZE];
        init_fsave(&mut s);
        put32(&mut s, fs::SWD, 0x0000_3800);
        let mut out = [0xaau8; LEGACY_SIZE];
        fsave_to_fpstate(&s, &mut out);
        assert_eq!(&out[..FSAVE_SIZE], &s[..]);
        assert_eq!(get32(&out, 108), 0x3800);
        let mut back = [0u8; FSAVE_SIZE];
        fpstate_to_fsave(&out, &mut back);
        assert_eq!(back, s);
    }

    proptest! {
        /// An FXSAVE image survives the trip through a signal frame, except for the software
        /// bytes (which FXRSTOR ignores) and the bits no FXSAVE writes (the reserved halves
        /// of the tag and segment fields).
        #[test]
        fn fxsave_round_trips_through_the_frame(bytes in proptest::collection::vec(any::<u8>(), FXSAVE_SIZE), tags in any::<u8>()) {
            let mut f = [0u8; FXSAVE_SIZE];
            f.copy_from_slice(&bytes);
            f[fx::TWD] = tags;
            f[fx::TWD + 1] = 0;
            put16(&mut f, fx::FCS + 2, 0);
            let mxcsr = get32(&f, fx::MXCSR) & 0xffbf;
            put32(&mut f, fx::MXCSR, mxcsr);
            let mut frame = [0u8; FPSTATE_FX_SIZE];
            fxsave_to_fpstate(&f, &mut frame);
            let mut back = [0u8; FXSAVE_SIZE];
            fpstate_to_fxsave(&frame, 0xffbf, &mut back);
            prop_assert_eq!(&back[..fx::SW_RESERVED], &f[..fx::SW_RESERVED]);
            prop_assert_eq!(twd_i387_to_fxsr(twd_fxsr_to_i387(&f) as u16), tags as u16);
        }
    }
}
