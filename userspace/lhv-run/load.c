// SPDX-License-Identifier: GPL-2.0
/*
 * load.c - what every boot protocol needs from the host's files: read a
 * kernel or initrd into memory (regular files up to 512 MiB), and place
 * an initrd in guest RAM, as high as the protocol allows.  boot.c
 * (bzImage) and pvh.c (ELF vmlinux) call it; it knows neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lhv-run.h"

#define MAX_KERNEL_FILE		(512ULL << 20)

/* Read a whole file into a malloc()ed buffer; one line of error if not. */
uint8_t *load__file(const char *what, const char *path, size_t *lenp)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("cannot open %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("%s %s is not a regular file", what, path);
		goto err_close;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > MAX_KERNEL_FILE) {
		pr_err("%s %s: %s (%lld bytes)", what, path,
		       st.st_size ? "too large" : "empty file",
		       (long long)st.st_size);
		goto err_close;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		pr_err("%s %s: out of memory", what, path);
		goto err_close;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_err("cannot read %s %s: %s", what, path,
			       n ? strerror(errno) : "short read");
			free(buf);
			goto err_close;
		}
		off += n;
	}
	close(fd);
	*lenp = off;
	return buf;

err_close:
	close(fd);
	return NULL;
}

/*
 * Put the initrd at the highest page-aligned address with its end at or
 * below max_gpa + 1 and its start at or above min_gpa.
 */
int load__initrd(struct vm *vm, const char *path, uint64_t min_gpa,
		      uint64_t max_gpa, uint64_t *gpa, uint64_t *size)
{
	size_t len;
	uint8_t *buf, *dst;
	uint64_t top = max_gpa + 1, at;

	buf = load__file("initrd", path, &len);
	if (!buf)
		return -1;
	if (top > vm->low_size)
		top = vm->low_size;
	at = (top - len) & ~0xfffULL;
	if (len > top || at < min_gpa) {
		pr_err("initrd %s (%zu KiB) does not fit in guest RAM above the kernel (%llu MiB): use a larger --mem",
		       path, len >> 10, (unsigned long long)(min_gpa >> 20));
		free(buf);
		return -1;
	}
	if (!vm->ram) {		/* checking only (see boot__load) */
		free(buf);
		return 0;
	}
	dst = vm__gpa(vm, at, len);
	if (!dst) {
		free(buf);
		return -1;
	}
	memcpy(dst, buf, len);
	free(buf);
	*gpa = at;
	*size = len;
	return 0;
}
