// The same per-page operations as tests/MmSim.Benchmarks, on this machine's real kernel.
// Prints "<name> <ns per 4 KiB page>" for each; bench/run compares them with the simulator.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static const size_t page = 4096;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char *map(size_t bytes, int thp)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(1); }
	madvise(p, bytes, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, size_t bytes)
{
	for (size_t o = 0; o < bytes; o += page)
		p[o] = 1;
}

static void report(const char *name, double ns, size_t bytes)
{
	printf("%s %.1f\n", name, ns / (bytes / page));
}

// One measurement of each operation on an area of `bytes`; each gets a fresh mapping.
static void run(size_t bytes, const char *suffix)
{
	char name[128];
	double t;
	volatile char sink = 0;

	char *p = map(bytes, 0);
	t = now_ns(); touch(p, bytes); t = now_ns() - t;
	snprintf(name, sizeof name, "PopulateByWrite%s", suffix); report(name, t, bytes);
	munmap(p, bytes);

	p = map(bytes, 0);
	t = now_ns(); madvise(p, bytes, MADV_POPULATE_WRITE); t = now_ns() - t;
	snprintf(name, sizeof name, "PopulateByMadvise%s", suffix); report(name, t, bytes);
	munmap(p, bytes);

	p = map(bytes, 0);
	t = now_ns(); for (size_t o = 0; o < bytes; o += page) sink += p[o]; t = now_ns() - t;
	snprintf(name, sizeof name, "ReadFaultZeroPage%s", suffix); report(name, t, bytes);
	munmap(p, bytes);

	// fork of a populated area; the child's COW writes; the parent's reuse after the child exits
	p = map(bytes, 0);
	touch(p, bytes);
	int ready[2], done[2];
	if (pipe(ready) || pipe(done)) { perror("pipe"); exit(1); }
	t = now_ns();
	pid_t child = fork();
	if (child == 0) {
		double c = now_ns(); touch(p, bytes); c = now_ns() - c;
		if (write(ready[1], &c, sizeof c) != sizeof c) _exit(1);
		char b; if (read(done[0], &b, 1) != 1) _exit(1);
		_exit(0);
	}
	t = now_ns() - t;
	snprintf(name, sizeof name, "Fork%s", suffix); report(name, t, bytes);
	double cow;
	if (read(ready[0], &cow, sizeof cow) != sizeof cow) { perror("read"); exit(1); }
	snprintf(name, sizeof name, "CowWriteInChild%s", suffix); report(name, cow, bytes);
	if (write(done[1], "x", 1) != 1) { perror("write"); exit(1); }
	waitpid(child, NULL, 0);
	t = now_ns(); touch(p, bytes); t = now_ns() - t;
	snprintf(name, sizeof name, "ReuseInParentAfterChildExit%s", suffix); report(name, t, bytes);

	// vmsplice(): a R/O GUP reference per page, 64 pages at a time, then drained (put)
	int fds[2];
	if (pipe(fds)) { perror("pipe"); exit(1); }
	fcntl(fds[1], F_SETPIPE_SZ, 64 * page);
	char *buf = malloc(64 * page);
	t = now_ns();
	for (size_t o = 0; o < bytes; o += 64 * page) {
		struct iovec iov = { p + o, 64 * page };
		ssize_t n = vmsplice(fds[1], &iov, 1, 0);
		for (ssize_t got = 0; got < n;) {
			ssize_t r = read(fds[0], buf, n - got);
			if (r <= 0) break;
			got += r;
		}
	}
	t = now_ns() - t;
	snprintf(name, sizeof name, "GetReadOnly%s", suffix); report(name, t, bytes);
	free(buf);

	// io_uring fixed buffers, 64 pages at a time: registering pins them (pin_user_pages_fast with
	// FOLL_WRITE | FOLL_LONGTERM), unregistering unpins them; io_uring's own bookkeeping is included
	struct io_uring_params params;
	memset(&params, 0, sizeof params);
	int ring = (int)syscall(__NR_io_uring_setup, 4, &params);
	if (ring >= 0) {
		t = now_ns();
		for (size_t o = 0; o < bytes; o += 64 * page) {
			struct iovec iov = { p + o, 64 * page };
			if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1) < 0) { perror("IORING_REGISTER_BUFFERS"); exit(1); }
			syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
		}
		t = now_ns() - t;
		snprintf(name, sizeof name, "PinWritableFast%s", suffix); report(name, t, bytes);
		close(ring);
	}
	munmap(p, bytes);

	p = map(bytes, 1);
	t = now_ns(); touch(p, bytes); t = now_ns() - t;
	snprintf(name, sizeof name, "ThpPopulate%s", suffix); report(name, t, bytes);

	// COW of PMD-mapped THPs in a child, timed there and sent back through a pipe
	int thp[2];
	if (pipe(thp)) { perror("pipe"); exit(1); }
	pid_t thpChild = fork();
	if (thpChild == 0) {
		double c = now_ns(); touch(p, bytes); c = now_ns() - c;
		if (write(thp[1], &c, sizeof c) != sizeof c) _exit(1);
		_exit(0);
	}
	double thpCow = 0;
	if (read(thp[0], &thpCow, sizeof thpCow) != sizeof thpCow) { perror("read"); exit(1); }
	waitpid(thpChild, NULL, 0);
	close(thp[0]); close(thp[1]);
	snprintf(name, sizeof name, "ThpCowWriteInChild%s", suffix); report(name, thpCow, bytes);
	munmap(p, bytes);

	// MADV_PAGEOUT of the area, then a read of every page: only with swap enough for it (bench/run adds a file)
	struct sysinfo si;
	if (sysinfo(&si) == 0 && (double)si.freeswap * si.mem_unit >= (double)bytes) {
		p = map(bytes, 0);
		touch(p, bytes);
		t = now_ns();
		madvise(p, bytes, MADV_PAGEOUT);
		for (size_t o = 0; o < bytes; o += page)
			sink += p[o];
		t = now_ns() - t;
		snprintf(name, sizeof name, "SwapOutAndIn%s", suffix); report(name, t, bytes);
		munmap(p, bytes);
	}
	(void)sink;
}

int main(void)
{
	run(64UL << 20, "_64MiB");
	run(1UL << 30, "_1GiB");
	return 0;
}
