/* bench_proc.h - what /proc says about a process under benchmark.
 *
 * Header-only because the Makefile builds every .c in tests/bench/ as a program
 * of its own. Every reader returns a negative value (or 0 for sums) when
 * the process or file is gone; none of them blocks.
 */
#ifndef RG_BENCH_PROC_H
#define RG_BENCH_PROC_H

#include <arpa/inet.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first line of @path that starts with @key ("" for the first line). */
static inline bool proc_read_line(const char *path, const char *key,
				  char *line, int size)
{
	bool found = false;
	FILE *f = fopen(path, "r");

	while (f && !found && fgets(line, size, f))
		found = strncmp(line, key, strlen(key)) == 0;
	if (f)
		fclose(f);
	return found;
}

/* utime + stime of @pid (all its threads) in seconds, or -1. */
static inline double proc_cpu_seconds(int pid)
{
	unsigned long long ut, st;
	char path[64], line[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	/* after "(comm)": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime */
	if (!proc_read_line(path, "", line, sizeof(line)) ||
	    !(p = strrchr(line, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* VmRSS of @pid in kB, or -1. */
static inline long proc_rss_kb(int pid)
{
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return proc_read_line(path, "VmRSS:", line, sizeof(line)) ?
		atol(line + 6) : -1;
}

/* Nanoseconds the threads of @pid (this process when 0) spent runnable but
 * waiting for a CPU: schedstat's second field, summed. Shows how much
 * other work on the machine took from the measured process. */
static inline uint64_t proc_sched_wait_ns(int pid)
{
	char dir[64], path[340], line[128];
	unsigned long long run, wait;
	uint64_t sum = 0;
	struct dirent *de;
	DIR *d;

	if (pid)
		snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self/task");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s/schedstat", dir, de->d_name);
		if (de->d_name[0] != '.' &&
		    proc_read_line(path, "", line, sizeof(line)) &&
		    sscanf(line, "%llu %llu", &run, &wait) == 2)
			sum += wait;
	}
	if (d)
		closedir(d);
	return sum;
}

/* One pass over /proc/net/udp: @sums[i] gets the drops column summed over
 * the IPv4 sockets bound on @addrs[i] whose port is flagged in @ports[i]
 * (65536 entries each). The file lists every UDP socket of the network
 * namespace and can take milliseconds to read: not for a packet loop. */
static inline void proc_udp_drops(const struct in_addr *addrs,
				  const uint8_t *const *ports, unsigned n,
				  uint64_t *sums)
{
	unsigned laddr, lport, i;
	unsigned long long drops;
	char line[512];
	FILE *f = fopen("/proc/net/udp", "r");

	memset(sums, 0, n * sizeof(*sums));
	while (f && fgets(line, sizeof(line), f)) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode
		 * ref pointer drops; addresses as stored, ports in host order */
		if (sscanf(line, " %*u: %x:%x %*s %*s %*s %*s %*s %*s %*s %*s"
			   " %*s %*s %llu", &laddr, &lport, &drops) != 3 ||
		    lport > 65535)
			continue;
		for (i = 0; i < n; i++)
			if (laddr == addrs[i].s_addr && ports[i][lport])
				sums[i] += drops;
	}
	if (f)
		fclose(f);
}

#endif
