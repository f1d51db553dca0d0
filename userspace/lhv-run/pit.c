// SPDX-License-Identifier: GPL-2.0
/*
 * pit.c - the 8254 programmable interval timer (ports 0x40-0x43) and the
 * PC's system control port B (0x61: channel 2 gate, speaker, channel 2
 * output, refresh toggle).
 *
 * Counters are not ticked: each is computed from CLOCK_MONOTONIC at the
 * time of the access (1193182 Hz input clock).  Channel 0's output drives
 * IRQ 0; pit__update() delivers its rising edges and pit__next_event()
 * tells the run loop when the next one is due, so that it can arm a host
 * timer (they are the device table's tick and next_event).  Modes as in
 * the Intel 8254 data sheet: 0 (interrupt on terminal count), 2 (rate
 * generator) and 3 (square wave) in full, 4 (software strobe) as one edge
 * after the count; 1 and 5 need a gate trigger, which only channel 2 has
 * (port 0x61).  BCD counting is treated as binary.
 */
#include "lhv-run.h"

#define PIT_HZ		1193182ULL
#define PIT_IRQ		0
#define NSEC		1000000000ULL

struct pit_channel {
	uint8_t mode;		/* 0-5 */
	uint8_t rw;		/* 1 lsb, 2 msb, 3 lsb then msb */
	uint8_t bcd;
	bool gate;
	bool loaded;		/* a count was written: counting */
	uint32_t count;		/* N, 1..65536 */
	uint64_t start_ns;	/* when counting began */
	/* writes */
	bool wr_msb_next;
	uint8_t wr_lsb;
	/* reads */
	bool rd_msb_next;
	bool latched;
	uint16_t latch;
	bool latch_msb_next;
	bool status_latched;
	uint8_t status;
	/* IRQ 0 edges delivered since start_ns (channel 0) */
	uint64_t edges;
};

static struct pit_channel pit[3];
static uint8_t port61;		/* bits 0-1 as written */

static uint64_t pit_ticks(const struct pit_channel *c, uint64_t now)
{
	if (now < c->start_ns)
		return 0;
	return (uint64_t)((unsigned __int128)(now - c->start_ns) * PIT_HZ /
			  NSEC);
}

static uint64_t pit_tick_ns(const struct pit_channel *c, uint64_t ticks)
{
	return c->start_ns + (uint64_t)(((unsigned __int128)ticks * NSEC +
					 PIT_HZ - 1) / PIT_HZ);
}

static uint16_t pit_count(const struct pit_channel *c, uint64_t now)
{
	uint64_t t, n = c->count;

	if (!c->loaded)
		return c->count;
	t = pit_ticks(c, now);
	switch (c->mode) {
	case 2:
		return n - t % n;
	case 3:			/* counts down by two, twice a period */
		return (n - (2 * (t % n)) % n) & ~1U;
	default:		/* 0, 1, 4, 5: wraps after terminal count */
		return (n - t) & 0xffff;
	}
}

static bool pit_out(const struct pit_channel *c, uint64_t now)
{
	uint64_t t, n = c->count;

	if (!c->loaded)
		return c->mode != 0;	/* mode 0: low from the control word */
	t = pit_ticks(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return t >= n;
	case 2:
		return t % n != n - 1;
	case 3:
		return t % n < (n + 1) / 2;
	default:		/* 4, 5: a one-clock low strobe at n */
		return t != n;
	}
}

/*
 * Rising edges of channel 0's output since counting began: every period
 * in modes 2 and 3, once in modes 0 and 4.  Returns the tick of edge k
 * (k counted from 1), or 0 when there is none.
 */
static uint64_t pit_edge_tick(const struct pit_channel *c, uint64_t k)
{
	if (!c->loaded)
		return 0;
	switch (c->mode) {
	case 2:
	case 3:
		return k * c->count;
	case 0:
		return k == 1 ? c->count : 0;
	case 4:
		return k == 1 ? c->count + 1 : 0;
	default:
		return 0;
	}
}

void pit__update(uint64_t now)
{
	struct pit_channel *c = &pit[0];
	uint64_t t, tick;

	tick = pit_edge_tick(c, c->edges + 1);
	if (!tick)
		return;
	t = pit_ticks(c, now);
	if (t < tick)
		return;
	/* Late ticks are coalesced into one edge: the kernel copes. */
	if (c->mode == 2 || c->mode == 3)
		c->edges = t / c->count;
	else
		c->edges++;
	pic__pulse_irq(PIT_IRQ);
}

uint64_t pit__next_event(void)
{
	struct pit_channel *c = &pit[0];
	uint64_t tick = pit_edge_tick(c, c->edges + 1);

	return tick ? pit_tick_ns(c, tick) : 0;
}

static void pit_start(struct pit_channel *c, uint64_t now)
{
	c->start_ns = now;
	c->edges = 0;
	c->loaded = true;
}

static void pit_write_count(struct pit_channel *c, uint8_t val)
{
	uint32_t n;

	switch (c->rw) {
	case 1:
		n = val;
		break;
	case 2:
		n = val << 8;
		break;
	default:
		if (!c->wr_msb_next) {
			c->wr_lsb = val;
			c->wr_msb_next = true;
			if (c->mode == 0)
				c->loaded = false;	/* stops counting */
			return;
		}
		c->wr_msb_next = false;
		n = c->wr_lsb | val << 8;
		break;
	}
	c->count = n ? n : 0x10000;
	/* Modes 1 and 5 wait for a gate trigger; the others start now. */
	if (c->mode != 1 && c->mode != 5)
		pit_start(c, clock__ns());
}

static uint8_t pit_read_count(struct pit_channel *c)
{
	uint16_t v;
	uint8_t b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		if (c->rw == 3 && !c->latch_msb_next) {
			c->latch_msb_next = true;
			return v & 0xff;
		}
		c->latched = false;
		c->latch_msb_next = false;
		return c->rw == 1 ? v & 0xff : v >> 8;
	}
	v = pit_count(c, clock__ns());
	switch (c->rw) {
	case 1:
		return v & 0xff;
	case 2:
		return v >> 8;
	default:
		b = c->rd_msb_next ? v >> 8 : v & 0xff;
		c->rd_msb_next = !c->rd_msb_next;
		return b;
	}
}

static void pit_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->latched)
		return;		/* a second latch is ignored until read */
	c->latched = true;
	c->latch = pit_count(c, now);
	c->latch_msb_next = false;
}

static void pit_latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status_latched = true;
	c->status = pit_out(c, now) << 7 | !c->loaded << 6 | c->rw << 4 |
		    c->mode << 1 | c->bcd;
}

static void pit_control(uint8_t val)
{
	uint64_t now = clock__ns();
	struct pit_channel *c;
	int sc = val >> 6, i;

	if (sc == 3) {			/* read-back command */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				pit_latch_count(&pit[i], now);
			if (!(val & 0x10))
				pit_latch_status(&pit[i], now);
		}
		return;
	}
	c = &pit[sc];
	if (!((val >> 4) & 3)) {	/* counter latch command */
		pit_latch_count(c, now);
		return;
	}
	c->rw = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6, 7 are 2, 3 */
	c->bcd = val & 1;
	c->loaded = false;
	c->edges = 0;
	c->wr_msb_next = c->rd_msb_next = false;
	c->latched = c->status_latched = false;
}

static void pit_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		   bool is_write)
{
	if (off == 3) {
		if (is_write)
			pit_control(data[0]);
		else
			data[0] = 0xff;	/* the control word is write-only */
		return;
	}
	if (is_write)
		pit_write_count(&pit[off], data[0]);
	else
		data[0] = pit_read_count(&pit[off]);
}

/* Port 0x61: bit 0 gate 2, bit 1 speaker, 4 refresh toggle, 5 out 2. */
static void port61_io(void *opaque, uint64_t off, uint8_t *data,
		      uint32_t len, bool is_write)
{
	struct pit_channel *c = &pit[2];
	uint64_t now = clock__ns();
	bool gate;

	if (!is_write) {
		data[0] = port61 | ((now / 15085) & 1) << 4 |
			  pit_out(c, now) << 5;
		return;
	}
	port61 = data[0] & 3;
	gate = data[0] & 1;
	/* A rising gate (re)triggers modes 1, 2, 3 and 5. */
	if (gate && !c->gate && c->count &&
	    (c->mode == 1 || c->mode == 2 || c->mode == 3 || c->mode == 5))
		pit_start(c, now);
	c->gate = gate;
}

static int pit_init(struct vm *vm)
{
	int i;

	for (i = 0; i < 3; i++) {
		pit[i].gate = i != 2;
		pit[i].rw = 3;
		pit[i].count = 0x10000;
	}
	return 0;
}

static const struct dev_range pit_ports[] = {
	{ 0x40, 4, pit_io, NULL, "pit" },
	{ 0x61, 1, port61_io, NULL, "port61" },
	{ 0 }
};

const struct device pit_device = {
	.name		= "pit",
	.irq		= PIT_IRQ,
	.ports		= pit_ports,
	.init		= pit_init,
	.tick		= pit__update,
	.next_event	= pit__next_event,
};
