// Command display crashes with values that print in tricky ways and goroutines that wait in
// several ways: strings that are not valid UTF-8 or are long in bytes but short in characters,
// workers blocked on a channel long enough for two GCs to see them, and connections in IO wait.
package main

import (
	"fmt"
	"net"
	"runtime"
	"time"
)

// Printed by the tests as dlv prints them: lines break by length in bytes, not characters.
var (
	labels              = []string{"éééé", "ab"}
	invalid             = []string{"ok", "\xc3\x28", "\xe2\x82"}
	nested              = map[string]Names{"k": {Short: "x", Wide: "ü"}}
	pointer             = &Names{Short: "p", Wide: "a pointer's target"}
	boxed   interface{} = Names{Short: "i"}
	words               = []string{"a", "a long string here"}
	numbers             = map[int][]int{1: {1, 2}}
	queue               = make(chan int, 3)
	array               = [3]uint8{1, 2, 3}
	cplx                = complex(1.5, -2)
)

type Names struct {
	Short string
	Wide  string
}

func worker(jobs <-chan int) {
	for range jobs {
	}
}

func readLoop(conn net.Conn) {
	buf := make([]byte, 16)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

func serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go readLoop(conn)
	}
}

func startConnections(n int) []net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go serve(ln)
	var conns []net.Conn
	for i := 0; i < n; i++ {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			panic(err)
		}
		conns = append(conns, conn)
	}
	return conns
}

func inspect(bad string, names Names, count int) {
	var m map[string]int
	fmt.Println("display: crashing", len(bad), names.Wide, count, len(labels), len(invalid), len(nested),
		pointer.Short, boxed != nil, len(words), len(numbers), cap(queue), array[0], real(cplx))
	m[bad] = count // nil map: panics
}

func main() {
	jobs := make(chan int)
	for i := 0; i < 4; i++ {
		go worker(jobs)
	}
	conns := startConnections(3)
	time.Sleep(50 * time.Millisecond)
	// Two collections 1.5 s apart: the workers' wait started before the first one.
	runtime.GC()
	time.Sleep(1500 * time.Millisecond)
	runtime.GC()
	inspect("\xff\xfeab", Names{Short: "abc", Wide: "ééééé"}, len(conns))
}
