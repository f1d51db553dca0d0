/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lhv-run.h - what the files of lhv-run share: the VM (one vCPU, guest
 * RAM), the port/MMIO bus, the device table, the legacy PC devices and
 * the boot loaders.  The services under all of them are in util.h.
 *
 * Layers, each file calling only down (selftests/host/lhvrun_layers.sh
 * checks): main.c; run.c; dev.c, the device table, which registers the
 * devices' ranges on io.c's bus; the devices (serial.c, over term.c, the
 * console; i8042.c; pit.c; rtc.c) over pic.c; boot.c over pvh.c, both
 * over load.c; vm.c; util.c at the bottom.
 *
 * lhv-run speaks only the KVM API of <linux/kvm.h>, so it runs unchanged on
 * /dev/lhv and /dev/kvm.  It never creates an in-kernel irqchip or PIT: the
 * 8259 PIC pair and the 8254 PIT are emulated here, and interrupts are
 * injected with KVM_INTERRUPT through the interrupt window.
 *
 * Single-threaded: every device is a file-scope singleton touched only by
 * the run loop (signal handlers touch run->immediate_exit and nothing else).
 */
#ifndef LHV_RUN_H
#define LHV_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "util.h"

/* Exit status of lhv-run: the guest's fate (see lhv-run.1). */
enum {
	RUN_EXIT_OK		= 0,	/* guest powered off or rebooted */
	RUN_EXIT_ERROR		= 1,	/* bad input or setup failure */
	RUN_EXIT_USAGE		= 2,	/* bad command line */
	RUN_EXIT_TRIPLE_FAULT	= 3,	/* KVM_EXIT_SHUTDOWN */
	RUN_EXIT_FAIL_ENTRY	= 4,	/* KVM_EXIT_FAIL_ENTRY */
	RUN_EXIT_INTERNAL	= 5,	/* internal error, unexpected exit */
	RUN_EXIT_USER		= 130,	/* Ctrl-A x, SIGINT */
};

/* Guest-physical layout below 1 MiB (the loaders' scratch area). */
#define GPA_GDT		0x00000500ULL	/* flat GDT, 0x10 code, 0x18 data */
#define GPA_BOOT_INFO	0x00007000ULL	/* boot_params or hvm_start_info */
#define GPA_STACK_TOP	0x00008ff0ULL
#define GPA_PML4	0x00009000ULL	/* identity page tables: 6 pages */
#define GPA_CMDLINE	0x00020000ULL	/* up to 64 KiB */
#define GPA_EBDA	0x0009fc00ULL	/* RAM above is reserved in e820 */
#define GPA_HIGH_MEM	0x00100000ULL
#define GPA_MEM_HOLE	0xc0000000ULL	/* RAM above this moves to 4 GiB */
#define GPA_4G		0x100000000ULL
#define GPA_TSS		0xfffbd000ULL	/* KVM_SET_TSS_ADDR (3 pages) */
#define GPA_IDENT_MAP	0xfffbc000ULL	/* KVM_SET_IDENTITY_MAP_ADDR */

#define CMDLINE_MAX	65535		/* our buffer; the kernel says less */

struct vm {
	const char *dev;	/* device path: /dev/lhv, /dev/kvm */
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;		/* host mapping of all guest RAM */
	uint64_t ram_size;	/* total bytes of RAM */
	uint64_t low_size;	/* RAM at GPA 0 (the rest is at 4 GiB) */
	bool has_immediate_exit;
	bool debug;
};

/* vm.c: the VM and its vCPU */
int vm__init(struct vm *vm, const char *dev, uint64_t ram_size, bool debug);
void vm__exit(struct vm *vm);
void *vm__gpa(struct vm *vm, uint64_t gpa, uint64_t len);
int vm__setup_cpuid(struct vm *vm);
int vm__set_entry_long(struct vm *vm, uint64_t rip, uint64_t rsi);
int vm__set_entry_prot32(struct vm *vm, uint64_t eip, uint32_t esi,
			 uint32_t ebx);
void vm__dump_regs(struct vm *vm);
int vm__e820(struct vm *vm, uint64_t *addr, uint64_t *size, uint32_t *type,
	     int max);

/* boot.c and pvh.c: load a kernel, set the entry state */
struct boot_args {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
};
int boot__load(struct vm *vm, const struct boot_args *args);
int boot__load_bzimage(struct vm *vm, const struct boot_args *args,
		       const uint8_t *img, size_t len);
int pvh__load_elf(struct vm *vm, const struct boot_args *args,
		  const uint8_t *img, size_t len);

/* load.c: files into memory, the initrd into guest RAM */
uint8_t *load__file(const char *what, const char *path, size_t *lenp);
int load__initrd(struct vm *vm, const char *path, uint64_t min_gpa,
		 uint64_t max_gpa, uint64_t *gpa, uint64_t *size);

/* run.c: the run loop; returns the exit status */
int run__loop(struct vm *vm);

/* io.c: the port and MMIO bus */
typedef void (*io_fn)(void *opaque, uint64_t addr, uint8_t *data,
		      uint32_t len, bool is_write);
int io__register_port(uint16_t base, uint16_t len, io_fn fn, void *opaque,
		      const char *name);
int io__register_mmio(uint64_t base, uint64_t len, io_fn fn, void *opaque,
		      const char *name);
void io__port(uint16_t port, uint8_t *data, uint32_t len, bool is_write);
void io__mmio(uint64_t addr, uint8_t *data, uint32_t len, bool is_write);
void io__report(void);

/*
 * A device of the machine: one const instance in each device file, listed
 * once in dev.c's table, which sets them up in order and which the run
 * loop asks instead of naming devices.  Every member but name may be
 * NULL (or empty, or -1 for irq).
 */
struct dev_range {
	uint64_t base;
	uint64_t len;		/* 0 ends a list */
	io_fn fn;
	void *opaque;
	const char *name;	/* in error messages */
};

struct device {
	const char *name;
	int irq;			/* the ISA line it drives, -1 none */
	const struct dev_range *ports;	/* registered after init */
	const struct dev_range *mmio;
	int (*init)(struct vm *vm);	/* -1: an error was printed */
	void (*exit)(struct vm *vm);	/* at teardown, in reverse order */
	/* timers: bring the state up to now (raising IRQs), next deadline */
	void (*tick)(uint64_t now);
	uint64_t (*next_event)(void);	/* ns, 0 for none */
	/* input: the fd it waits on (-1: none now), and the handler that
	 * pulls from it without blocking, called after every wait and
	 * every signal, ready or not */
	int (*poll_fd)(void);
	void (*input)(void);
	/* the interrupt controller (one device): request pending, and the
	 * acknowledge that returns the vector to inject */
	bool (*intr_pending)(void);
	int (*intr_ack)(void);
};

/* dev.c: the device table */
int dev__init(struct vm *vm);
void dev__exit(struct vm *vm);
void dev__tick(uint64_t now);
uint64_t dev__next_event(void);	/* the earliest, 0 for none */
int dev__poll_fds(int *fds, int max);
void dev__input(void);
bool dev__intr_pending(void);
int dev__intr_ack(void);

/* io.c: port 0x80; pic.c: 8259A master/slave pair and ELCR */
extern const struct device post_device;
extern const struct device pic_device;
void pic__set_irq(int irq, int level);
void pic__pulse_irq(int irq);
bool pic__pending(void);
int pic__ack(void);		/* the vector to inject */

/* pit.c: 8254 PIT, port 0x61 */
extern const struct device pit_device;
void pit__update(uint64_t now);
uint64_t pit__next_event(void);	/* ns deadline of IRQ 0, 0 for none */

/* serial.c: 8250/16550A UART on COM1; i8042.c; rtc.c */
extern const struct device serial_device;
extern const struct device i8042_device;
extern const struct device rtc_device;

/* term.c: the console on stdio */
enum console_mode { CONSOLE_STDIO, CONSOLE_NONE };
int term__init(enum console_mode mode);
void term__restore(void);
void term__write(const uint8_t *buf, size_t len);
void term__flush(void);
int term__input_fd(void);	/* -1 when there is no (more) input */
int term__getc(void);		/* next input byte, -1 when none now */

#endif /* LHV_RUN_H */
