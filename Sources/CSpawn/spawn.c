#define _GNU_SOURCE
#include "weft_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(int fd, const void *buffer, size_t length) {
    const char *bytes = buffer;
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0) { if (errno == EINTR) continue; return -1; }
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

/// The child's side: nothing here allocates or takes a lock.
static void become(const char *path, char *const argv[], char *const envp[], const weft_spawn_options *options,
                   pid_t parent, int report) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal == SIGKILL || signal == SIGSTOP) continue;
        sigaction(signal, &standard, NULL);
    }
    if (options->new_process_group) setpgid(0, 0);
    if (options->death_signal > 0) {
        prctl(PR_SET_PDEATHSIG, options->death_signal);
        // The parent may have gone before prctl: then nobody would send the signal.
        if (getppid() != parent) _exit(127);
    }
    int sources[3] = { options->stdin_fd, options->stdout_fd, options->stderr_fd };
    int null = -1;
    for (int i = 0; i < 3; i++) {
        if (sources[i] < 0) {
            if (null < 0) null = open("/dev/null", O_RDWR);
            sources[i] = null;
        }
        // Above every descriptor dup2 is about to replace, so that one source cannot be
        // overwritten by another's dup2.
        if (sources[i] >= 0) sources[i] = fcntl(sources[i], F_DUPFD, 10);
    }
    int high = fcntl(report, F_DUPFD_CLOEXEC, 10);
    for (int i = 0; i < 3; i++) {
        if (sources[i] >= 0) dup2(sources[i], i);
    }
    // The report pipe goes to descriptor 3 (close-on-exec); everything above is closed.
    if (high >= 0) { dup2(high, 3); fcntl(3, F_SETFD, FD_CLOEXEC); }
    syscall(SYS_close_range, 4U, ~0U, 0U);
    execve(path, argv, envp);
    int failure = errno;
    write_all(3, &failure, sizeof failure);
    _exit(127);
}

pid_t weft_spawn(const char *path, char *const argv[], char *const envp[], const weft_spawn_options *options) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -errno;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int failure = errno;
        close(report[0]);
        close(report[1]);
        return -failure;
    }
    if (pid == 0) become(path, argv, envp, options, parent, report[1]);
    close(report[1]);
    int failure = 0;
    ssize_t got;
    do { got = read(report[0], &failure, sizeof failure); } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof failure) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return -(failure ? failure : ECHILD);
    }
    return pid;
}

pid_t weft_wait(pid_t pid, int *status, int nohang) {
    for (;;) {
        pid_t got = waitpid(pid, status, nohang ? WNOHANG : 0);
        if (got >= 0) return got;
        if (errno != EINTR) return -errno;
    }
}

int weft_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno;
}
