# gdb script: list the tasks of a kernel core (like crash's ps), one
# "task PID COMM" line each, walking init_task.tasks.
import gdb

task_type = gdb.lookup_type("struct task_struct")
offset = int(gdb.parse_and_eval(
    "(unsigned long)&((struct task_struct *)0)->tasks"))
init = gdb.parse_and_eval("init_task")
head = int(init["tasks"].address)
node = int(init["tasks"]["next"])
seen = 0
while node != head and seen < 100000:
    task = gdb.Value(node - offset).cast(task_type.pointer()).dereference()
    print("task %d %s" % (int(task["pid"]), task["comm"].string()))
    node = int(task["tasks"]["next"])
    seen += 1
