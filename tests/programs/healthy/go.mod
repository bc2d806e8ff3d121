module healthy

go 1.19
