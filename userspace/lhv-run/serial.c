// SPDX-License-Identifier: GPL-2.0
/*
 * serial.c - an 8250/16550A UART on COM1 (0x3f8-0x3ff, IRQ 4): the guest
 * console.  Registers THR/RBR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and
 * the divisor latch (DLL/DLM).
 *
 * Transmission is instant (THR and the transmitter are always empty), so
 * a FIFO changes nothing on output; on input the console is pulled one
 * byte at a time into RBR as the guest reads it, which the guest sees as
 * a FIFO that never overruns.  Interrupts: received data available, THR
 * empty and modem status, on IRQ 4 gated by MCR.OUT2 as on a PC; the line
 * is a level the PIC samples for edges.  Loopback (MCR bit 4) is modelled,
 * for the kernel's probe.
 */
#include "lhv-run.h"

#define COM1_BASE	0x3f8
#define COM1_IRQ	4

/* IER */
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08
/* IIR */
#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
/* LCR, MCR, LSR */
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
/* MSR: CTS DSR RI DCD, and their deltas in bits 0-3 */
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

static struct {
	uint8_t rbr;
	bool rx_full;
	uint8_t ier;
	uint8_t fcr;
	uint8_t lcr;
	uint8_t mcr;
	uint8_t msr;
	uint8_t scr;
	uint8_t dll, dlm;
	bool thre_pending;	/* the THR-empty interrupt is raised */
} uart;

static uint8_t serial_iir(void)
{
	uint8_t fifo = (uart.fcr & 1) ? IIR_FIFO : 0;

	if ((uart.ier & IER_RDI) && uart.rx_full)
		return IIR_RDI | fifo;
	if ((uart.ier & IER_THRI) && uart.thre_pending)
		return IIR_THRI | fifo;
	if ((uart.ier & IER_MSI) && (uart.msr & 0x0f))
		return IIR_MSI | fifo;
	return IIR_NO_INT | fifo;
}

static void serial_irq(void)
{
	bool level = (uart.mcr & MCR_OUT2) && !(serial_iir() & IIR_NO_INT);

	pic__set_irq(COM1_IRQ, level);
}

/* Modem inputs: in loopback they are the MCR outputs, else a live line. */
static void serial_update_msr(void)
{
	uint8_t in, delta;

	if (uart.mcr & MCR_LOOP)
		in = ((uart.mcr & MCR_RTS) ? MSR_CTS : 0) |
		     ((uart.mcr & MCR_DTR) ? MSR_DSR : 0) |
		     ((uart.mcr & MCR_OUT1) ? MSR_RI : 0) |
		     ((uart.mcr & MCR_OUT2) ? MSR_DCD : 0);
	else
		in = MSR_DCD | MSR_DSR | MSR_CTS;
	delta = (in ^ uart.msr) & 0xf0;
	uart.msr = in | (uart.msr & 0x0f) |
		   (delta & (MSR_CTS | MSR_DSR | MSR_DCD)) >> 4;
	/* TERI: RI went from on to off */
	if ((delta & MSR_RI) && !(in & MSR_RI))
		uart.msr |= 0x04;
}

static void serial_refill(void)
{
	int c;

	if (uart.rx_full || (uart.mcr & MCR_LOOP))
		return;
	c = term__getc();
	if (c < 0)
		return;
	uart.rbr = c;
	uart.rx_full = true;
}

/* After a wait or a signal: pull console input in, update the IRQ. */
static void serial_input(void)
{
	serial_refill();
	serial_irq();
}

/* The console, while RBR has room for what it may bring. */
static int serial_poll_fd(void)
{
	if (uart.rx_full || (uart.mcr & MCR_LOOP))
		return -1;
	return term__input_fd();
}

static void serial_write(uint64_t off, uint8_t val)
{
	switch (off) {
	case 0:
		if (uart.lcr & LCR_DLAB) {
			uart.dll = val;
		} else if (uart.mcr & MCR_LOOP) {
			uart.rbr = val;
			uart.rx_full = true;
			uart.thre_pending = true;
		} else {
			term__write(&val, 1);
			uart.thre_pending = true;
		}
		break;
	case 1:
		if (uart.lcr & LCR_DLAB) {
			uart.dlm = val;
			break;
		}
		/* Enabling THRI with the THR empty raises it at once. */
		if ((val & IER_THRI) && !(uart.ier & IER_THRI))
			uart.thre_pending = true;
		uart.ier = val & 0x0f;
		break;
	case 2:
		if (val & 0x02)		/* clear the receive FIFO */
			uart.rx_full = false;
		uart.fcr = val & 0xc1;
		break;
	case 3:
		uart.lcr = val;
		break;
	case 4:
		uart.mcr = val & 0x1f;
		serial_update_msr();
		break;
	case 7:
		uart.scr = val;
		break;
	default:			/* LSR, MSR: read-only */
		break;
	}
}

static uint8_t serial_read(uint64_t off)
{
	uint8_t v;

	switch (off) {
	case 0:
		if (uart.lcr & LCR_DLAB)
			return uart.dll;
		v = uart.rbr;
		uart.rx_full = false;
		serial_refill();
		return v;
	case 1:
		return (uart.lcr & LCR_DLAB) ? uart.dlm : uart.ier;
	case 2:
		v = serial_iir();
		if ((v & 0x0f) == IIR_THRI)
			uart.thre_pending = false;
		return v;
	case 3:
		return uart.lcr;
	case 4:
		return uart.mcr;
	case 5:
		serial_refill();
		return (uart.rx_full ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
	case 6:
		v = uart.msr;
		uart.msr &= 0xf0;
		return v;
	default:
		return uart.scr;
	}
}

static void serial_io(void *opaque, uint64_t off, uint8_t *data,
		      uint32_t len, bool is_write)
{
	if (is_write)
		serial_write(off, data[0]);
	else
		data[0] = serial_read(off);
	serial_irq();
}

static int serial_init(struct vm *vm)
{
	uart.lcr = 0x03;	/* 8N1, as firmware would leave it */
	uart.dll = 0x01;	/* 115200 baud */
	serial_update_msr();
	uart.msr &= 0xf0;
	return 0;
}

static const struct dev_range serial_ports[] = {
	{ COM1_BASE, 8, serial_io, NULL, "com1" },
	{ 0 }
};

const struct device serial_device = {
	.name		= "serial",
	.irq		= COM1_IRQ,
	.ports		= serial_ports,
	.init		= serial_init,
	.poll_fd	= serial_poll_fd,
	.input		= serial_input,
};
