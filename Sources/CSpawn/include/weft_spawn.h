#ifndef WEFT_SPAWN_H
#define WEFT_SPAWN_H

#include <sys/types.h>

/// How a child starts: its three standard descriptors (-1: /dev/null), the signal it gets
/// when the thread that started it ends (0: none), and whether it leads a process group of
/// its own (so that stopping it reaches its children too).
typedef struct {
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    int death_signal;
    int new_process_group;
} weft_spawn_options;

/// fork + exec with only async-signal-safe calls in the child: signal dispositions back to
/// their defaults and the mask cleared (the daemon ignores SIGTERM and SIGINT), its own
/// process group, PR_SET_PDEATHSIG, every other descriptor closed. Returns the child's PID,
/// or -errno when it could not be started (exec's errno arrives through a close-on-exec pipe).
pid_t weft_spawn(const char *path, char *const argv[], char *const envp[], const weft_spawn_options *options);

/// waitpid, retried on EINTR. Returns the PID, 0 (WNOHANG and still running) or -errno.
pid_t weft_wait(pid_t pid, int *status, int nohang);

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec (Swift's Glibc does not export pipe2).
int weft_pipe(int fds[2]);

#endif
