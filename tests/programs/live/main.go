// Command live is the target of the live-session tests: it is launched, attached to, stopped at
// breakpoints, changed and called into. The first argument picks what it does:
//
//	calls N   call add(i, i*i) N times, printing to stdout and stderr, then exit with status 3
//	panic     panic without recovering
//	throw     die of a fatal runtime error (unlock of an unlocked mutex)
//	serve     run until killed, calling add in a loop (for attach and snapshots)
//	hang      every worker blocks on a mutex held by main, which sleeps forever
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// counter is changed by the tests with set_variable.
var counter = 1

// stopped is set by the tests to end the serve loop.
var stopped = false

//go:noinline
func add(a, b int) int {
	return a + b + counter - 1
}

// double is called by the tests with call_function.
//
//go:noinline
func double(x int) int {
	return 2 * x
}

// kept is where keep stores its argument: the pointer escapes to the heap.
var kept *int

// keep is called by the tests with a pointer to a stack variable, which Delve refuses.
//
//go:noinline
func keep(p *int) {
	kept = p
}

//go:noinline
func greet(name string) string {
	return "hello, " + name
}

func calls(n int) {
	total := 0
	for i := 0; i < n; i++ {
		total = add(i, i*i)
		fmt.Printf("out %d %d\n", i, total)
		fmt.Fprintf(os.Stderr, "err %d\n", i)
	}
	fmt.Println("done", total)
	os.Exit(3)
}

func serve() {
	fmt.Println("live: serving")
	for i := 0; !stopped; i++ {
		add(i, 1)
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("live: stopped")
}

func hang() {
	var mu sync.Mutex
	mu.Lock()
	for i := 0; i < 4; i++ {
		go func() {
			mu.Lock()
			mu.Unlock()
		}()
	}
	fmt.Println("live: hung")
	for {
		time.Sleep(time.Hour)
	}
}

func main() {
	mode := "calls"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "calls":
		n := 3
		if len(os.Args) > 2 {
			n, _ = strconv.Atoi(os.Args[2])
		}
		calls(n)
	case "panic":
		var m map[string]int
		m["x"] = double(1)
	case "throw":
		var mu sync.Mutex
		mu.Unlock()
	case "serve":
		serve()
	case "hang":
		hang()
	}
	keep(&counter)
	fmt.Println(greet("world"))
}
