package main

import "testing"

func TestAdd(t *testing.T) {
	if add(2, 3) != 5 {
		t.Fatal("add(2, 3) != 5")
	}
}

func TestDouble(t *testing.T) {
	if double(4) != 8 {
		t.Fatal("double(4) != 8")
	}
}
