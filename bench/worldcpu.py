"""bench/worldcpu.py - CPU time of the shared world's daemons and of the whole machine (issue 23).

Imported by bench/cold-pair and bench/cpu-account (both in this folder, so
on their sys.path): Unbound's and NSD's CPU seconds from /proc (the
daemon's pidfile under the world's run/ and every descendant: NSD's
serving children and theirs), and /proc/stat's first line.
"""
import os

TICK = os.sysconf("SC_CLK_TCK")


def daemon_cpu(world_dir, name, missing_ok=False):
    """CPU seconds of a world daemon and every descendant; None (missing_ok) or OSError without a pidfile.

    Each process counts utime+stime and cutime+cstime, the CPU of the
    children it has reaped: NSD replaces its serving children now and then,
    and a child's CPU would otherwise vanish from the sum when it exits
    (a run's NSD figure then came out negative).
    """
    try:
        pids = [int(open(os.path.join(world_dir, "run", name + ".pid")).read().split()[0])]
    except (OSError, ValueError):
        if missing_ok:
            return None
        raise
    s = 0
    for p in pids:	# grows while walked
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            s += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
            for t in os.listdir("/proc/%d/task" % p):
                pids += [int(c) for c in open("/proc/%d/task/%s/children" % (p, t)).read().split()]
        except OSError:
            pass
    return s / TICK


def machine_ticks():
    """The first line of /proc/stat: user nice system idle iowait irq softirq steal (ticks, all cores)."""
    return [int(x) for x in open("/proc/stat").readline().split()[1:9]]
