// Command nilptr calls a method that dereferences a nil field of its receiver.
package main

import "fmt"

type Config struct {
	Host string
	Port int
}

type Server struct {
	Name string
	cfg  *Config
}

func (s *Server) Addr() string {
	return fmt.Sprintf("%s:%d", s.cfg.Host, s.cfg.Port)
}

func main() {
	srv := &Server{Name: "api"}
	fmt.Println(srv.Addr())
}
