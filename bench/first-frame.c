/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * first-frame: starts a program on the current X display and prints how
 * long it took until its first window received its first drawing, and how
 * much memory the program used a moment later.
 *
 *   first-frame [--settle MS] -- PROGRAM [ARGS...]
 *
 * Output, one line: "first_frame_ms=N rss_kib=N pss_kib=N". The program is
 * stopped (SIGTERM, by its pid) afterwards. Exit status 0 on success, 1 if
 * no frame came within 30 seconds.
 *
 * "First drawing" is the first XDamage report on the first top-level window
 * the program maps: the same definition for every program measured, which
 * is what a comparison needs.
 */
#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 30000

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static long
read_kib (pid_t pid, const char *file, const char *field)
{
  char path[64], line[256];
  long value = -1;
  FILE *stream;

  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  stream = fopen (path, "r");
  if (stream == NULL)
    return -1;
  while (fgets (line, sizeof line, stream) != NULL)
    if (strncmp (line, field, strlen (field)) == 0)
      {
        value = strtol (line + strlen (field), NULL, 10);
        break;
      }
  fclose (stream);
  return value;
}

static pid_t
start_program (char **argv)
{
  pid_t pid = fork ();

  if (pid == 0)
    {
      /* The measured program's chatter is not this tool's output. */
      int null_fd = open ("/dev/null", O_WRONLY);

      if (null_fd >= 0)
        {
          dup2 (null_fd, STDOUT_FILENO);
          dup2 (null_fd, STDERR_FILENO);
        }
      execvp (argv[0], argv);
      fprintf (stderr, "first-frame: cannot run %s: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  return pid;
}

/* Waits for the first damage on the first mapped top-level window. */
static int
wait_first_frame (Display *display, int damage_event, double started, double *frame_ms)
{
  int fd = ConnectionNumber (display);

  while (now_ms () - started < TIMEOUT_MS)
    {
      XEvent event;

      if (XPending (display) == 0)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLIN };

          poll (&pfd, 1, 50);
          continue;
        }
      XNextEvent (display, &event);
      if (event.type == MapNotify && !event.xmap.override_redirect)
        XDamageCreate (display, event.xmap.window, XDamageReportNonEmpty);
      else if (event.type == damage_event + XDamageNotify)
        {
          *frame_ms = now_ms () - started;
          return 0;
        }
    }
  return 1;
}

int
main (int argc, char **argv)
{
  int settle_ms = 1000, first = 1, damage_event, damage_error, status;
  double started, frame_ms = 0;
  Display *display;
  pid_t pid;

  if (argc > 2 && strcmp (argv[1], "--settle") == 0)
    {
      settle_ms = atoi (argv[2]);
      first = 3;
    }
  if (first >= argc || strcmp (argv[first], "--") != 0 || first + 1 >= argc)
    {
      fprintf (stderr, "usage: first-frame [--settle MS] -- PROGRAM [ARGS...]\n");
      return 2;
    }

  display = XOpenDisplay (NULL);
  if (display == NULL || !XDamageQueryExtension (display, &damage_event, &damage_error))
    {
      fprintf (stderr, "first-frame: needs an X display with the DAMAGE extension\n");
      return 2;
    }
  XSelectInput (display, DefaultRootWindow (display), SubstructureNotifyMask);
  XSync (display, False);

  started = now_ms ();
  pid = start_program (argv + first + 1);
  status = wait_first_frame (display, damage_event, started, &frame_ms);
  if (status == 0)
    {
      usleep ((useconds_t) settle_ms * 1000);
      printf ("first_frame_ms=%.1f rss_kib=%ld pss_kib=%ld\n", frame_ms,
              read_kib (pid, "status", "VmRSS:"), read_kib (pid, "smaps_rollup", "Pss:"));
    }
  else
    fprintf (stderr, "first-frame: no frame within %d ms\n", TIMEOUT_MS);

  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  XCloseDisplay (display);
  return status;
}
