// SPDX-License-Identifier: GPL-2.0
/*
 * i8042.c - the PS/2 controller (0x60 data, 0x64 status/command) with a
 * keyboard that acknowledges what it is sent and no auxiliary (mouse)
 * port.  Enough for the kernel's i8042 and atkbd probes to finish quickly
 * and, above all, for the reset line: command 0xfe (pulse output bit 0),
 * or bit 0 cleared through command 0xd1, resets the machine, which ends
 * lhv-run as a clean reboot (`reboot=k`, the kernel's default fallback
 * when there is no ACPI).
 */
#include <stdint.h>

#include "lhv-run.h"

#define STR_OBF		0x01	/* output buffer full */
#define STR_SYS		0x04	/* system flag, from CTR bit 2 */
#define STR_CMD		0x08	/* last write went to 0x64 */
#define STR_UNLOCKED	0x10	/* keyboard not inhibited */

#define CTR_KBDINT	0x01
#define CTR_SYS		0x04
#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20
#define CTR_XLATE	0x40

#define KBD_IRQ		1
#define QUEUE_LEN	16

static struct {
	uint8_t ctr;		/* controller command byte */
	uint8_t status_cmd;	/* STR_CMD or 0 */
	uint8_t pending;	/* controller command waiting for its data */
	uint8_t kbd_pending;	/* keyboard command waiting for its argument */
	uint8_t q[QUEUE_LEN];	/* output buffer and what follows it */
	int qhead, qlen;
	uint8_t last;		/* what a read of an empty buffer returns */
} kbc;

static void i8042_irq(void)
{
	pic__set_irq(KBD_IRQ, kbc.qlen && (kbc.ctr & CTR_KBDINT));
}

static void i8042_queue(uint8_t b)
{
	if (kbc.qlen == QUEUE_LEN)
		return;
	kbc.q[(kbc.qhead + kbc.qlen++) % QUEUE_LEN] = b;
}

static void i8042_reset_machine(void)
{
	exit__request(RUN_EXIT_OK, "reboot (i8042 reset line)");
}

/* A byte for the keyboard: it acknowledges everything. */
static void kbd_write(uint8_t b)
{
	uint8_t cmd = kbc.kbd_pending;

	kbc.kbd_pending = 0;
	if (cmd) {			/* the argument of cmd */
		i8042_queue(0xfa);
		if (cmd == 0xf0 && b == 0)
			i8042_queue(0x02);	/* scan code set 2 */
		return;
	}
	switch (b) {
	case 0xff:			/* reset: ack, self-test passed */
		i8042_queue(0xfa);
		i8042_queue(0xaa);
		break;
	case 0xf2:			/* identify: MF2 keyboard */
		i8042_queue(0xfa);
		i8042_queue(0xab);
		i8042_queue(0x83);
		break;
	case 0xee:			/* echo */
		i8042_queue(0xee);
		break;
	case 0xed:			/* LEDs, scan code set, typematic */
	case 0xf0:
	case 0xf3:
		kbc.kbd_pending = b;
		i8042_queue(0xfa);
		break;
	default:
		i8042_queue(0xfa);
		break;
	}
}

static void i8042_data(uint8_t b)
{
	uint8_t cmd = kbc.pending;

	kbc.pending = 0;
	switch (cmd) {
	case 0x60:			/* write CTR */
		kbc.ctr = b;
		break;
	case 0xd1:			/* write output port: bit 0 = reset */
		if (!(b & 1))
			i8042_reset_machine();
		break;
	case 0xd2:			/* as if from the keyboard */
	case 0xd3:			/* aux loopback: no aux, so as keyboard */
		i8042_queue(b);
		break;
	case 0xd4:			/* to the aux device: there is none */
		break;
	default:
		kbd_write(b);
		break;
	}
}

static void i8042_command(uint8_t c)
{
	/* A new command replaces whatever the last one left unread. */
	kbc.qlen = 0;
	kbc.pending = 0;
	switch (c) {
	case 0x20:
		i8042_queue(kbc.ctr);
		break;
	case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
		kbc.pending = c;
		break;
	case 0xa7:
		kbc.ctr |= CTR_AUXDIS;
		break;
	case 0xa8:
		kbc.ctr &= ~CTR_AUXDIS;
		break;
	case 0xa9:			/* aux interface test: clock stuck */
		i8042_queue(0x01);
		break;
	case 0xaa:			/* controller self-test passed */
		i8042_queue(0x55);
		break;
	case 0xab:			/* keyboard interface test passed */
		i8042_queue(0x00);
		break;
	case 0xad:
		kbc.ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		kbc.ctr &= ~CTR_KBDDIS;
		break;
	case 0xc0:			/* input port */
		i8042_queue(0x00);
		break;
	case 0xd0:			/* output port: reset high, A20 on */
		i8042_queue(0x03);
		break;
	default:
		/* 0xf0-0xff pulse output bits 0-3 low where c has a 0. */
		if (c >= 0xf0 && !(c & 1))
			i8042_reset_machine();
		break;
	}
}

static void i8042_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		     bool is_write)
{
	uintptr_t reg = (uintptr_t)opaque;	/* 0: port 0x60, 4: 0x64 */

	if (reg == 0 && !is_write) {		/* 0x60 read */
		if (kbc.qlen) {
			kbc.last = kbc.q[kbc.qhead];
			kbc.qhead = (kbc.qhead + 1) % QUEUE_LEN;
			kbc.qlen--;
			/* drop the line so that the next byte is an edge */
			pic__set_irq(KBD_IRQ, 0);
		}
		data[0] = kbc.last;
	} else if (reg == 0) {			/* 0x60 write */
		kbc.status_cmd = 0;
		i8042_data(data[0]);
	} else if (!is_write) {	/* 0x64 read: status */
		data[0] = (kbc.qlen ? STR_OBF : 0) | (kbc.ctr & CTR_SYS) |
			  kbc.status_cmd | STR_UNLOCKED;
	} else {				/* 0x64 write: command */
		kbc.status_cmd = STR_CMD;
		i8042_command(data[0]);
	}
	i8042_irq();
}

static int i8042_init(struct vm *vm)
{
	kbc.ctr = CTR_KBDINT | CTR_SYS | CTR_AUXDIS | CTR_XLATE;
	return 0;
}

/* 0x60-0x64; 0x61 (port B) belongs to pit.c, so two ranges */
static const struct dev_range i8042_ports[] = {
	{ 0x60, 1, i8042_io, NULL, "i8042-data" },
	{ 0x64, 1, i8042_io, (void *)4, "i8042-cmd" },
	{ 0 }
};

const struct device i8042_device = {
	.name	= "i8042",
	.irq	= KBD_IRQ,
	.ports	= i8042_ports,
	.init	= i8042_init,
};
