/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmu/mmu.h - guest physical memory: memslots and the second-level page
 * tables (AMD NPT, Intel EPT) built on demand from them.  The pure parts
 * (slot validation and lookup, entry formats) live in slots.c and pte.c and
 * build into host unit tests too; mmu.c is the kernel glue.
 */
#ifndef LHV_MMU_H
#define LHV_MMU_H

#include "mmu_types.h"

#endif /* LHV_MMU_H */
