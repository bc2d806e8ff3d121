// Command panicerr panics with a wrapped error value a few frames below main.
package main

import (
	"fmt"
	"os"
)

func loadConfig(name string) error {
	return fmt.Errorf("loading config %q: %w", name, os.ErrNotExist)
}

func mustLoadConfig(name string) {
	if err := loadConfig(name); err != nil {
		panic(err)
	}
}

func start() {
	mustLoadConfig("app.yaml")
}

func main() {
	start()
}
