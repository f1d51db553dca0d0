/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/host/test_emul.h - the parts of the decoder/emulator tests that
 * live in emul_native.c (they run instructions on the host CPU).
 */
#ifndef LHV_TEST_EMUL_H
#define LHV_TEST_EMUL_H

/* Flags of ALU operations against the same operation run natively. */
void test_alu_oracle(unsigned int seed);
/* Random memory-operand instructions, run natively and emulated. */
void test_native(unsigned int seed);

#endif /* LHV_TEST_EMUL_H */
