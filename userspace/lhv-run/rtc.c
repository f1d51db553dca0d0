// SPDX-License-Identifier: GPL-2.0
/*
 * rtc.c - a minimal MC146818 CMOS real-time clock (index 0x70, data 0x71):
 * the date and time (the host's UTC clock plus whatever offset the guest
 * sets), status registers A-D, century at 0x32, and the rest as 114 bytes
 * of CMOS RAM.  No alarm, periodic or update interrupts; the update cycle
 * is never in progress (UIP reads 0), so readers never wait.
 */
#include <time.h>

#include "lhv-run.h"

#define REG_SEC		0x00
#define REG_MIN		0x02
#define REG_HOUR	0x04
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MON		0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32

#define B_24H		0x02
#define B_BINARY	0x04
#define D_VRT		0x80	/* valid RAM and time */

static struct {
	uint8_t index;
	uint8_t ram[128];
	int64_t offset;		/* guest time - host time, seconds */
} rtc;

static uint8_t rtc_enc(int v)
{
	if (rtc.ram[REG_B] & B_BINARY)
		return v;
	return (v / 10) << 4 | (v % 10);
}

static int rtc_dec(uint8_t v)
{
	if (rtc.ram[REG_B] & B_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static void rtc_now(struct tm *tm)
{
	time_t t = time(NULL) + rtc.offset;

	gmtime_r(&t, tm);
}

static uint8_t rtc_hour(int h)
{
	if (rtc.ram[REG_B] & B_24H)
		return rtc_enc(h);
	/* 12-hour: 12, 1..11, with bit 7 for PM */
	return rtc_enc(h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static uint8_t rtc_read(uint8_t reg)
{
	struct tm tm;
	uint8_t v;

	rtc_now(&tm);
	switch (reg) {
	case REG_SEC:
		return rtc_enc(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case REG_MIN:
		return rtc_enc(tm.tm_min);
	case REG_HOUR:
		return rtc_hour(tm.tm_hour);
	case REG_WDAY:
		return rtc_enc(tm.tm_wday + 1);
	case REG_MDAY:
		return rtc_enc(tm.tm_mday);
	case REG_MON:
		return rtc_enc(tm.tm_mon + 1);
	case REG_YEAR:
		return rtc_enc(tm.tm_year % 100);
	case REG_CENTURY:
		return rtc_enc((tm.tm_year + 1900) / 100);
	case REG_A:
		return rtc.ram[REG_A] & 0x7f;
		/* UIP clear */
	case REG_C:	/* interrupt flags: read clears; none are raised */
		v = rtc.ram[REG_C];
		rtc.ram[REG_C] = 0;
		return v;
	case REG_D:
		return D_VRT;
	default:
		return rtc.ram[reg];
	}
}

/* The guest sets one field of the date or time: move our offset. */
static void rtc_set_time(uint8_t reg, uint8_t val)
{
	struct tm tm;
	int v;
	time_t t;

	rtc_now(&tm);
	if (reg == REG_HOUR) {
		v = rtc_dec(val & 0x7f);
		if (!(rtc.ram[REG_B] & B_24H))
			v = v % 12 + ((val & 0x80) ? 12 : 0);
	} else {
		v = rtc_dec(val);
	}
	switch (reg) {
	case REG_SEC:
		tm.tm_sec = v;
		break;
	case REG_MIN:
		tm.tm_min = v;
		break;
	case REG_HOUR:
		tm.tm_hour = v;
		break;
	case REG_MDAY:
		tm.tm_mday = v;
		break;
	case REG_MON:
		tm.tm_mon = v - 1;
		break;
	case REG_YEAR:
		tm.tm_year = (tm.tm_year / 100) * 100 + v;
		break;
	case REG_CENTURY:
		tm.tm_year = (v - 19) * 100 + tm.tm_year % 100;
		break;
	default:
		return;	/* the weekday follows from the date */
	}
	t = timegm(&tm);
	if (t != (time_t)-1)
		rtc.offset = t - time(NULL);
}

static void rtc_write(uint8_t reg, uint8_t val)
{
	switch (reg) {
	case REG_SEC: case REG_MIN: case REG_HOUR: case REG_MDAY:
	case REG_MON: case REG_YEAR: case REG_CENTURY:
		rtc_set_time(reg, val);
		break;
	case REG_C:
	case REG_D:
		break;		/* read-only */
	default:
		rtc.ram[reg] = val;
		break;
	}
}

static void rtc_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		   bool is_write)
{
	if (off == 0) {
		if (is_write)
			rtc.index = data[0] & 0x7f;	/* bit 7: NMI mask */
		else
			data[0] = 0xff;
		return;
	}
	if (is_write)
		rtc_write(rtc.index, data[0]);
	else
		data[0] = rtc_read(rtc.index);
}

static int rtc_init(struct vm *vm)
{
	rtc.ram[REG_A] = 0x26;		/* 32.768 kHz base, 1024 Hz rate */
	rtc.ram[REG_B] = B_24H;		/* BCD, 24-hour, no interrupts */
	return 0;
}

static const struct dev_range rtc_ports[] = {
	{ 0x70, 2, rtc_io, NULL, "rtc" },
	{ 0 }
};

/* IRQ 8 on a PC; this RTC never raises it. */
const struct device rtc_device = {
	.name	= "rtc",
	.irq	= -1,
	.ports	= rtc_ports,
	.init	= rtc_init,
};
