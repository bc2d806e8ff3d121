module example.com/selfquit

go 1.19
