/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/emul_types.h - the handful of types and macros the instruction
 * decoder and emulator (emul.c) and the guest page-table walker (gpt.c)
 * use, taken from the kernel's headers in lhv.ko and from the C library's
 * in the host unit tests and the fuzz target.
 * emul.c uses nothing else from its environment: no kernel calls, no libc.
 */
#ifndef LHV_EMUL_TYPES_H
#define LHV_EMUL_TYPES_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/stddef.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))
#endif

#endif /* LHV_EMUL_TYPES_H */
