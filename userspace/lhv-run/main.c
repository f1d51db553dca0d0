// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - lhv-run: boot an unmodified Linux kernel (bzImage, or an ELF
 * vmlinux through PVH) on /dev/lhv, or on any device that speaks the KVM
 * API (/dev/kvm), with a serial console on stdio.  This file: the command
 * line, its validation, and the order of setup.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "lhv-run.h"

#define DEFAULT_DEV	"/dev/lhv"
#define DEFAULT_MEM	(256ULL << 20)
#define DEFAULT_CMDLINE	"console=ttyS0 reboot=k"
#define MIN_MEM		(16ULL << 20)
#define MAX_MEM		(1ULL << 40)

static void usage(FILE *f)
{
	fprintf(f,
"usage: lhv-run --kernel FILE [options]\n"
"Boot a Linux kernel on lhv (or any KVM-API device) with a serial console\n"
"on stdio.  Devices: 8250 UART on COM1, 8259 PIC pair, 8254 PIT, i8042,\n"
"CMOS RTC; no local APIC (the guest runs in PIC mode).\n"
"\n"
"  -k, --kernel FILE    bzImage, or an uncompressed ELF vmlinux with a PVH\n"
"                       entry note (CONFIG_PVH=y)\n"
"  -i, --initrd FILE    initial ramdisk\n"
"  -c, --cmdline STR    kernel command line (default: \"%s\")\n"
"  -m, --mem SIZE       guest RAM: 256M, 1G, ... (no suffix: MiB; default 256M)\n"
"      --cpus N         vCPUs: only 1 for now\n"
"  -d, --dev PATH       device (default: $LHV_DEV, else %s; /dev/kvm works)\n"
"      --console MODE   stdio (default): guest serial on stdout, stdin to the\n"
"                       guest (raw terminal on a tty; Ctrl-A x quits);\n"
"                       none: discard guest output, no input\n"
"      --debug          report exits and unhandled ports/MMIO at the end\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 the guest powered off or rebooted, 1 bad input or setup\n"
"error, 2 bad usage, 3 guest triple fault, 4 VM entry failure, 5 internal\n"
"error or unexpected exit, 130 Ctrl-A x or SIGINT, 128+N stopped by signal\n"
"N (SIGHUP, SIGTERM: the guest is stopped and --debug still reports).\n",
		DEFAULT_CMDLINE, DEFAULT_DEV);
}

/* "256M", "1G", "512" (MiB), "1048576K"; 0 on error. */
static uint64_t parse_size(const char *s)
{
	unsigned long long v;
	uint64_t mult = 1ULL << 20;
	char *end;

	if (!*s || *s == '-')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	case 't': case 'T':
		mult = 1ULL << 40;
		end++;
		break;
	default:
		break;
	}
	if (!strcmp(end, "iB") || !strcmp(end, "B"))
		end += strlen(end);
	if (*end || v > UINT64_MAX / mult)
		return 0;
	return v * mult;
}

static int check_mem(const char *arg, uint64_t mem)
{
	struct sysinfo si;
	uint64_t host;

	if (!mem) {
		pr_err("--mem %s: not a size (examples: 256M, 1G)", arg);
		return -1;
	}
	if (mem < MIN_MEM) {
		pr_err("--mem %s: too small (at least %lluM)", arg,
		       MIN_MEM >> 20);
		return -1;
	}
	if (mem > MAX_MEM || mem & 0xfff) {
		pr_err("--mem %s: %s", arg, mem & 0xfff ?
		       "not a multiple of 4 KiB" : "more than 1 TiB");
		return -1;
	}
	if (sysinfo(&si) == 0) {
		host = (uint64_t)si.totalram * si.mem_unit;
		if (mem > host) {
			pr_err("--mem %s: more than this host's memory (%llu MiB)",
			       arg, (unsigned long long)(host >> 20));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_CPUS = 256, OPT_CONSOLE, OPT_DEBUG };
	static const struct option opts[] = {
		{ "kernel",	required_argument, NULL, 'k' },
		{ "initrd",	required_argument, NULL, 'i' },
		{ "cmdline",	required_argument, NULL, 'c' },
		{ "mem",	required_argument, NULL, 'm' },
		{ "cpus",	required_argument, NULL, OPT_CPUS },
		{ "dev",	required_argument, NULL, 'd' },
		{ "console",	required_argument, NULL, OPT_CONSOLE },
		{ "debug",	no_argument,	   NULL, OPT_DEBUG },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct boot_args args = { .cmdline = DEFAULT_CMDLINE };
	enum console_mode console = CONSOLE_STDIO;
	const char *dev = getenv("LHV_DEV");
	const char *mem_arg = "256M";
	uint64_t mem = DEFAULT_MEM;
	struct vm vm;
	char *end;
	long cpus;
	int c, status;

	if (!dev || !*dev)
		dev = DEFAULT_DEV;
	while ((c = getopt_long(argc, argv, "k:i:c:m:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			args.kernel = optarg;
			break;
		case 'i':
			args.initrd = optarg;
			break;
		case 'c':
			args.cmdline = optarg;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'm':
			mem_arg = optarg;
			mem = parse_size(optarg);
			if (check_mem(optarg, mem))
				return RUN_EXIT_ERROR;
			break;
		case OPT_CPUS:
			errno = 0;
			cpus = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || cpus < 1) {
				pr_err("--cpus %s: not a positive number", optarg);
				return RUN_EXIT_ERROR;
			}
			if (cpus > 1) {
				pr_err("--cpus %ld: only 1 vCPU is supported (no SMP yet)",
				       cpus);
				return RUN_EXIT_ERROR;
			}
			break;
		case OPT_CONSOLE:
			if (!strcmp(optarg, "stdio")) {
				console = CONSOLE_STDIO;
			} else if (!strcmp(optarg, "none")) {
				console = CONSOLE_NONE;
			} else {
				pr_err("--console %s: stdio or none", optarg);
				return RUN_EXIT_USAGE;
			}
			break;
		case OPT_DEBUG:
			log_debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return RUN_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see --help)", argv[optind]);
		return RUN_EXIT_USAGE;
	}
	if (!args.kernel) {
		pr_err("no kernel: --kernel FILE (see --help)");
		return RUN_EXIT_USAGE;
	}
	if (strlen(args.cmdline) > CMDLINE_MAX) {
		pr_err("command line too long: %zu bytes", strlen(args.cmdline));
		return RUN_EXIT_ERROR;
	}

	/* Check every input before touching the device. */
	memset(&vm, 0, sizeof(vm));
	vm.ram_size = mem;
	vm.low_size = mem < GPA_MEM_HOLE ? mem : GPA_MEM_HOLE;
	if (boot__load(&vm, &args))
		return RUN_EXIT_ERROR;

	if (vm__init(&vm, dev, mem, log_debug))
		return RUN_EXIT_ERROR;
	pr_debug("%s: %s RAM, immediate_exit %s", dev, mem_arg,
		 vm.has_immediate_exit ? "yes" : "no");
	status = RUN_EXIT_ERROR;
	if (vm__setup_cpuid(&vm) || boot__load(&vm, &args) ||
	    dev__init(&vm) || term__init(console))
		goto out;
	status = run__loop(&vm);
out:
	term__flush();
	term__restore();
	dev__exit(&vm);
	vm__exit(&vm);
	return status;
}
