// SPDX-License-Identifier: GPL-2.0
/*
 * io.c - the port-I/O and MMIO bus.  Each device registers its range; an
 * access nobody claims reads all-ones, drops its writes and is counted,
 * and --debug lists those counts at exit.
 */
#include <stdio.h>
#include <string.h>

#include "lhv-run.h"

#define IO_MAX_DEVS	16
#define MMIO_MAX_MISS	64

struct io_range {
	uint64_t base;
	uint64_t len;
	io_fn fn;
	void *opaque;
	const char *name;
};

struct io_bus {
	struct io_range r[IO_MAX_DEVS];
	int n;
};

static struct io_bus port_bus, mmio_bus;

/* Unclaimed accesses: per port, and the first MMIO addresses seen. */
static uint32_t port_miss_rd[65536], port_miss_wr[65536];
static struct {
	uint64_t addr;
	uint64_t rd, wr;
} mmio_miss[MMIO_MAX_MISS];
static int mmio_nmiss;
static uint64_t mmio_miss_other;

static int io_bus_add(struct io_bus *bus, uint64_t base, uint64_t len,
		      io_fn fn, void *opaque, const char *name)
{
	int i;

	for (i = 0; i < bus->n; i++) {
		struct io_range *r = &bus->r[i];

		if (base < r->base + r->len && r->base < base + len) {
			pr_err("%s: range %#llx+%#llx overlaps %s", name,
			       (unsigned long long)base,
			       (unsigned long long)len, r->name);
			return -1;
		}
	}
	if (bus->n == IO_MAX_DEVS) {
		pr_err("%s: too many devices on the bus", name);
		return -1;
	}
	bus->r[bus->n++] = (struct io_range){ base, len, fn, opaque, name };
	return 0;
}

static struct io_range *io_bus_find(struct io_bus *bus, uint64_t addr)
{
	int i;

	for (i = 0; i < bus->n; i++)
		if (addr - bus->r[i].base < bus->r[i].len)
			return &bus->r[i];
	return NULL;
}

int io__register_port(uint16_t base, uint16_t len, io_fn fn, void *opaque,
		      const char *name)
{
	return io_bus_add(&port_bus, base, len, fn, opaque, name);
}

int io__register_mmio(uint64_t base, uint64_t len, io_fn fn, void *opaque,
		      const char *name)
{
	return io_bus_add(&mmio_bus, base, len, fn, opaque, name);
}

/*
 * Every legacy device here is byte-wide: a 2- or 4-byte port access is
 * split into byte accesses to consecutive ports, lowest first, as the ISA
 * bus does.
 */
void io__port(uint16_t port, uint8_t *data, uint32_t len, bool is_write)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint16_t p = port + i;
		struct io_range *r = io_bus_find(&port_bus, p);

		if (r) {
			r->fn(r->opaque, p - r->base, data + i, 1, is_write);
		} else if (is_write) {
			port_miss_wr[p]++;
		} else {
			port_miss_rd[p]++;
			data[i] = 0xff;
		}
	}
}

void io__mmio(uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct io_range *r = io_bus_find(&mmio_bus, addr);
	int i;

	if (r) {
		r->fn(r->opaque, addr - r->base, data, len, is_write);
		return;
	}
	if (!is_write)
		memset(data, 0xff, len);
	for (i = 0; i < mmio_nmiss; i++)
		if (mmio_miss[i].addr == addr)
			break;
	if (i == mmio_nmiss) {
		if (mmio_nmiss == MMIO_MAX_MISS) {
			mmio_miss_other++;
			return;
		}
		mmio_miss[mmio_nmiss++].addr = addr;
	}
	if (is_write)
		mmio_miss[i].wr++;
	else
		mmio_miss[i].rd++;
}

/* --debug: what the guest touched that no device claims. */
void io__report(void)
{
	unsigned int p;
	int i, n = 0;

	for (p = 0; p < 65536; p++) {
		if (!port_miss_rd[p] && !port_miss_wr[p])
			continue;
		if (!n++)
			fprintf(stderr, "lhv-run: unhandled port I/O:\n");
		fprintf(stderr, "  port %#06x  reads %-8u writes %u\n", p,
			port_miss_rd[p], port_miss_wr[p]);
	}
	if (!n)
		fprintf(stderr, "lhv-run: no unhandled port I/O\n");
	if (!mmio_nmiss) {
		fprintf(stderr, "lhv-run: no unhandled MMIO\n");
		return;
	}
	fprintf(stderr, "lhv-run: unhandled MMIO:\n");
	for (i = 0; i < mmio_nmiss; i++)
		fprintf(stderr, "  gpa %#014llx  reads %-8llu writes %llu\n",
			(unsigned long long)mmio_miss[i].addr,
			(unsigned long long)mmio_miss[i].rd,
			(unsigned long long)mmio_miss[i].wr);
	if (mmio_miss_other)
		fprintf(stderr, "  (and %llu more accesses elsewhere)\n",
			(unsigned long long)mmio_miss_other);
}

/* Port 0x80, the POST code port, doubles as the ISA I/O delay: a sink. */
static void io_post(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	if (!is_write)
		data[0] = 0xff;
}

static const struct dev_range post_ports[] = {
	{ 0x80, 1, io_post, NULL, "post" },
	{ 0 }
};

const struct device post_device = {
	.name	= "post",
	.irq	= -1,
	.ports	= post_ports,
};
