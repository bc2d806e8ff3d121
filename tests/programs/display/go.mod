module display

go 1.19
