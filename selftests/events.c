// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/events.c - events for a VMM with its own interrupt controller:
 * KVM_INTERRUPT through the interrupt window (request_interrupt_window,
 * KVM_EXIT_IRQ_WINDOW_OPEN only once IF = 1, if_flag and
 * ready_for_interrupt_injection), the vector reaching the guest's IDT
 * handler; KVM_NMI (also held back while NMIs are blocked);
 * KVM_GET/SET_VCPU_EVENTS (round trip, an exception with an error code
 * injected through it), KVM_GET/SET_MP_STATE and KVM_GET/SET_DEBUGREGS
 * (round trip, and the guest's view of DR0-3/DR6/DR7).
 */
#include "processor.h"

#define IRQ_VEC		0x30

volatile u64 irq_count __attribute__((used));
volatile u64 irq_vector __attribute__((used));
volatile u64 nmi_count __attribute__((used));
volatile u64 gp_count __attribute__((used));
volatile u64 gp_error __attribute__((used));

/* Handlers: record what arrived and return to where the guest was. */
asm(".pushsection .text\n"
    ".globl irq_stub_30, irq_stub_31, irq_stub_32, nmi_stub, gp_stub\n"
    "irq_stub_30: pushq $0x30; jmp irq_common\n"
    "irq_stub_31: pushq $0x31; jmp irq_common\n"
    "irq_stub_32: pushq $0x32; jmp irq_common\n"
    "irq_common:\n"
    "pushq %rax\n"
    "movq 8(%rsp), %rax\n"
    "movq %rax, irq_vector(%rip)\n"
    "incq irq_count(%rip)\n"
    "popq %rax\n"
    "addq $8, %rsp\n"
    "iretq\n"
    "nmi_stub:\n"
    "incq nmi_count(%rip)\n"
    "iretq\n"
    "gp_stub:\n"
    "pushq %rax\n"
    "movq 8(%rsp), %rax\n"
    "movq %rax, gp_error(%rip)\n"
    "incq gp_count(%rip)\n"
    "popq %rax\n"
    "addq $8, %rsp\n"
    "iretq\n"
    ".popsection\n");
extern const u8 irq_stub_30[], irq_stub_31[], irq_stub_32[], nmi_stub[],
	gp_stub[];

static struct kvm_vm *events_vm(struct kvm_vcpu **vcpu, void *guest_code)
{
	struct kvm_vm *vm = vm_create_longmode(0, vcpu, guest_code, 0, 0);

	vcpu_set_idt_handler(*vcpu, 2, (void *)nmi_stub);
	vcpu_set_idt_handler(*vcpu, 13, (void *)gp_stub);
	vcpu_set_idt_handler(*vcpu, 0x30, (void *)irq_stub_30);
	vcpu_set_idt_handler(*vcpu, 0x31, (void *)irq_stub_31);
	vcpu_set_idt_handler(*vcpu, 0x32, (void *)irq_stub_32);
	return vm;
}

static u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* --- the interrupt window --- */

static void guest_irq_window(void)
{
	asm volatile("cli");
	GUEST_SYNC(1);
	/* The host asked for the window: with IF = 0 it stays shut. */
	GUEST_SYNC(2);
	asm volatile("sti\n\t"
		     "1: cmpq $0, irq_count(%%rip)\n\t"
		     "je 1b" : : : "memory");
	GUEST_SYNC2(irq_vector, irq_count);
	/* Two KVM_INTERRUPTs before the next run. */
	GUEST_SYNC(3);
	GUEST_SYNC2(irq_vector, irq_count);
}

static void interrupt_window(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = events_vm(&vcpu, guest_irq_window);
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq = { .irq = IRQ_VEC };
	struct ucall uc;
	int r1, r2;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(run->if_flag, 0);
	TEST_ASSERT_EQ(run->ready_for_interrupt_injection, 0);

	run->request_interrupt_window = 1;
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 2);
	TEST_ASSERT_EQ(run->if_flag, 0);
	TEST_ASSERT_EQ(run->ready_for_interrupt_injection, 0);

	/* sti: now the window opens, before anything is injected. */
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT_EQ(run->if_flag, 1);
	TEST_ASSERT_EQ(run->ready_for_interrupt_injection, 1);
	TEST_ASSERT_EQ(guest_global(vm, irq_count), 0);

	run->request_interrupt_window = 0;
	vcpu_ioctl(vcpu, KVM_INTERRUPT, &irq);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], IRQ_VEC);
	TEST_ASSERT_EQ(uc.args[1], 1);
	TEST_ASSERT_EQ(run->if_flag, 1);
	TEST_ASSERT_EQ(run->ready_for_interrupt_injection, 1);

	/*
	 * A second KVM_INTERRUPT before KVM_RUN: KVM (no in-kernel irqchip)
	 * takes it and the second vector replaces the first; the API
	 * document allows EEXIST, keeping the first.  Either way exactly
	 * one interrupt arrives, and it is the one that was kept.
	 */
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 3);
	irq.irq = 0x31;
	r1 = __vcpu_ioctl(vcpu, KVM_INTERRUPT, &irq);
	TEST_ASSERT(r1 == 0, "KVM_INTERRUPT: %s", strerrorname(errno));
	irq.irq = 0x32;
	r2 = __vcpu_ioctl(vcpu, KVM_INTERRUPT, &irq);
	TEST_ASSERT(r2 == 0 || errno == EEXIST,
		    "second KVM_INTERRUPT: %d %s", r2, strerrorname(errno));
	ktap_print("second KVM_INTERRUPT: %s", r2 ? strerrorname(errno) : "0");
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], r2 == 0 ? 0x32 : 0x31);
	TEST_ASSERT_EQ(uc.args[1], 2);

	irq.irq = 256;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_INTERRUPT, &irq), EINVAL);
	vcpu_run_done(vcpu);
	TEST_ASSERT_EQ(guest_global(vm, irq_count), 2);
	vm_free(vm);
}

/* --- NMI --- */

static void guest_nmi(void)
{
	asm volatile("cli");
	GUEST_SYNC(nmi_count);
	/* NMIs do not care about IF. */
	GUEST_SYNC(nmi_count);
	/* Blocked by the host through SET_VCPU_EVENTS. */
	GUEST_SYNC(nmi_count);
	GUEST_SYNC(nmi_count);
}

static void nmi(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = events_vm(&vcpu, guest_nmi);
	struct kvm_vcpu_events ev;
	struct ucall uc;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_VCPU_EVENTS) > 0);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0);

	vcpu_ioctl(vcpu, KVM_NMI, NULL);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev);
	TEST_ASSERT_EQ(ev.nmi.pending, 1);
	TEST_ASSERT_EQ(ev.nmi.masked, 0);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(vcpu->run->if_flag, 0);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev);
	TEST_ASSERT_EQ(ev.nmi.pending, 0);
	TEST_ASSERT_EQ(ev.nmi.injected, 0);
	TEST_ASSERT_EQ(ev.nmi.masked, 0);

	/* Masked: the NMI stays pending across a run. */
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.nmi.masked = 1;
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev);
	vcpu_ioctl(vcpu, KVM_NMI, NULL);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev);
	TEST_ASSERT_EQ(ev.nmi.pending, 1);
	TEST_ASSERT_EQ(ev.nmi.masked, 1);

	/* Unmasked, it arrives. */
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.nmi.masked = 0;
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 2);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* --- KVM_GET/SET_VCPU_EVENTS --- */

static void guest_injected(void)
{
	asm volatile("sti");
	GUEST_SYNC(0);
	GUEST_SYNC2(gp_count, gp_error);
	GUEST_SYNC2(gp_count, read_rflags() & (1 << 9));
}

static void vcpu_events(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = events_vm(&vcpu, guest_injected);
	struct kvm_vcpu_events ev, ev2;
	struct ucall uc;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_VCPU_EVENTS) > 0);
	vcpu_run_sync(vcpu, &uc);

	/* Unchanged state goes back in and comes out the same. */
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev);
	TEST_ASSERT_EQ(ev.exception.injected, 0);
	TEST_ASSERT_EQ(ev.interrupt.injected, 0);
	TEST_ASSERT_EQ(ev.nmi.injected, 0);
	TEST_ASSERT_EQ(ev.nmi.pending, 0);
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev2);
	TEST_ASSERT(!memcmp(&ev.exception, &ev2.exception,
			    sizeof(ev.exception)) &&
		    !memcmp(&ev.interrupt, &ev2.interrupt,
			    sizeof(ev.interrupt)) &&
		    !memcmp(&ev.nmi, &ev2.nmi, sizeof(ev.nmi)),
		    "KVM_GET_VCPU_EVENTS differs after setting it back");

	/* Unknown flags are refused; so is an NMI as an exception. */
	ev2 = ev;
	ev2.flags |= 0x80000000;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev2),
			  EINVAL);
	ev2 = ev;
	ev2.exception.injected = 1;
	ev2.exception.nr = 2;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev2),
			  EINVAL);

	/* #GP(0x18) injected through the events: the handler sees it. */
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = 13;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x18;
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev2);
	TEST_ASSERT_EQ(ev2.exception.injected, 1);
	TEST_ASSERT_EQ(ev2.exception.nr, 13);
	TEST_ASSERT_EQ(ev2.exception.has_error_code, 1);
	TEST_ASSERT_EQ(ev2.exception.error_code, 0x18);

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(uc.args[1], 0x18);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev2);
	TEST_ASSERT_EQ(ev2.exception.injected, 0);

	/* An interrupt injected through the events. */
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev);
	ev.flags = 0;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = 0x31;
	ev.interrupt.soft = 0;
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev2);
	TEST_ASSERT_EQ(ev2.interrupt.injected, 1);
	TEST_ASSERT_EQ(ev2.interrupt.nr, 0x31);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(guest_global(vm, irq_vector), 0x31);
	TEST_ASSERT_EQ(guest_global(vm, irq_count), 1);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * An error code above 16 bits (issue 12, finding 7).  VMX's entry takes
 * only 16 bits (SDM 26.2.1.3: bits 31:16 of the VM-entry exception error
 * code must be 0, or VM entry fails as a VMfail): the extra bits are
 * dropped, never a failed entry or a kernel warning.  SVM's EVENTINJ
 * carries 32 bits, and the guest gets them all.
 */
static void error_code_high_bits(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = events_vm(&vcpu, guest_injected);
	struct kvm_vcpu_events ev;
	struct ucall uc;
	u64 want = host_cpu_is_intel() ? 0x2345 : 0x12345;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_VCPU_EVENTS) > 0);
	vcpu_run_sync(vcpu, &uc);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev);
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = 13;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x12345;
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(uc.args[1], want);
	vm_free(vm);
}

/* --- KVM_GET/SET_MP_STATE --- */

static void guest_done(void)
{
}

static void mp_state(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = events_vm(&vcpu, guest_done);
	struct kvm_mp_state mp;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_MP_STATE) > 0);
	mp.mp_state = 0xff;
	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp);
	TEST_ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp);
	mp.mp_state = 0xff;
	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp);
	TEST_ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);

	/* Without an in-kernel local APIC only RUNNABLE is accepted. */
	mp.mp_state = KVM_MP_STATE_HALTED;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp), EINVAL);
	mp.mp_state = 1000;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp), EINVAL);

	vcpu_run_done(vcpu);
	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp);
	TEST_ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vm_free(vm);
}

/* --- KVM_GET/SET_DEBUGREGS --- */

#define DR7_SET		0x00000455ULL	/* L0 G0 L1 L2, execute, bit 10 */
#define DR6_SET		0xffff0ff0ULL

static void guest_debugregs(void)
{
	u64 d0, d1, d2, d3, d6, d7;

	asm volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; "
		     "mov %%dr3, %3"
		     : "=r"(d0), "=r"(d1), "=r"(d2), "=r"(d3));
	asm volatile("mov %%dr6, %0; mov %%dr7, %1" : "=r"(d6), "=r"(d7));
	GUEST_SYNC4(d0, d1, d2, d3);
	GUEST_SYNC2(d6, d7);
	asm volatile("mov %0, %%dr0; mov %1, %%dr3"
		     : : "r"(0x5000ULL), "r"(0x7008ULL));
	GUEST_SYNC(0);
}

static void debugregs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = events_vm(&vcpu, guest_debugregs);
	struct kvm_debugregs dr, dr2;
	struct ucall uc;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_DEBUGREGS) > 0);
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dr);
	TEST_ASSERT_EQ(dr.flags, 0);
	/* Never executed: the breakpoints cannot fire. */
	dr.db[0] = 0x1000;
	dr.db[1] = 0x2004;
	dr.db[2] = 0x3008;
	dr.db[3] = 0x400c;
	dr.dr6 = DR6_SET;
	dr.dr7 = DR7_SET;
	vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dr);
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dr2);
	TEST_ASSERT_EQ(dr2.db[0], 0x1000);
	TEST_ASSERT_EQ(dr2.db[1], 0x2004);
	TEST_ASSERT_EQ(dr2.db[2], 0x3008);
	TEST_ASSERT_EQ(dr2.db[3], 0x400c);
	TEST_ASSERT_EQ(dr2.dr6, DR6_SET);
	TEST_ASSERT_EQ(dr2.dr7, DR7_SET);

	/* Bits 63:32 of DR6/DR7 are reserved; flags must be 0. */
	dr2 = dr;
	dr2.dr7 |= 1ULL << 32;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dr2), EINVAL);
	dr2 = dr;
	dr2.flags = 1;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dr2), EINVAL);

	/* The guest sees them ... */
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x1000);
	TEST_ASSERT_EQ(uc.args[1], 0x2004);
	TEST_ASSERT_EQ(uc.args[2], 0x3008);
	TEST_ASSERT_EQ(uc.args[3], 0x400c);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], DR6_SET);
	TEST_ASSERT_EQ(uc.args[1], DR7_SET);
	/* ... and what it writes comes back out. */
	vcpu_run_sync(vcpu, &uc);
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dr2);
	TEST_ASSERT_EQ(dr2.db[0], 0x5000);
	TEST_ASSERT_EQ(dr2.db[1], 0x2004);
	TEST_ASSERT_EQ(dr2.db[2], 0x3008);
	TEST_ASSERT_EQ(dr2.db[3], 0x7008);
	TEST_ASSERT_EQ(dr2.dr7, DR7_SET);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(interrupt_window),
	TEST_CASE(nmi),
	TEST_CASE(vcpu_events),
	TEST_CASE(error_code_high_bits),
	TEST_CASE(mp_state),
	TEST_CASE(debugregs),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
