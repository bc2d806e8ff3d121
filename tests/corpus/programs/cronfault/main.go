// Command cronfault is a small service on real dependencies that faults inside one of them:
// a job that robfig/cron runs on its own goroutine calls golang.org/x/time/rate through a nil
// *rate.Limiter (the service forgot to set it), and the nil pointer is dereferenced in rate's
// code. Its own frames are the job (a method), a generic helper and main.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"golang.org/x/time/rate"
)

type endpoint struct {
	name    string
	limiter *rate.Limiter
}

type service struct {
	endpoints []*endpoint
	served    int
}

// each calls fn for every item: a generic frame of the main module between the job and rate.
func each[T any](items []T, fn func(T)) {
	for _, item := range items {
		fn(item)
	}
}

// poll is the cron job: it serves every endpoint its limiter allows.
func (s *service) poll() {
	each(s.endpoints, func(e *endpoint) {
		if e.limiter.Allow() {
			s.served++
		}
	})
}

func idle(wg *sync.WaitGroup, stop <-chan struct{}) {
	defer wg.Done()
	<-stop
}

func main() {
	s := &service{endpoints: []*endpoint{
		{name: "users", limiter: rate.NewLimiter(10, 1)},
		{name: "orders"}, // the bug: no limiter
	}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go idle(&wg, stop)
	}
	c := cron.New(cron.WithSeconds())
	if _, err := c.AddFunc("@every 200ms", func() { s.poll() }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c.Start()
	fmt.Println("cronfault: ready")
	time.Sleep(30 * time.Second)
	close(stop)
	wg.Wait()
}
