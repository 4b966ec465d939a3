// mmdiff: runs an MmSim operation sequence on this machine's real kernel and prints one
// observation line per operation ("<index> <observation>"), in the format that
// tests/MmSim.Differential.Tests/Execution/SimulatorRunner.cs produces for the simulator.
//
// The controller (this process) reads the sequence on stdin and owns no test memory. Each
// simulated process is a real process (a "worker") that serves commands over a pair of FIFOs;
// `fork` makes the worker fork, and the child serves its own FIFO pair. References and pins
// live in the worker that took them: vmsplice() into a pipe (FOLL_GET), io_uring fixed buffers
// (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE), /proc/self/mem writes (FOLL_FORCE).
// Raw syscalls only: no liburing.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define PMD (2UL << 20)
#define PUD (1UL << 30)
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#define MAX_PROCS 64
#define MAX_AREAS 64
#define MAX_REFS 64

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

// ---- worker state (copied into the child at fork, as the kernel copies the mm) ----

struct area { char *base; size_t pages; };
struct ref {
	int kind;                 // 0 unused, 1 vmsplice pipe, 2 io_uring fixed buffer
	int fd;                   // pipe read end, or the ring
	int pipe_write;           // pipe write end
	int scratch;              // io_uring: the file that READ_FIXED / WRITE_FIXED use
	size_t pages;
	char *buffer;             // io_uring: the registered buffer's user address
	void *sq_ring, *cq_ring, *sqes;
	size_t sq_ring_size, cq_ring_size, sqes_size;
	struct io_uring_params params;
};

static struct area areas[MAX_AREAS];
static struct ref refs[MAX_REFS];
static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_signal;

static void on_fault(int sig)
{
	fault_signal = sig;
	siglongjmp(fault_jump, 1);
}

static void reply(FILE *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

static char *page_address(int a, size_t page) { return areas[a].base + page * PAGE; }

static int parse_prot(const char *s)
{
	if (!strcmp(s, "none")) return PROT_NONE;
	if (!strcmp(s, "r")) return PROT_READ;
	return PROT_READ | PROT_WRITE;
}

static int parse_advice(const char *s)
{
	static const struct { const char *name; int advice; } table[] = {
		{ "dontneed", MADV_DONTNEED }, { "dontfork", MADV_DONTFORK }, { "dofork", MADV_DOFORK },
		{ "wipeonfork", MADV_WIPEONFORK }, { "keeponfork", MADV_KEEPONFORK },
		{ "populate_read", MADV_POPULATE_READ }, { "populate_write", MADV_POPULATE_WRITE },
		{ "pageout", MADV_PAGEOUT }, { "cold", MADV_COLD }, { "hugepage", MADV_HUGEPAGE },
		{ "nohugepage", MADV_NOHUGEPAGE }, { "collapse", MADV_COLLAPSE },
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (!strcmp(s, table[i].name))
			return table[i].advice;
	return -1;
}

// A fresh mapping of `pages` between two PROT_NONE guard pages (MAP_NORESERVE, so they never merge with
// it): areas never touch each other or the driver's own mappings, so where the kernel places those cannot
// make areas merge. A nonzero `align` (2 MiB, or 1 GiB for gigantic hugetlb pages) aligns the start.
static char *map_area(size_t pages, int prot, int flags, int fd, size_t align)
{
	size_t len = pages * PAGE, slack = align, total = len + slack + 2 * PAGE;
	char *reserve = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (reserve == MAP_FAILED)
		return MAP_FAILED;
	char *start = reserve + PAGE;
	if (align)
		start = (char *)(((uintptr_t)start + align - 1) & ~(align - 1));
	if (start - PAGE > reserve)
		munmap(reserve, start - PAGE - reserve);
	if (reserve + total > start + len + PAGE)
		munmap(start + len + PAGE, reserve + total - (start + len + PAGE));
	return mmap(start, len, prot, flags | MAP_FIXED, fd, 0);
}

static void do_mmap(FILE *out, int a, size_t pages, const char *kind)
{
	int fd = -1, flags, thp = 0;
	size_t align = 0;
	if (!strcmp(kind, "anon") || !strcmp(kind, "thp")) {
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		thp = !strcmp(kind, "thp");
		align = thp ? PMD : 0;
	} else if (!strcmp(kind, "hugetlb") || !strcmp(kind, "hugetlb1g") || !strcmp(kind, "sharedhugetlb")) {
		// anonymous hugetlb memory from the pool the test set up (nr_hugepages)
		int gigantic = !strcmp(kind, "hugetlb1g");
		flags = (!strcmp(kind, "sharedhugetlb") ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_HUGETLB | (gigantic ? MAP_HUGE_1GB : 0);
		align = gigantic ? PUD : PMD;
	} else if (!strcmp(kind, "shared")) {
		flags = MAP_SHARED | MAP_ANONYMOUS;
	} else {
		fd = memfd_create("mmdiff", 0);
		if (fd < 0 || ftruncate(fd, pages * PAGE) < 0) { reply(out, "err %d", errno); return; }
		flags = !strcmp(kind, "memfd") ? MAP_PRIVATE : MAP_SHARED;
	}
	char *p = map_area(pages, PROT_READ | PROT_WRITE, flags, fd, align);
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED) { reply(out, "err %d", err); return; }
	if (thp && madvise(p, pages * PAGE, MADV_HUGEPAGE) < 0) { reply(out, "err %d", errno); return; }
	areas[a].base = p;
	areas[a].pages = pages;
	reply(out, "ok");
}

// The CPU's view: a store fills the page, a load reports its byte (or "mixed").
static void do_access(FILE *out, int a, size_t page, int value, int write)
{
	volatile unsigned char *p = (volatile unsigned char *)page_address(a, page);
	if (sigsetjmp(fault_jump, 1)) {
		reply(out, fault_signal == SIGBUS ? "sigbus" : "segv");
		return;
	}
	if (write) {
		for (size_t i = 0; i < PAGE; i++)
			p[i] = (unsigned char)value;
		reply(out, "ok");
		return;
	}
	unsigned char first = p[0];
	for (size_t i = 1; i < PAGE; i++)
		if (p[i] != first) { reply(out, "mixed"); return; }
	reply(out, "v %d", first);
}

static void result(FILE *out, int rc)
{
	if (rc < 0)
		reply(out, "err %d", errno);
	else
		reply(out, "ok");
}

static void do_mremap(FILE *out, int a, size_t page, size_t count, int b)
{
	// a whole 2 MiB or more lands on a 2 MiB boundary, so that both sides can move huge PMDs intact, and a whole
	// 1 GiB on a 1 GiB one, as a 1 GiB hugetlb page must
	size_t len = count * PAGE;
	char *target = map_area(count, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, len >= PUD ? PUD : len >= PMD ? PMD : 0);
	if (target == MAP_FAILED) { reply(out, "err %d", errno); return; }
	char *moved = mremap(page_address(a, page), count * PAGE, count * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	if (moved == MAP_FAILED) {
		int err = errno;
		munmap(target, count * PAGE);
		reply(out, "err %d", err);
		return;
	}
	areas[b].base = moved;
	areas[b].pages = count;
	reply(out, "ok");
}

// ---- references: vmsplice (FOLL_GET) ----

static void do_vmsplice(FILE *out, int a, size_t page, size_t count, int r)
{
	int fds[2];
	if (pipe(fds) < 0) { reply(out, "err %d", errno); return; }
	size_t bytes = count * PAGE, size = PAGE * 16;
	while (size < bytes)
		size <<= 1;
	fcntl(fds[1], F_SETPIPE_SZ, (int)size);
	struct iovec iov = { page_address(a, page), bytes };
	while (iov.iov_len > 0) {
		ssize_t n = vmsplice(fds[1], &iov, 1, 0);
		if (n < 0) {
			int err = errno;
			close(fds[0]);
			close(fds[1]);
			reply(out, "err %d", err);
			return;
		}
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= n;
	}
	refs[r] = (struct ref){ .kind = 1, .fd = fds[0], .pipe_write = fds[1], .pages = count };
	reply(out, "ok");
}

// What the pipe's reader sees: one value per page, as the pages are now.
static void do_drain(FILE *out, int r)
{
	static unsigned char buf[PAGE];
	char line[8 * 1024];
	size_t len = (size_t)snprintf(line, sizeof line, "v");
	for (size_t i = 0; i < refs[r].pages; i++) {
		size_t got = 0;
		while (got < PAGE) {
			ssize_t n = read(refs[r].fd, buf + got, PAGE - got);
			if (n <= 0) { reply(out, "err %d", n < 0 ? errno : EIO); return; }
			got += n;
		}
		int mixed = 0;
		for (size_t j = 1; j < PAGE; j++)
			mixed |= buf[j] != buf[0];
		if (len < sizeof line - 16)
			len += mixed ? (size_t)snprintf(line + len, sizeof line - len, " mixed")
				     : (size_t)snprintf(line + len, sizeof line - len, " %d", buf[0]);
	}
	close(refs[r].fd);
	close(refs[r].pipe_write);
	refs[r].kind = 0;
	reply(out, "%s", line);
}

// ---- pins: io_uring fixed buffers (io_sqe_buffer_register: FOLL_WRITE | FOLL_LONGTERM) ----

// One READ_FIXED or WRITE_FIXED of buffer page `page` against offset 0 of the scratch file.
static int ring_io(struct ref *ring, int opcode, size_t page)
{
	struct io_uring_params *p = &ring->params;
	unsigned *sq_tail = (unsigned *)((char *)ring->sq_ring + p->sq_off.tail);
	unsigned *sq_mask = (unsigned *)((char *)ring->sq_ring + p->sq_off.ring_mask);
	unsigned *sq_array = (unsigned *)((char *)ring->sq_ring + p->sq_off.array);
	unsigned *cq_head = (unsigned *)((char *)ring->cq_ring + p->cq_off.head);
	unsigned *cq_mask = (unsigned *)((char *)ring->cq_ring + p->cq_off.ring_mask);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)((char *)ring->cq_ring + p->cq_off.cqes);
	struct io_uring_sqe *sqe;

	unsigned tail = *sq_tail, index = tail & *sq_mask;
	sqe = &((struct io_uring_sqe *)ring->sqes)[index];
	memset(sqe, 0, sizeof *sqe);
	sqe->opcode = opcode;
	sqe->fd = ring->scratch;
	sqe->addr = (uintptr_t)(ring->buffer + page * PAGE);
	sqe->len = PAGE;
	sqe->buf_index = 0;
	sq_array[index] = index;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	unsigned head = __atomic_load_n(cq_head, __ATOMIC_ACQUIRE);
	int res = cqes[head & *cq_mask].res;
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void ring_close(struct ref *ring)
{
	if (ring->sq_ring && ring->sq_ring != MAP_FAILED) munmap(ring->sq_ring, ring->sq_ring_size);
	if (ring->cq_ring && ring->cq_ring != MAP_FAILED) munmap(ring->cq_ring, ring->cq_ring_size);
	if (ring->sqes && ring->sqes != MAP_FAILED) munmap(ring->sqes, ring->sqes_size);
	if (ring->scratch >= 0) close(ring->scratch);
	close(ring->fd);
	ring->kind = 0;
}

static void do_pin(FILE *out, int a, size_t page, size_t count, int r)
{
	struct ref ring = { .kind = 2, .pages = count, .scratch = -1, .pipe_write = -1,
			    .buffer = page_address(a, page) };
	ring.fd = (int)syscall(__NR_io_uring_setup, 4, &ring.params);
	if (ring.fd < 0) { reply(out, "err %d", errno); return; }
	struct io_uring_params *p = &ring.params;
	ring.sq_ring_size = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	ring.cq_ring_size = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	ring.sqes_size = p->sq_entries * sizeof(struct io_uring_sqe);
	ring.sq_ring = mmap(NULL, ring.sq_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd, IORING_OFF_SQ_RING);
	ring.cq_ring = mmap(NULL, ring.cq_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd, IORING_OFF_CQ_RING);
	ring.sqes = mmap(NULL, ring.sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd, IORING_OFF_SQES);
	ring.scratch = memfd_create("mmdiff-scratch", 0);
	if (ring.sq_ring == MAP_FAILED || ring.cq_ring == MAP_FAILED || ring.sqes == MAP_FAILED || ring.scratch < 0
	    || ftruncate(ring.scratch, PAGE) < 0) {
		int err = errno;
		ring_close(&ring);
		reply(out, "err %d", err);
		return;
	}
	struct iovec iov = { ring.buffer, count * PAGE };
	if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_BUFFERS, &iov, 1) < 0) {
		int err = errno;
		ring_close(&ring);
		reply(out, "err %d", err);
		return;
	}
	refs[r] = ring;
	reply(out, "ok");
}

// What the device reads from the pinned page: WRITE_FIXED copies it into the scratch file.
static void do_pinread(FILE *out, int r, size_t page)
{
	static unsigned char buf[PAGE];
	int res = ring_io(&refs[r], IORING_OP_WRITE_FIXED, page);
	if (res < 0) { reply(out, "err %d", -res); return; }
	if (pread(refs[r].scratch, buf, PAGE, 0) != (ssize_t)PAGE) { reply(out, "err %d", errno); return; }
	for (size_t j = 1; j < PAGE; j++)
		if (buf[j] != buf[0]) { reply(out, "mixed"); return; }
	reply(out, "v %d", buf[0]);
}

// What the device writes into the pinned page: READ_FIXED from a scratch file filled with `value`.
static void do_pinwrite(FILE *out, int r, size_t page, int value)
{
	static unsigned char buf[PAGE];
	memset(buf, value, PAGE);
	if (pwrite(refs[r].scratch, buf, PAGE, 0) != (ssize_t)PAGE) { reply(out, "err %d", errno); return; }
	int res = ring_io(&refs[r], IORING_OP_READ_FIXED, page);
	if (res < 0) { reply(out, "err %d", -res); return; }
	reply(out, "ok");
}

static void do_unpin(FILE *out, int r)
{
	// Unregister first: it drops the pins synchronously, where closing the ring defers it.
	syscall(__NR_io_uring_register, refs[r].fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
	ring_close(&refs[r]);
	reply(out, "ok");
}

static void drop_ref(int r)
{
	if (refs[r].kind == 1) {
		close(refs[r].fd);
		close(refs[r].pipe_write);
		refs[r].kind = 0;
	} else if (refs[r].kind == 2) {
		ring_close(&refs[r]);
	}
}

// ---- FOLL_FORCE: a write through /proc/self/mem (mem_rw -> access_remote_vm) ----

static void do_memwrite(FILE *out, int a, size_t page, int value)
{
	static unsigned char buf[PAGE];
	memset(buf, value, PAGE);
	int fd = open("/proc/self/mem", O_RDWR);
	if (fd < 0) { reply(out, "err %d", errno); return; }
	ssize_t n = pwrite(fd, buf, PAGE, (off_t)(uintptr_t)page_address(a, page));
	int err = errno;
	close(fd);
	if (n == (ssize_t)PAGE)
		reply(out, "ok");
	else
		reply(out, "err %d", n < 0 ? err : EFAULT);
}

// ---- observation: /proc/self/pagemap and /proc/kpageflags ----

static int read_u64(const char *path, off_t index, uint64_t *value)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, value, sizeof *value, index * (off_t)sizeof *value);
	close(fd);
	return n == (ssize_t)sizeof *value ? 0 : -1;
}

static int pagemap(int a, size_t page, uint64_t *entry)
{
	return read_u64("/proc/self/pagemap", (off_t)((uintptr_t)page_address(a, page) / PAGE), entry);
}

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define KPF_ANON 12
#define KPF_HUGE 17
#define KPF_KSM 21
#define KPF_THP 22
#define KPF_ZERO_PAGE 24

static void do_pagemap(FILE *out, int a, size_t page)
{
	uint64_t entry, flags = 0;
	if (pagemap(a, page, &entry) < 0) { reply(out, "err %d", errno); return; }
	if (!(entry & PM_PRESENT)) {
		reply(out, (entry & PM_SWAP) ? "pm swapped" : "pm none");
		return;
	}
	if (read_u64("/proc/kpageflags", (off_t)(entry & PM_PFN_MASK), &flags) < 0) { reply(out, "err %d", errno); return; }
	reply(out, "pm present%s%s%s%s%s%s",
	      (entry & PM_MMAP_EXCLUSIVE) ? " excl" : "",
	      (flags >> KPF_ANON & 1) ? " anon" : "",
	      (flags >> KPF_THP & 1) ? " thp" : "",
	      (flags >> KPF_HUGE & 1) ? " huge" : "",
	      (flags >> KPF_KSM & 1) ? " ksm" : "",
	      (flags >> KPF_ZERO_PAGE & 1) ? " zero" : "");
}

// ---- the worker loop ----

struct channel { FILE *in, *out; };

static struct channel open_channel(const char *dir, int proc)
{
	char path[512];
	struct channel ch;
	snprintf(path, sizeof path, "%s/c%d", dir, proc);
	ch.in = fopen(path, "r");
	snprintf(path, sizeof path, "%s/r%d", dir, proc);
	ch.out = fopen(path, "w");
	if (!ch.in || !ch.out) { perror("mmdiff: worker channel"); _exit(2); }
	return ch;
}

static void serve(const char *dir, int self);

static void do_fork(FILE *out, const char *dir, int child, struct channel *mine)
{
	pid_t pid = fork();
	if (pid < 0) { reply(out, "err %d", errno); return; }
	if (pid == 0) {
		// The child serves its own channel; the references stay with the parent.
		fclose(mine->in);
		fclose(mine->out);
		for (int r = 0; r < MAX_REFS; r++)
			drop_ref(r);
		serve(dir, child);
		_exit(0);
	}
	reply(out, "ok");
}

static void serve(const char *dir, int self)
{
	struct channel ch = open_channel(dir, self);
	char line[256], op[32], s1[32];
	int a, b, r, v;
	size_t pg, n;
	while (fgets(line, sizeof line, ch.in)) {
		FILE *out = ch.out;
		if (sscanf(line, "%31s", op) != 1) continue;
		// Steps on an area that a failed mmap or mremap never made.
		if (strcmp(op, "mmap") && sscanf(line, "%*s %*d %d", &a) == 1 && strcmp(op, "fork") && strcmp(op, "exit")
		    && strcmp(op, "pinread") && strcmp(op, "pinwrite") && strcmp(op, "drain") && strcmp(op, "unpin")
		    && (a < 0 || a >= MAX_AREAS || areas[a].base == NULL)) {
			reply(out, !strcmp(op, "pfn") ? "pfn none" : "noarea");
			continue;
		}
		if (!strcmp(op, "mmap") && sscanf(line, "%*s %*d %d %zu %31s", &a, &n, s1) == 3) do_mmap(out, a, n, s1);
		else if (!strcmp(op, "write") && sscanf(line, "%*s %*d %d %zu %d", &a, &pg, &v) == 3) do_access(out, a, pg, v, 1);
		else if (!strcmp(op, "read") && sscanf(line, "%*s %*d %d %zu", &a, &pg) == 2) do_access(out, a, pg, 0, 0);
		else if (!strcmp(op, "munmap") && sscanf(line, "%*s %*d %d %zu %zu", &a, &pg, &n) == 3) result(out, munmap(page_address(a, pg), n * PAGE));
		else if (!strcmp(op, "mprotect") && sscanf(line, "%*s %*d %d %zu %zu %31s", &a, &pg, &n, s1) == 4) result(out, mprotect(page_address(a, pg), n * PAGE, parse_prot(s1)));
		else if (!strcmp(op, "madvise") && sscanf(line, "%*s %*d %d %zu %zu %31s", &a, &pg, &n, s1) == 4) result(out, madvise(page_address(a, pg), n * PAGE, parse_advice(s1)));
		else if (!strcmp(op, "mremap") && sscanf(line, "%*s %*d %d %zu %zu %d", &a, &pg, &n, &b) == 4) do_mremap(out, a, pg, n, b);
		else if (!strcmp(op, "fork") && sscanf(line, "%*s %*d %d", &b) == 1) do_fork(out, dir, b, &ch);
		else if (!strcmp(op, "exit")) _exit(0);
		else if (!strcmp(op, "vmsplice") && sscanf(line, "%*s %*d %d %zu %zu %d", &a, &pg, &n, &r) == 4) do_vmsplice(out, a, pg, n, r);
		else if ((!strcmp(op, "drain") || !strcmp(op, "pinread") || !strcmp(op, "pinwrite") || !strcmp(op, "unpin"))
			 && (sscanf(line, "%*s %d", &r) != 1 || r < 0 || r >= MAX_REFS || refs[r].kind == 0)) reply(out, "noref");
		else if (!strcmp(op, "drain") && sscanf(line, "%*s %d", &r) == 1) do_drain(out, r);
		else if (!strcmp(op, "pin") && sscanf(line, "%*s %*d %d %zu %zu %d", &a, &pg, &n, &r) == 4) do_pin(out, a, pg, n, r);
		else if (!strcmp(op, "pinread") && sscanf(line, "%*s %d %zu", &r, &pg) == 2) do_pinread(out, r, pg);
		else if (!strcmp(op, "pinwrite") && sscanf(line, "%*s %d %zu %d", &r, &pg, &v) == 3) do_pinwrite(out, r, pg, v);
		else if (!strcmp(op, "unpin") && sscanf(line, "%*s %d", &r) == 1) do_unpin(out, r);
		else if (!strcmp(op, "memwrite") && sscanf(line, "%*s %*d %d %zu %d", &a, &pg, &v) == 3) do_memwrite(out, a, pg, v);
		else if (!strcmp(op, "pagemap") && sscanf(line, "%*s %*d %d %zu", &a, &pg) == 2) do_pagemap(out, a, pg);
		else if (!strcmp(op, "pfn") && sscanf(line, "%*s %*d %d %zu", &a, &pg) == 2) {
			uint64_t e;
			if (pagemap(a, pg, &e) < 0 || !(e & PM_PRESENT)) reply(out, "pfn none");
			else reply(out, "pfn %llu", (unsigned long long)(e & PM_PFN_MASK));
		}
		else reply(out, "bad %s", op);
	}
	_exit(0);
}

// ---- the controller ----

static FILE *to_worker[MAX_PROCS], *from_worker[MAX_PROCS];
static char dir[256];

static void make_channel(int proc)
{
	char path[512];
	snprintf(path, sizeof path, "%s/c%d", dir, proc);
	mkfifo(path, 0600);
	snprintf(path, sizeof path, "%s/r%d", dir, proc);
	mkfifo(path, 0600);
}

static void attach_channel(int proc)
{
	char path[512];
	snprintf(path, sizeof path, "%s/c%d", dir, proc);
	to_worker[proc] = fopen(path, "w");
	snprintf(path, sizeof path, "%s/r%d", dir, proc);
	from_worker[proc] = fopen(path, "r");
	if (!to_worker[proc] || !from_worker[proc]) { perror("mmdiff: controller channel"); exit(2); }
}

// Which process a line is sent to: its first number, or the owner of the reference it names.
static int ref_owner[MAX_REFS];

static int target(const char *line, const char *op)
{
	int first = -1, ref = -1;
	sscanf(line, "%*s %d", &first);
	if (!strcmp(op, "drain") || !strcmp(op, "pinread") || !strcmp(op, "pinwrite") || !strcmp(op, "unpin"))
		return first >= 0 && first < MAX_REFS ? ref_owner[first] : -1;
	if ((!strcmp(op, "vmsplice") || !strcmp(op, "pin")) && sscanf(line, "%*s %*d %*d %*d %*d %d", &ref) == 1
	    && ref >= 0 && ref < MAX_REFS)
		ref_owner[ref] = first;
	return first;
}

// "same P A PG Q B PG2": whether two mappings show the same frame (pagemap PFNs).
static const char *same_page(const char *line, const int *live)
{
	int p, a, q, b;
	size_t pg, pg2;
	char answer[2][64], cmd[128];
	if (sscanf(line, "%*s %d %d %zu %d %d %zu", &p, &a, &pg, &q, &b, &pg2) != 6
	    || p < 0 || q < 0 || p >= MAX_PROCS || q >= MAX_PROCS || !live[p] || !live[q])
		return "bad same";
	int who[2] = { p, q }, area[2] = { a, b };
	size_t page[2] = { pg, pg2 };
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof cmd, "pfn %d %d %zu\n", who[i], area[i], page[i]);
		fputs(cmd, to_worker[who[i]]);
		fflush(to_worker[who[i]]);
		if (!fgets(answer[i], sizeof answer[i], from_worker[who[i]]))
			return "lost worker";
	}
	if (!strcmp(answer[0], "pfn none\n") || !strcmp(answer[1], "pfn none\n"))
		return "same none";
	return strcmp(answer[0], answer[1]) ? "same no" : "same yes";
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "/tmp/mmdiff.XXXXXX");
	if (!mkdtemp(dir)) { perror("mmdiff: mkdtemp"); return 2; }

	make_channel(0);
	pid_t root = fork();
	if (root == 0) {
		serve(dir, 0);
		_exit(0);
	}
	attach_channel(0);

	char line[256], op[32], answer[8 * 1024];
	int index = 0, live[MAX_PROCS] = { 1 };
	while (fgets(line, sizeof line, stdin)) {
		if (sscanf(line, "%31s", op) != 1 || op[0] == '#')
			continue;
		int proc = target(line, op), child = -1;
		if (proc < 0 || proc >= MAX_PROCS || !live[proc]) {
			printf("%d bad process\n", index++);
			continue;
		}
		if (!strcmp(op, "same")) {
			printf("%d %s\n", index++, same_page(line, live));
			continue;
		}
		if (!strcmp(op, "fork")) {
			if (sscanf(line, "%*s %*d %d", &child) != 1 || child <= 0 || child >= MAX_PROCS || live[child]) {
				printf("%d bad fork\n", index++);
				continue;
			}
			make_channel(child);
		}
		fputs(line, to_worker[proc]);
		fflush(to_worker[proc]);
		if (!strcmp(op, "exit")) {
			// The reply FIFO reaches EOF in exit_files(), after exit_mm() has torn the mm down.
			while (fgets(answer, sizeof answer, from_worker[proc]))
				;
			fclose(to_worker[proc]);
			fclose(from_worker[proc]);
			live[proc] = 0;
			printf("%d ok\n", index++);
			continue;
		}
		if (child > 0) {
			attach_channel(child);
			live[child] = 1;
		}
		if (!fgets(answer, sizeof answer, from_worker[proc])) {
			printf("%d lost worker\n", index++);
			live[proc] = 0;
			continue;
		}
		printf("%d %s", index++, answer);
	}
	for (int p = 0; p < MAX_PROCS; p++)
		if (live[p]) {
			fputs("exit\n", to_worker[p]);
			fflush(to_worker[p]);
			while (fgets(answer, sizeof answer, from_worker[p]))
				;
		}
	fflush(stdout);
	char path[512];
	for (int p = 0; p < MAX_PROCS; p++) {
		snprintf(path, sizeof path, "%s/c%d", dir, p);
		unlink(path);
		snprintf(path, sizeof path, "%s/r%d", dir, p);
		unlink(path);
	}
	rmdir(dir);
	while (wait(NULL) > 0)
		;
	return 0;
}
