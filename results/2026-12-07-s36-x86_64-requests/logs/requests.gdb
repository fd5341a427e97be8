set pagination off
set print thread-events off
set confirm off
break wait_for_answer
commands
silent
set $object = (PyObject *)req->object
set $frame = tstate->current_frame
set $code = (PyObject *)0
if $frame != 0
  set $code = (PyObject *)($frame->f_executable.bits & ~(uintptr_t)3)
end
if $code != 0 && $code->ob_type == &PyCode_Type
  printf "OWNBENCH-REQUEST\t%s\t%d\t%s\t%s\n", $object->ob_type->tp_name, req->share, (char *)((PyASCIIObject *)((PyCodeObject *)$code)->co_qualname + 1), (char *)((PyASCIIObject *)((PyCodeObject *)$code)->co_filename + 1)
else
  printf "OWNBENCH-REQUEST\t%s\t%d\t-\t-\n", $object->ob_type->tp_name, req->share
end
bt 16
continue
end
run
