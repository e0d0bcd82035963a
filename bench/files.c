/* files.c — the benchmark's file system yardstick: creates N files of SIZE
 * bytes each in a new folder DIR (open O_CREAT|O_EXCL, one write, close),
 * then one syncfs, as report creates its customer files. What that costs
 * on this file system is a floor under report's time that no query can
 * lower. usage: files DIR N SIZE. Not part of the program. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: files DIR N SIZE\n");
		return 64;
	}
	long n = strtol(argv[2], NULL, 10), size = strtol(argv[3], NULL, 10);
	if (n < 0 || size < 0 || size > 1 << 20 || mkdir(argv[1], 0750) < 0) {
		perror(argv[1]);
		return 73;
	}
	int dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *buf = calloc(1, (size_t)size + 1);
	if (dir < 0 || buf == NULL)
		return 71;
	memset(buf, 'x', (size_t)size);
	for (long i = 0; i < n; i++) {
		char name[32];
		/* names in no particular order, as customer ids come */
		snprintf(name, sizeof name, "C%08ld.csv", (i * 7919) % n);
		int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 || write(fd, buf, (size_t)size) != size || close(fd) < 0) {
			perror(name);
			return 74;
		}
	}
	if (syncfs(dir) < 0)
		return 74;
	close(dir);
	free(buf);
	return 0;
}
