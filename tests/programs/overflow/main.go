// Command overflow recurses without end until the goroutine's stack overflows.
package main

import "runtime/debug"

func descend(depth int) int {
	var pad [64]byte
	pad[depth%len(pad)] = byte(depth)
	return descend(depth+1) + int(pad[0])
}

func main() {
	// A small limit keeps the crash (and the core, which holds the stack) small and fast.
	debug.SetMaxStack(8 << 20)
	descend(0)
}
