// SPDX-License-Identifier: GPL-2.0
/*
 * lab/bochs/nosrand.c - LD_PRELOAD shim for bochs-bin: srand() does
 * nothing, so libc's rand() keeps its fixed default seed.  Bochs feeds
 * the guest's RDRAND/RDSEED from rand() after seeding it from the clock;
 * with this (plus fixed timestamps in the image and clock time0) two lab
 * runs execute the same instructions.
 */
void srand(unsigned int seed)
{
	(void)seed;
}
