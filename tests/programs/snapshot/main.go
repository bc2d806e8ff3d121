// Command snapshot dumps core without crashing, the way gcore would but much smaller: it gives
// SIGABRT back to the kernel's default action and sends it to itself, so no stack in the core
// holds any Go crash machinery.
package main

import (
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

func worker(jobs <-chan int) {
	for range jobs {
	}
}

// dumpCore restores SIG_DFL for SIGABRT (a zeroed kernel struct sigaction) and raises it.
func dumpCore() {
	var action [4]uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGABRT),
		uintptr(unsafe.Pointer(&action)), 0, 8, 0, 0)
	syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	time.Sleep(time.Minute)
}

func main() {
	jobs := make(chan int)
	for i := 0; i < 3; i++ {
		go worker(jobs)
	}
	time.Sleep(50 * time.Millisecond)
	fmt.Println("snapshot: ready")
	dumpCore()
}
