//! The syscalls the kernel probe makes: the only unsafe code in the crate.
//!
//! Each wrapper is safe to call: it passes only values it owns or made
//! itself, and reports failure as an errno or `io::Error`. On systems that
//! are not Linux every call returns `ErrorKind::Unsupported`.
#![allow(unsafe_code)]

use std::io;

/// `munmap(1, 0)`: the kernel takes the mmap write lock (`__vm_munmap` ->
/// `mmap_write_lock_killable`), `do_vmi_munmap` rejects the unaligned start,
/// and the lock is released. Returns the call's result: `Ok(())` on success
/// (never expected), else the errno (EINVAL expected).
#[inline]
pub fn munmap_null() -> Result<(), i32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: munmap with a length of 0 unmaps nothing: the range
        // [1, 1) is empty and the kernel rejects the unaligned address with
        // EINVAL before touching any mapping. No memory of this process
        // changes; no pointer is dereferenced.
        let r = unsafe { libc::munmap(std::ptr::without_provenance_mut(1), 0) };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(0)
    }
}

/// The symbolic name of an errno the probe may see.
pub fn errno_name(e: i32) -> String {
    #[cfg(target_os = "linux")]
    {
        let name = match e {
            libc::EINVAL => "EINVAL",
            libc::ENOMEM => "ENOMEM",
            libc::EPERM => "EPERM",
            libc::EINTR => "EINTR",
            libc::EFAULT => "EFAULT",
            libc::EACCES => "EACCES",
            _ => return format!("errno {e}"),
        };
        name.into()
    }
    #[cfg(not(target_os = "linux"))]
    {
        format!("errno {e}")
    }
}

#[cfg(not(target_os = "linux"))]
fn unsupported() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "the kernel probe needs Linux")
}

/// The page size.
pub fn page_size() -> usize {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf reads a configuration value; no memory is passed.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if n > 0 { n as usize } else { 4096 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        4096
    }
}

/// A private anonymous read-write mapping, unmapped on drop. The probe
/// never reads or writes through it: only its protection changes.
#[derive(Debug)]
pub struct Page {
    addr: usize,
    len: usize,
}

impl Page {
    /// Map one page (one mmap write-lock cycle).
    pub fn map() -> io::Result<Page> {
        Page::map_len(page_size(), false)
    }

    /// Map `len` bytes; with `populate` the kernel faults every page in
    /// (`MAP_POPULATE`, under the mmap lock), and dropping it zaps them all
    /// under the write lock: a long lock hold, for the lock check.
    pub fn map_len(len: usize, populate: bool) -> io::Result<Page> {
        #[cfg(target_os = "linux")]
        {
            let flags = libc::MAP_PRIVATE
                | libc::MAP_ANONYMOUS
                | if populate { libc::MAP_POPULATE } else { 0 };
            // SAFETY: a fresh anonymous private mapping at an address the
            // kernel chooses (NULL hint, no MAP_FIXED), so no existing
            // mapping is replaced; the result is checked for MAP_FAILED.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    flags,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            Ok(Page {
                addr: p as usize,
                len,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (len, populate);
            Err(unsupported())
        }
    }

    /// Set the page read-only or read-write (one write-lock cycle).
    pub fn protect(&self, writable: bool) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let prot = if writable {
                libc::PROT_READ | libc::PROT_WRITE
            } else {
                libc::PROT_READ
            };
            // SAFETY: the range is exactly the page this value mapped and
            // still owns (it is unmapped only in drop); nothing in this
            // process holds a reference into it, so no access can fault.
            let r = unsafe { libc::mprotect(self.addr as *mut libc::c_void, self.len, prot) };
            if r == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = writable;
            Err(unsupported())
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: unmaps exactly the page `map` returned, once (drop
            // runs once); no reference into it exists.
            unsafe {
                libc::munmap(self.addr as *mut libc::c_void, self.len);
            }
        }
    }
}

/// The running kernel's release (`uname -r`), from procfs.
pub fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn munmap_null_fails_with_einval() {
        assert_eq!(munmap_null(), Err(libc::EINVAL));
        assert_eq!(errno_name(libc::EINVAL), "EINVAL");
    }

    #[test]
    fn a_page_maps_toggles_and_unmaps() {
        let p = Page::map().unwrap();
        p.protect(false).unwrap();
        p.protect(true).unwrap();
        drop(p);
    }
}
