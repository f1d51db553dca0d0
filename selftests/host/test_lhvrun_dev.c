// SPDX-License-Identifier: GPL-2.0
/*
 * test_lhvrun_dev.c - host unit tests of lhv-run's devices
 * (userspace/lhv-run): the machine set up through the device table
 * (dev.c), the interrupt controller and the timer (pic.c, pit.c) and the
 * i8042's reset line, driven through the port bus (io.c) the way Linux
 * drives them, on lhv-run's own clock and exit requests (util.c), the
 * clock frozen and moved by hand.  KTAP.
 */
#include <stdio.h>

#include "ktap.h"
#include "lhv-run.h"

static uint64_t fake_ns = 1000000000ULL;

/* The devices read the time through clock__ns(): move it by hand. */
static void clock_advance(uint64_t ns)
{
	fake_ns += ns;
	clock__freeze(fake_ns);
}

static void outb(uint16_t port, uint8_t v)
{
	io__port(port, &v, 1, true);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	io__port(port, &v, 1, false);
	return v;
}

/* Linux's init_8259A(0): vectors 0x30 and 0x38, cascade on IR2. */
static void pic_init_linux(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x38);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
}

static void test_pic(void)
{
	int v;

	pic_init_linux();
	outb(0x21, 0xa5);
	ktap_result(inb(0x21) == 0xa5, "pic: IMR reads back (Linux's probe)");

	outb(0x21, 0xfa);		/* IR0 and IR2 unmasked */
	outb(0xa1, 0xff);
	pic__pulse_irq(0);
	ktap_result(pic__pending(), "pic: an edge on IRQ 0 is pending");
	v = pic__ack();
	ktap_result(v == 0x30, "pic: IRQ 0 is vector 0x30 (got %#x)", v);
	ktap_result(!pic__pending(), "pic: nothing pending once acknowledged");
	outb(0x20, 0x0b);
	ktap_result(inb(0x20) == 0x01, "pic: OCW3 reads ISR with IR0 in service");
	outb(0x20, 0x0a);
	pic__pulse_irq(0);
	ktap_result(!pic__pending(), "pic: IR0 again waits for the EOI");
	outb(0x20, 0x60);		/* specific EOI, IR0 */
	ktap_result(pic__pending() && pic__ack() == 0x30,
		    "pic: after the specific EOI it is delivered");
	outb(0x20, 0x20);

	pic__pulse_irq(3);
	ktap_result(!pic__pending(), "pic: a masked IRQ 3 is not delivered");
	outb(0x21, 0xf2);		/* unmask IR3 too */
	ktap_result(pic__pending() && pic__ack() == 0x33,
		    "pic: unmasked, the latched IRQ 3 is delivered");
	outb(0x20, 0x20);

	outb(0x21, 0xe0);		/* IR0-4 unmasked */
	pic__pulse_irq(4);
	pic__pulse_irq(1);
	v = pic__ack();
	ktap_result(v == 0x31, "pic: IRQ 1 before IRQ 4 (got %#x)", v);
	ktap_result(!pic__pending(), "pic: IRQ 4 waits while IRQ 1 is in service");
	outb(0x20, 0x20);
	v = pic__ack();
	ktap_result(v == 0x34, "pic: then IRQ 4 (got %#x)", v);
	outb(0x20, 0x20);

	outb(0xa1, 0xfe);		/* slave IR0 = IRQ 8 */
	pic__pulse_irq(8);
	v = pic__ack();
	ktap_result(v == 0x38, "pic: IRQ 8 through the cascade is 0x38 (got %#x)", v);
	outb(0xa0, 0x0b);
	outb(0x20, 0x0b);
	ktap_result(inb(0xa0) == 0x01 && inb(0x20) == 0x04,
		    "pic: slave IR0 and master IR2 in service");
	outb(0xa0, 0x60);
	outb(0x20, 0x62);
	outb(0xa0, 0x0a);
	outb(0x20, 0x0a);
	ktap_result(inb(0x20) == 0 && !pic__pending(), "pic: EOIs clear it");

	v = pic__ack();
	ktap_result(v == 0x37, "pic: an acknowledge with nothing pending is spurious IR7");

	pic__set_irq(4, 1);
	v = pic__ack();
	pic__set_irq(4, 0);
	outb(0x20, 0x20);
	pic__set_irq(4, 1);
	ktap_result(v == 0x34 && pic__pending(),
		    "pic: an edge-triggered line that drops and rises again is a new request");
	pic__ack();
	outb(0x20, 0x20);
	pic__set_irq(4, 0);
}

/* Nanoseconds of n PIT clocks. */
static uint64_t clocks(uint64_t n)
{
	return n * 1000000000ULL / 1193182;
}

static void test_pit(void)
{
	uint64_t next;
	uint16_t c;
	int v;

	outb(0x21, 0xfe);		/* only IRQ 0 */
	outb(0x43, 0x34);		/* ch0, lo/hi, mode 2 */
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	next = pit__next_event();
	ktap_result(next == fake_ns + clocks(1193) + 1 ||
		    next == fake_ns + clocks(1193),
		    "pit: mode 2 counts 1193 clocks to the first edge");
	clock_advance(clocks(300));
	outb(0x43, 0x00);		/* latch ch0 */
	c = inb(0x40);
	c |= inb(0x40) << 8;
	ktap_result(c >= 892 && c <= 894, "pit: latched count after 300 clocks (%u)", c);
	pit__update(fake_ns);
	ktap_result(!pic__pending(), "pit: no interrupt before the period ends");
	clock_advance(clocks(1000));
	pit__update(fake_ns);
	ktap_result(pic__pending(), "pit: IRQ 0 at the end of the period");
	v = pic__ack();
	outb(0x20, 0x20);
	clock_advance(clocks(10 * 1193));
	pit__update(fake_ns);
	pit__update(fake_ns);
	ktap_result(v == 0x30 && pic__pending() && pic__ack() == 0x30 &&
		    (outb(0x20, 0x20), !pic__pending()),
		    "pit: ten late periods are one interrupt, not ten");
	ktap_result(pit__next_event() > fake_ns &&
		    pit__next_event() <= fake_ns + clocks(1194),
		    "pit: the next edge is within one period");

	outb(0x43, 0x38);		/* ch0 mode 4: one shot (Linux) */
	outb(0x40, 100);
	outb(0x40, 0);
	clock_advance(clocks(102));
	pit__update(fake_ns);
	ktap_result(pic__pending() && pic__ack() == 0x30, "pit: mode 4 fires once");
	outb(0x20, 0x20);
	clock_advance(clocks(100000));
	pit__update(fake_ns);
	ktap_result(!pic__pending() && !pit__next_event(), "pit: and only once");

	/* Linux's pit_calibrate_tsc: gate on, ch2 mode 0, wait for OUT2. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0x9b);
	outb(0x42, 0x2e);		/* 11931: 10 ms */
	clock_advance(clocks(11000));
	ktap_result(!(inb(0x61) & 0x20), "pit: OUT2 low before the count ends");
	clock_advance(clocks(1000));
	ktap_result(inb(0x61) & 0x20, "pit: OUT2 high after 10 ms");

	outb(0x43, 0xe8);		/* read-back: status of ch2 */
	v = inb(0x42);
	ktap_result(v == (0x80 | 0x30 | 0x00),
		    "pit: read-back status of ch2 (OUT, lo/hi, mode 0): %#x", v);
}

static void test_table(void)
{
	uint64_t next;

	outb(0x43, 0x34);		/* ch0 mode 2 again, 1 ms */
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	next = pit__next_event();
	ktap_result(next && dev__next_event() == next,
		    "dev: the table's next event is the PIT's");
	clock_advance(clocks(1200));
	dev__tick(fake_ns);
	ktap_result(dev__intr_pending() && pic__pending(),
		    "dev: the table's tick reaches the PIT, its IRQ the PIC");
	ktap_result(dev__intr_ack() == 0x30,
		    "dev: the table's interrupt controller acknowledges IRQ 0");
	outb(0x20, 0x20);
	ktap_result(inb(0x3fd) == 0x60 && inb(0x70) == 0xff && inb(0x80) == 0xff,
		    "dev: the UART's LSR, the RTC's index port and port 0x80 answer");
	ktap_result(inb(0x64) & 0x04, "dev: the i8042 is set up (system flag)");
}

static void test_i8042_reset(void)
{
	ktap_result(!exit__requested(), "i8042: no exit requested yet");
	outb(0x64, 0xfe);		/* pulse the reset line */
	ktap_result(exit__requested() && exit__status() == 0,
		    "i8042: command 0xfe requests an exit with status 0 (reboot)");
	exit__request(3, "later");
	ktap_result(exit__status() == 0, "util: the first exit request wins");
}

int main(void)
{
	clock__freeze(fake_ns);
	/* no console: the UART never reads the test's stdin */
	if (dev__init(NULL) || term__init(CONSOLE_NONE))
		return 1;
	test_pic();
	test_pit();
	test_table();
	test_i8042_reset();
	return ktap_finish();
}
