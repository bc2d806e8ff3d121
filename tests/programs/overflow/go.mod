module overflow

go 1.19
