// SPDX-License-Identifier: GPL-2.0
/*
 * modload - load a module with one finit_module(2) call and report the
 * exact errno, for the module checks in kunit/init.sh. (busybox insmod
 * retries a failed finit_module with init_module, which runs a refused
 * module's init twice, and prints only strerror.)
 *
 * Usage: modload [--fail-nth N | --count-faults] FILE [PARAM=VALUE ...]
 *   --fail-nth N     make the N-th fault-injection point hit by the load
 *                    fail (/proc/self/fail-nth)
 *   --count-faults   print "faults=N": the fault-injection points the
 *                    load passed
 * Prints "errno=N" and exits 1 if the load fails; exits 0 when loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COUNT_FROM 1000000

static int write_fail_nth(long n)
{
	char buf[32];
	int fd = open("/proc/self/fail-nth", O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%ld", n);
	int ok = fd >= 0 && write(fd, buf, len) == len;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static long read_fail_nth(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/fail-nth", O_RDONLY);
	ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return len > 0 ? strtol(buf, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	long fail_nth = 0;
	int count = 0, fd, i = 1, ret;
	char params[4096] = "";
	size_t len = 0;

	if (i < argc && !strcmp(argv[i], "--fail-nth") && i + 1 < argc) {
		fail_nth = strtol(argv[i + 1], NULL, 10);
		i += 2;
	} else if (i < argc && !strcmp(argv[i], "--count-faults")) {
		count = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [--fail-nth N | --count-faults] %s\n",
			argv[0], "FILE [PARAM=VALUE ...]");
		return 2;
	}
	fd = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("errno=%d\n", errno);
		return 1;
	}
	for (i++; i < argc; i++) {
		int n = snprintf(params + len, sizeof(params) - len, "%s%s",
				 len ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(params) - len) {
			fprintf(stderr, "%s: parameters too long\n", argv[0]);
			return 2;
		}
		len += n;
	}
	if ((fail_nth || count) && write_fail_nth(count ? COUNT_FROM : fail_nth)) {
		fprintf(stderr, "%s: cannot write /proc/self/fail-nth\n", argv[0]);
		return 2;
	}
	ret = syscall(SYS_finit_module, fd, params, 0);
	if (ret)
		printf("errno=%d\n", errno);
	if (count)
		printf("faults=%ld\n", COUNT_FROM - read_fail_nth());
	else if (fail_nth)
		write_fail_nth(0);
	return ret ? 1 : 0;
}
