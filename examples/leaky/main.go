// Command leaky is a toy server with a goroutine leak: every request it serves starts a handler
// that waits for a reply nobody ever sends. It serves the number of requests given as its
// argument (default 10), then idles until it is dumped, e.g. with
//
//	dlvclient capture --signal-after 1 -- ./leaky 10
//
// Two dumps taken with different counts are what examples/leak_diff.py compares.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// handle leaks: its reply channel has no sender.
func handle(request int, replies <-chan string) {
	reply := <-replies
	_ = reply + strconv.Itoa(request)
}

func serve(requests int) {
	for i := 0; i < requests; i++ {
		go handle(i, make(chan string))
	}
}

// worker is the steady part of the program: the same number of them in every dump.
func worker(jobs <-chan int) {
	for job := range jobs {
		_ = job
	}
}

func main() {
	requests := 10
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 0 {
			fmt.Fprintln(os.Stderr, "usage: leaky [REQUESTS]")
			os.Exit(2)
		}
		requests = n
	}
	jobs := make(chan int)
	for i := 0; i < 3; i++ {
		go worker(jobs)
	}
	serve(requests)
	fmt.Println("leaky: ready")
	for {
		// Sleeping, not blocking for good: with every goroutine blocked the runtime would
		// report a deadlock and crash instead of waiting to be dumped.
		time.Sleep(time.Second)
	}
}
