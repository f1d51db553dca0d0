// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - the device table: every device of the machine, in the order it
 * is set up (and its port/MMIO ranges registered on io.c's bus), and what
 * the run loop asks of them all: bring timers up to date, the next timer
 * deadline, the fds to wait on and their input, the interrupt controller.
 * To add a device: a const struct device in its own file (lhv-run.h),
 * and one line here.
 */
#include "lhv-run.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct device *const dev_table[] = {
	&post_device,
	&pic_device,
	&pit_device,
	&serial_device,
	&i8042_device,
	&rtc_device,
};

static size_t dev_ninit;		/* set up so far, for dev__exit */
static const struct device *dev_intc;	/* the interrupt controller */

static int dev_register(const struct device *d)
{
	const struct dev_range *r;

	for (r = d->ports; r && r->len; r++)
		if (io__register_port(r->base, r->len, r->fn, r->opaque,
				      r->name))
			return -1;
	for (r = d->mmio; r && r->len; r++)
		if (io__register_mmio(r->base, r->len, r->fn, r->opaque,
				      r->name))
			return -1;
	return 0;
}

/* An ISA line has one driver: edges from two would merge. */
static int dev_check_irq(const struct device *d)
{
	size_t i;

	if (d->irq < 0)
		return 0;
	for (i = 0; i < dev_ninit; i++) {
		if (dev_table[i]->irq == d->irq) {
			pr_err("%s: IRQ %d is %s's", d->name, d->irq,
			       dev_table[i]->name);
			return -1;
		}
	}
	return 0;
}

int dev__init(struct vm *vm)
{
	const struct device *d;

	for (dev_ninit = 0; dev_ninit < ARRAY_SIZE(dev_table); dev_ninit++) {
		d = dev_table[dev_ninit];
		if (dev_check_irq(d) || (d->init && d->init(vm)))
			return -1;
		if (d->intr_ack) {
			if (dev_intc) {
				pr_err("%s: a second interrupt controller (%s is one)",
				       d->name, dev_intc->name);
				return -1;
			}
			dev_intc = d;
		}
		if (dev_register(d)) {
			dev_ninit++;	/* its init ran: its exit runs */
			return -1;
		}
	}
	return 0;
}

void dev__exit(struct vm *vm)
{
	while (dev_ninit) {
		const struct device *d = dev_table[--dev_ninit];

		if (d->exit)
			d->exit(vm);
	}
}

void dev__tick(uint64_t now)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dev_table); i++)
		if (dev_table[i]->tick)
			dev_table[i]->tick(now);
}

uint64_t dev__next_event(void)
{
	uint64_t next = 0, t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dev_table); i++) {
		if (!dev_table[i]->next_event)
			continue;
		t = dev_table[i]->next_event();
		if (t && (!next || t < next))
			next = t;
	}
	return next;
}

/* The fds the devices wait on now, at most max of them; their count. */
int dev__poll_fds(int *fds, int max)
{
	size_t i;
	int fd, n = 0;

	for (i = 0; i < ARRAY_SIZE(dev_table) && n < max; i++) {
		if (!dev_table[i]->poll_fd)
			continue;
		fd = dev_table[i]->poll_fd();
		if (fd >= 0)
			fds[n++] = fd;
	}
	return n;
}

void dev__input(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dev_table); i++)
		if (dev_table[i]->input)
			dev_table[i]->input();
}

bool dev__intr_pending(void)
{
	return dev_intc && dev_intc->intr_pending();
}

/* Only after dev__intr_pending() said yes. */
int dev__intr_ack(void)
{
	return dev_intc->intr_ack();
}
