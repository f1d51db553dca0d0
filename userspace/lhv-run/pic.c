// SPDX-License-Identifier: GPL-2.0
/*
 * pic.c - the 8259A programmable interrupt controller pair of the PC
 * (master at 0x20/0x21, slave at 0xa0/0xa1 cascaded on master IRQ 2)
 * and the edge/level control registers at 0x4d0/0x4d1.
 *
 * Behaviour follows the Intel 8259A data sheet: ICW1-ICW4 initialisation,
 * OCW1 (mask), OCW2 (EOI, specific EOI, rotation, set priority) and OCW3
 * (IRR/ISR read, poll, special mask).  There is no INTA cycle here: the
 * run loop calls pic__ack() (the table's intr_ack) when it can inject,
 * and that plays the acknowledge (ISR set, IRR cleared for edge inputs,
 * AEOI).
 */
#include "lhv-run.h"

struct pic {
	uint8_t irr;		/* requests latched */
	uint8_t isr;		/* in service */
	uint8_t imr;		/* masked */
	uint8_t line;		/* input levels now, for edge detection */
	uint8_t elcr;		/* 1 = level-triggered input */
	uint8_t elcr_mask;	/* which inputs may be level-triggered */
	uint8_t base;		/* ICW2: vector of IR0 */
	uint8_t lowest;		/* rotation: IR that has the top priority */
	uint8_t init_step;	/* 0 ready; 1, 2, 3: expecting ICW2, 3, 4 */
	bool icw4;		/* ICW1: ICW4 will come */
	bool single;		/* ICW1: no cascade, no ICW3 */
	bool auto_eoi;		/* ICW4 AEOI */
	bool rotate_aeoi;	/* OCW2: rotate in AEOI mode */
	bool read_isr;		/* OCW3: port 0 reads ISR, not IRR */
	bool poll;		/* OCW3: next port 0 read is a poll */
	bool special_mask;	/* OCW3 SMM */
};

static struct pic pics[2];	/* [0] master, [1] slave */

/* 0 for the top-priority IR in mask, ... 7; 8 when mask is empty. */
static int pic_priority(const struct pic *p, uint8_t mask)
{
	int i;

	for (i = 0; i < 8; i++)
		if (mask & (1u << ((p->lowest + i) & 7)))
			return i;
	return 8;
}

/* The IR this chip would signal now, or -1. */
static int pic_irq(const struct pic *p)
{
	uint8_t req = p->irr & ~p->imr;
	uint8_t isr = p->special_mask ? p->isr & ~p->imr : p->isr;
	int pri = pic_priority(p, req);

	if (pri == 8 || pri >= pic_priority(p, isr))
		return -1;
	return (p->lowest + pri) & 7;
}

/* The slave's output is the master's IR 2 input (level). */
static void pic_cascade(void)
{
	if (pic_irq(&pics[1]) >= 0)
		pics[0].irr |= 1u << 2;
	else
		pics[0].irr &= ~(1u << 2);
}

static void pic_input(struct pic *p, int ir, int level)
{
	uint8_t bit = 1u << ir;

	if (p->elcr & bit) {
		if (level)
			p->irr |= bit;
		else
			p->irr &= ~bit;
	} else if (level && !(p->line & bit)) {
		p->irr |= bit;	/* rising edge */
	}
	if (level)
		p->line |= bit;
	else
		p->line &= ~bit;
}

void pic__set_irq(int irq, int level)
{
	if (irq < 0 || irq > 15 || irq == 2)
		return;
	pic_input(&pics[irq >> 3], irq & 7, level);
	pic_cascade();
}

/* An edge: what the PIT's output gives once per period. */
void pic__pulse_irq(int irq)
{
	pic__set_irq(irq, 1);
	pic__set_irq(irq, 0);
}

bool pic__pending(void)
{
	pic_cascade();
	return pic_irq(&pics[0]) >= 0;
}

/* The acknowledge of one IR: ISR set (or AEOI), edge request consumed. */
static void pic_intack(struct pic *p, int ir)
{
	uint8_t bit = 1u << ir;

	if (p->auto_eoi) {
		if (p->rotate_aeoi)
			p->lowest = (ir + 1) & 7;
	} else {
		p->isr |= bit;
	}
	if (!(p->elcr & bit))
		p->irr &= ~bit;
}

int pic__ack(void)
{
	struct pic *m = &pics[0], *s = &pics[1];
	int ir, sir, vec;

	pic_cascade();
	ir = pic_irq(m);
	if (ir < 0)
		return m->base | 7;	/* spurious IR7 */
	pic_intack(m, ir);
	if (ir != 2) {
		vec = m->base | ir;
	} else {
		sir = pic_irq(s);
		if (sir < 0) {
			vec = s->base | 7;
		} else {
			pic_intack(s, sir);
			vec = s->base | sir;
		}
	}
	pic_cascade();
	return vec;
}

static void pic_eoi(struct pic *p, int ir, bool rotate)
{
	if (ir < 0) {	/* non-specific: the top-priority one in service */
		int pri = pic_priority(p, p->isr);

		if (pri == 8)
			return;
		ir = (p->lowest + pri) & 7;
	}
	p->isr &= ~(1u << ir);
	if (rotate)
		p->lowest = (ir + 1) & 7;
}

static void pic_write_cmd(struct pic *p, uint8_t val)
{
	if (val & 0x10) {			/* ICW1 */
		p->irr = p->isr = p->imr = 0;
		p->line = 0;
		p->lowest = 0;
		p->read_isr = p->poll = p->special_mask = false;
		p->auto_eoi = p->rotate_aeoi = false;
		p->icw4 = val & 0x01;
		p->single = val & 0x02;
		p->init_step = 1;
		return;
	}
	if (val & 0x08) {			/* OCW3 */
		if (val & 0x04)
			p->poll = true;
		if (val & 0x02)
			p->read_isr = val & 0x01;
		if (val & 0x40)
			p->special_mask = val & 0x20;
		return;
	}
	switch (val >> 5) {			/* OCW2 */
	case 0:
		p->rotate_aeoi = false;
		break;
	case 4:
		p->rotate_aeoi = true;
		break;
	case 1:
		pic_eoi(p, -1, false);
		break;
	case 5:
		pic_eoi(p, -1, true);
		break;
	case 3:
		pic_eoi(p, val & 7, false);
		break;
	case 7:
		pic_eoi(p, val & 7, true);
		break;
	case 6:
		p->lowest = ((val & 7) + 1) & 7;
		break;
	default:		/* 2: no operation */
		break;
	}
}

static void pic_write_data(struct pic *p, uint8_t val)
{
	switch (p->init_step) {
	case 1:					/* ICW2 */
		p->base = val & 0xf8;
		p->init_step = !p->single ? 2 : p->icw4 ? 3 : 0;
		break;
	case 2:					/* ICW3: cascade wiring */
		p->init_step = p->icw4 ? 3 : 0;
		break;
	case 3:					/* ICW4 */
		p->auto_eoi = val & 0x02;
		p->init_step = 0;
		break;
	default:				/* OCW1 */
		p->imr = val;
		break;
	}
}

static uint8_t pic_read_cmd(struct pic *p)
{
	int ir;

	if (p->poll) {		/* poll: acknowledge and report the IR */
		p->poll = false;
		if (p == &pics[0])
			pic_cascade();
		ir = pic_irq(p);
		if (ir < 0)
			return 0;
		pic_intack(p, ir);
		return 0x80 | ir;
	}
	return p->read_isr ? p->isr : p->irr;
}

static void pic_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct pic *p = opaque;

	if (is_write) {
		if (off == 0)
			pic_write_cmd(p, data[0]);
		else
			pic_write_data(p, data[0]);
		pic_cascade();
		return;
	}
	data[0] = off == 0 ? pic_read_cmd(p) : p->imr;
	pic_cascade();
}

/* ELCR: IRQ 0, 1, 2, 8 and 13 are always edge-triggered on a PC. */
static void elcr_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct pic *p = &pics[off & 1];

	if (is_write)
		p->elcr = data[0] & p->elcr_mask;
	else
		data[0] = p->elcr;
}

static int pic_init(struct vm *vm)
{
	pics[0].elcr_mask = 0xf8;
	pics[1].elcr_mask = 0xde;
	pics[0].imr = pics[1].imr = 0xff;
	return 0;
}

static const struct dev_range pic_ports[] = {
	{ 0x20, 2, pic_io, &pics[0], "pic-master" },
	{ 0xa0, 2, pic_io, &pics[1], "pic-slave" },
	{ 0x4d0, 2, elcr_io, NULL, "elcr" },
	{ 0 }
};

const struct device pic_device = {
	.name		= "pic",
	.irq		= -1,
	.ports		= pic_ports,
	.init		= pic_init,
	.intr_pending	= pic__pending,
	.intr_ack	= pic__ack,
};
