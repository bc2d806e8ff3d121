// Command nilmap writes to a nil map.
package main

type stats struct {
	counts map[string]int
}

func handle(s *stats, path string) {
	s.counts[path]++
}

func main() {
	s := &stats{}
	handle(s, "/index.html")
}
