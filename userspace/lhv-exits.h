/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lhv-exits.h - names of lhv's exit counters (enum lhv_exit_reason of
 * uapi/linux/lhv.h, LHV_GET_VCPU_STATS), shared by the userspace tools.
 */
#ifndef LHV_EXITS_H
#define LHV_EXITS_H

#include <linux/lhv.h>

static inline const char *lhv_exit_name(unsigned int reason)
{
	static const char *const names[LHV_EXIT_NR] = {
		[LHV_EXIT_NONE] = "host-interrupt", [LHV_EXIT_IO] = "io",
		[LHV_EXIT_MMIO] = "mmio", [LHV_EXIT_HLT] = "hlt",
		[LHV_EXIT_CPUID] = "cpuid", [LHV_EXIT_RDMSR] = "rdmsr",
		[LHV_EXIT_WRMSR] = "wrmsr", [LHV_EXIT_NPF] = "npf",
		[LHV_EXIT_SHUTDOWN] = "shutdown",
		[LHV_EXIT_FAIL_ENTRY] = "fail-entry", [LHV_EXIT_UD] = "ud",
		[LHV_EXIT_XSETBV] = "xsetbv",
		[LHV_EXIT_INTR_WINDOW] = "irq-window",
		[LHV_EXIT_EXCEPTION] = "exception",
		[LHV_EXIT_CR_ACCESS] = "cr", [LHV_EXIT_UNKNOWN] = "unknown",
	};

	return reason < LHV_EXIT_NR && names[reason] ? names[reason] : "?";
}

#endif /* LHV_EXITS_H */
