// Command selfquit dumps its own goroutines the way some services do on a health-check
// failure: it sends itself SIGQUIT while its workers are blocked.
package main

import (
	"fmt"
	"sync"
	"syscall"
	"time"
)

func worker(mu *sync.Mutex) {
	mu.Lock() // blocks: main holds the lock
	defer mu.Unlock()
}

func main() {
	var mu sync.Mutex
	mu.Lock()
	for i := 0; i < 16; i++ {
		go worker(&mu)
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Println("selfquit: dumping")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGQUIT); err != nil {
		panic(err)
	}
	time.Sleep(10 * time.Second)
}
