# drgn on a snapshot or dump of the test system: what a kernel engineer
# asks of one first.  Run as
#   drgn -q -c DUMP -s VMLINUX drgn-check.py SEED MIB
# and prints, one line each, for the test to check:
#   release R                   the kernel's release
#   tasks N (M with a comm)     every task, and how many have a name
#   task PID COMM STATE         ... each of them
#   log: FIRST LINE             the printk log's first line
#   cpu N: FUNC...              every CPU's registers: the innermost
#                               functions (inlined ones too) of its stack
#   pattern: K of N pages       kpattern's buffer (SEED, MIB) read through
#                               the holder's page tables and compared
import sys

from drgn import FaultError
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.mm import access_remote_vm, for_each_vma
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.printk import get_dmesg
from drgn.helpers.linux.sched import cpu_curr, task_state_to_char

M64 = (1 << 64) - 1


def pattern_word(seed, index):
    # test/workload/kpattern.c: splitmix64 of seed and index
    z = (seed + (index + 1) * 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def page_matches(data, seed, page):
    # first, middle and last word: enough to tell one page from another
    for w in (0, 255, 511):
        got = int.from_bytes(data[w * 8:w * 8 + 8], "little")
        if got != pattern_word(seed, page * 512 + w):
            return False
    return True


def pattern_pages(seed, mib):
    size = mib << 20
    best = 0
    for task in for_each_task(prog):
        if task.comm.string_() != b"kpattern" or not task.mm:
            continue
        for vma in for_each_vma(task.mm):
            start, end = vma.vm_start.value_(), vma.vm_end.value_()
            if end - start != size or vma.vm_file:
                continue
            found = 0
            for page in range(size >> 12):
                try:
                    data = access_remote_vm(task.mm, start + (page << 12),
                                            4096)
                except FaultError:
                    continue
                found += page_matches(data, seed, page)
            best = max(best, found)
    return best


def main():
    seed, mib = int(sys.argv[1], 0), int(sys.argv[2])
    print("release", prog["UTS_RELEASE"].string_().decode())
    tasks = list(for_each_task(prog))
    named = sum(1 for t in tasks if t.comm.string_())
    print(f"tasks {len(tasks)} ({named} with a comm)")
    for t in tasks:
        print("task", t.pid.value_(), t.comm.string_().decode(),
              task_state_to_char(t))
    print("log:", get_dmesg(prog).decode(errors="replace").splitlines()[0])
    for cpu in for_each_possible_cpu(prog):
        try:
            trace = prog.stack_trace(cpu_curr(prog, cpu))
            names = " ".join(str(f.name) for f in list(trace)[:8])
            print(f"cpu {cpu}: {names}")
        except Exception as e:
            print(f"cpu {cpu}: no registers ({e})")
    print(f"pattern: {pattern_pages(seed, mib)} of {mib << 8} pages")


main()
