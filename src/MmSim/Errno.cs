namespace MmSim;

/// <summary>The kernel's errno values (include/uapi/asm-generic/errno-base.h), as the simulator reports them.</summary>
public enum Errno
{
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
    EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16,
    EEXIST = 17, EINVAL = 22, ENOSPC = 28, EOVERFLOW = 75, EHWPOISON = 133,
}
