// Command index indexes past the end of a slice in a goroutine while main waits.
package main

import (
	"fmt"
	"sync"
)

func pick(items []string, i int) string {
	return items[i]
}

func worker(items []string, i int, wg *sync.WaitGroup) {
	fmt.Println(pick(items, i))
	// Not deferred: a deferred Done runs while the panic unwinds and lets main return, and
	// main's exit(0) wins when this thread is descheduled for longer than runtime.main waits
	// for a panic in flight (1000 Gosched calls) -- an exit status 0 and no core on a busy
	// machine.
	wg.Done()
}

func main() {
	items := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	wg.Add(1)
	go worker(items, 5, &wg)
	wg.Wait()
}
