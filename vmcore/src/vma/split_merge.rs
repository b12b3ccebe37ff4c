//! Splitting one VMA in two and merging two adjacent VMAs into one.

use super::{same_file, Backing, Vma};
use crate::addr::{Page, PAGE_SHIFT};

/// Why two VMAs cannot be merged (see [`Vma::merge`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeError {
    /// The second area does not start where the first ends.
    NotAdjacent,
    /// The flags differ.
    FlagsDiffer,
    /// The names differ.
    NamesDiffer,
    /// Different kinds of backing, different files, non-contiguous file offsets or physical
    /// addresses, or a zero tail (`limit`) in the first area followed by file data.
    BackingDiffers,
}

impl Vma {
    /// File data bytes the area really covers: `limit` clamped to the length.
    fn file_data(&self) -> u64 {
        match &self.backing {
            Backing::File { limit, .. } => (*limit).min(u64::from(self.len())),
            _ => 0,
        }
    }

    /// Splits the area at `at` into `[start, at)` and `[at, end)`; `None` unless `at` lies
    /// strictly inside. The upper half's file offset (or physical base) advances by the lower
    /// half's length and its `limit` shrinks by the same amount, saturating at 0.
    pub fn split_at(&self, at: Page) -> Option<(Vma, Vma)> {
        if at <= self.start || at >= self.end_page() {
            return None;
        }
        let lower_pages = at.number() - self.start.number();
        let delta = u64::from(lower_pages) << PAGE_SHIFT;
        let (lower_backing, upper_backing) = match &self.backing {
            Backing::Anonymous => (Backing::Anonymous, Backing::Anonymous),
            Backing::File { file, offset, limit } => (
                Backing::File { file: file.clone(), offset: *offset, limit: (*limit).min(delta) },
                Backing::File {
                    file: file.clone(),
                    offset: offset + delta,
                    limit: limit.saturating_sub(delta),
                },
            ),
            Backing::Physical { base } => (
                Backing::Physical { base: *base },
                Backing::Physical {
                    base: base
                        .checked_add(lower_pages << PAGE_SHIFT)
                        .expect("invariant: Vma::new checked the physical range"),
                },
            ),
        };
        let lower = Vma {
            start: self.start,
            pages: lower_pages,
            flags: self.flags,
            backing: lower_backing,
            name: self.name.clone(),
        };
        let upper = Vma {
            start: at,
            pages: self.pages - lower_pages,
            flags: self.flags,
            backing: upper_backing,
            name: self.name.clone(),
        };
        Some((lower, upper))
    }

    /// Whether `next` can be appended to `self` (see [`Vma::merge`]).
    pub fn can_merge_with(&self, next: &Vma) -> bool {
        self.merge_check(next).is_ok()
    }

    /// Checks that `next` can be appended: it starts at `self`'s end, has identical flags and
    /// name, and continues the same backing — both anonymous; the same file (same `Arc` or
    /// same `(dev, ino)`) at the following offset, where `self` is file data to its end or
    /// `next` has none; or the following physical address.
    pub fn merge_check(&self, next: &Vma) -> Result<(), MergeError> {
        if self.end_page() != next.start {
            return Err(MergeError::NotAdjacent);
        }
        if self.flags != next.flags {
            return Err(MergeError::FlagsDiffer);
        }
        if self.name != next.name {
            return Err(MergeError::NamesDiffer);
        }
        let len = u64::from(self.len());
        let continues = match (&self.backing, &next.backing) {
            (Backing::Anonymous, Backing::Anonymous) => true,
            (
                Backing::File { file: a, offset: oa, .. },
                Backing::File { file: b, offset: ob, .. },
            ) => {
                same_file(a, b)
                    && oa.checked_add(len) == Some(*ob)
                    && (self.file_data() == len || next.file_data() == 0)
            }
            (Backing::Physical { base: a }, Backing::Physical { base: b }) => {
                u64::from(a.as_u32()) + len == u64::from(b.as_u32())
            }
            _ => false,
        };
        if continues {
            Ok(())
        } else {
            Err(MergeError::BackingDiffers)
        }
    }

    /// Appends `next` to `self` if [`Vma::merge_check`] allows it; `self` is unchanged
    /// otherwise. The caller drops `next`.
    pub fn merge(&mut self, next: &Vma) -> Result<(), MergeError> {
        self.merge_check(next)?;
        let data = self.file_data() + next.file_data();
        if let Backing::File { limit, .. } = &mut self.backing {
            *limit = data;
        }
        self.pages += next.pages;
        Ok(())
    }
}
